"""A file's chord changes, for ``jazzgen chords``: its own chord symbols (MIDI text events,
MusicXML ``<harmony>``), else inferred from its accompaniment (``jazzgen.music.inference``)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from jazzgen.errors import ReadError
from jazzgen.io.midi import read_midi
from jazzgen.io.read import MIDI_SUFFIXES, read_score
from jazzgen.music.chart import INFERRED, SYMBOLS, Chart, chart_of
from jazzgen.music.inference import accompaniment, infer_changes
from jazzgen.music.notes import Score


def read_chart(path: str | os.PathLike) -> Chart:
    """The chart of a MIDI or MusicXML file: from its chord symbols when it has them, else
    inferred from the parts that carry its harmony (the melody left out). Raises
    :class:`~jazzgen.errors.ReadError` for a file that cannot be read or has neither."""
    path = Path(path)
    if path.suffix.lower() in MIDI_SUFFIXES:
        score = read_midi(path, infer_chords=False)
    else:
        score = read_score(path)
    return score_chart(score, path.name, str(path))


def score_chart(score: Score, name: str, path: str = "") -> Chart:
    """The chart of a read ``score`` (named ``name`` in messages): its chord symbols when it
    has them, else the changes inferred from the parts that carry its harmony. Raises
    :class:`~jazzgen.errors.ReadError` when it has neither."""
    if score.changes:
        return chart_of(score, SYMBOLS)
    parts = accompaniment(score.parts)
    changes = infer_changes(score, parts)
    if not changes:
        raise ReadError(f"{name}: no chord symbols, and no accompaniment to infer the "
                        "changes from", path)
    return chart_of(replace(score, changes=changes), INFERRED, tuple(p.name for p in parts))
