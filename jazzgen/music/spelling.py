"""Note names: letters, accidentals, and how chord charts spell roots.

Pure functions over pitch classes (0 = C); ``jazzgen.music.chords`` builds symbol parsing and
transposition on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LETTERS = "CDEFGAB"
LETTER_PC: Mapping[str, int] = MappingProxyType(
    {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11})
"""Pitch class of each natural note letter (read-only)."""
ACCIDENTALS: Mapping[str, int] = MappingProxyType({"": 0, "b": -1, "♭": -1, "#": 1, "♯": 1})
"""Semitones each accidental adds (read-only)."""
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def pitch_class_name(pc: int, prefer_flats: bool = True) -> str:
    """The name of pitch class ``pc`` (0 = C), with flats (``Bb``) or sharps (``A#``)."""
    return (FLAT_NAMES if prefer_flats else SHARP_NAMES)[pc % 12]


def root_name(pc: int, quality: str = "") -> str:
    """A root spelt the way chord charts usually write it for this quality.

    Black keys take flats (Db Eb Gb Ab Bb), except C#, F#, G# for chords with a minor third
    (C#m7, F#m7b5) and C#, D#, F#, G# for diminished ones (the passing C#dim7, D#dim7).
    """
    pc %= 12
    if quality.startswith("dim"):
        sharps = {1, 3, 6, 8}
    elif quality.startswith("m") and not quality.startswith("maj"):
        sharps = {1, 6, 8}
    else:
        sharps = set()
    return pitch_class_name(pc, prefer_flats=pc not in sharps)


def shift_note(letter: str, acc: str, semitones: int, steps: int) -> str | None:
    """The note ``steps`` letters and ``semitones`` higher, or None if it needs a double
    accidental."""
    pc = (LETTER_PC[letter] + ACCIDENTALS[acc] + semitones) % 12
    new = LETTERS[(LETTERS.index(letter) + steps) % 7]
    diff = (pc - LETTER_PC[new] + 6) % 12 - 6
    return new + {-1: "b", 0: "", 1: "#"}[diff] if -1 <= diff <= 1 else None
