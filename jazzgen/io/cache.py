"""A JSON cache of parsed scores, so a corpus is parsed once (MusicXML costs ~0.3 s a file).

Entries are keyed by the file's bytes, the melody-track choice and the source code of the
readers, so editing a file or the parser never serves a stale score. JSON, never pickle:
loading the cache runs no code. ``JAZZGEN_CACHE_DIR`` moves it; ``off`` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

from jazzgen.io import atomic
from jazzgen.music.chords import Chord, ChordChange
from jazzgen.music.notes import Note, Part, Score, TimeSignature

READERS = ("music/notes.py", "music/chords.py", "music/spelling.py", "music/inference.py",
           "io/chord_kinds.py", "io/limits.py",
           "io/midi.py", "io/musicxml.py", "io/xml_direct.py", "io/read.py", "io/cache.py")
"""Source files (under the package) whose code decides what a file reads as."""


def cache_dir() -> Path | None:
    """Where entries live, or None when caching is off."""
    env = os.environ.get("JAZZGEN_CACHE_DIR")
    if env == "off":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "jazzgen" / "scores"


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    h = hashlib.sha256()
    here = Path(__file__).resolve().parents[1]
    for name in READERS:
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def _key(path: Path, track) -> str:
    h = hashlib.sha256(path.read_bytes())
    h.update(f"|{track}|{_code_hash()}".encode())
    return h.hexdigest()


def load(path: Path, track) -> Score | None:
    """The cached score for ``path``, or None."""
    root = cache_dir()
    if root is None:
        return None
    try:
        entry = root / f"{_key(path, track)}.json"
        return score_from_dict(json.loads(entry.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(path: Path, track, score: Score) -> None:
    """Cache ``score`` for ``path`` (silently does nothing if the cache is not writable)."""
    root = cache_dir()
    if root is None:
        return
    with contextlib.suppress(OSError):
        atomic.write_text(root / f"{_key(path, track)}.json", json.dumps(score_to_dict(score)))


def _chord_dict(c: Chord) -> list:
    return [c.symbol, c.root, list(c.pcs), c.quality, c.bass]


def score_to_dict(score: Score) -> dict:
    """A score as JSON-ready data."""
    return {
        "notes": [[n.pitch, n.start, n.duration, n.velocity] for n in score.notes],
        "changes": [[c.start, c.duration, *_chord_dict(c.chord)] for c in score.changes],
        "sigs": [[s.start, s.numerator, s.denominator] for s in score.time_signatures],
        "tempo": score.tempo,
        "title": score.title,
        "parts": [{"name": p.name, "program": p.program, "channel": p.channel,
                   "is_drum": p.is_drum,
                   "notes": [[n.pitch, n.start, n.duration, n.velocity] for n in p.notes]}
                  for p in score.parts],
    }


def score_from_dict(d: dict) -> Score:
    """Inverse of :func:`score_to_dict` (values are re-validated by the types)."""
    return Score(
        notes=tuple(Note(*n) for n in d["notes"]),
        changes=tuple(ChordChange(c[0], c[1], Chord(c[2], c[3], tuple(c[4]), c[5], c[6]))
                      for c in d["changes"]),
        time_signatures=tuple(TimeSignature(*s) for s in d["sigs"]),
        tempo=d["tempo"],
        title=d["title"],
        parts=tuple(Part(p["name"], tuple(Note(*n) for n in p["notes"]), p["program"],
                         p["channel"], p["is_drum"]) for p in d["parts"]),
    )
