"""Read any supported score file by its extension: MIDI through mido, MusicXML through music21."""

from __future__ import annotations

import os
from pathlib import Path

from jazzgen.errors import ReadError
from jazzgen.music.notes import Score

MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".rmi")
XML_SUFFIXES = (".xml", ".musicxml", ".mxl")
SUFFIXES = MIDI_SUFFIXES + XML_SUFFIXES
"""File name endings jazzgen reads (compared in lower case)."""


def read_score(path: str | os.PathLike, track: str | int | None = None) -> Score:
    """Read a MIDI or MusicXML file into a Score; ``track`` picks the melody part."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        from jazzgen.io.midi import read_midi

        return read_midi(path, track=track)
    if suffix in XML_SUFFIXES:
        from jazzgen.io.musicxml import read_musicxml

        return read_musicxml(path, track=track)
    raise ReadError(f"{path.name}: unsupported file type {suffix!r} "
                    f"(expected one of {', '.join(SUFFIXES)})", str(path))
