"""Chord scales: the usual scale over a chord, and the chord family it is chosen by."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from jazzgen.music.chords import Chord

SCALES: Mapping[str, tuple[int, ...]] = MappingProxyType({
    "ionian": (0, 2, 4, 5, 7, 9, 11), "lydian": (0, 2, 4, 6, 7, 9, 11),
    "lydian augmented": (0, 2, 4, 6, 8, 9, 11), "whole tone": (0, 2, 4, 6, 8, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10), "lydian dominant": (0, 2, 4, 6, 7, 9, 10),
    "mixolydian b13": (0, 2, 4, 5, 7, 8, 10), "half-whole diminished": (0, 1, 3, 4, 6, 7, 9, 10),
    "phrygian dominant": (0, 1, 4, 5, 7, 8, 10), "altered": (0, 1, 3, 4, 6, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10), "melodic minor": (0, 2, 3, 5, 7, 9, 11),
    "aeolian": (0, 2, 3, 5, 7, 8, 10), "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11), "locrian": (0, 1, 3, 5, 6, 8, 10),
    "locrian #2": (0, 2, 3, 5, 6, 8, 10), "whole-half diminished": (0, 2, 3, 5, 6, 8, 9, 11),
})
"""Scales as semitones above the root."""

# Candidate scales per chord family, most usual first.
_FAMILY_SCALES = {
    "major": ("ionian", "lydian", "whole tone", "lydian augmented"),
    "dominant": ("mixolydian", "lydian dominant", "whole tone", "mixolydian b13",
                 "half-whole diminished", "phrygian dominant", "altered"),
    "minor": ("dorian", "melodic minor", "aeolian", "phrygian", "harmonic minor"),
    "half-diminished": ("locrian", "locrian #2"),
    "diminished": ("whole-half diminished",),
    "sus": ("mixolydian", "mixolydian b13", "phrygian", "ionian"),
}


def chord_family(chord: Chord) -> str:
    """major, dominant, minor, half-diminished, diminished or sus, from the chord's intervals."""
    iv = {(pc - chord.root) % 12 for pc in chord.pcs}
    if 4 in iv:
        return "dominant" if 10 in iv else "major"
    if 3 in iv:
        if 6 in iv and 7 not in iv:
            return "half-diminished" if 10 in iv else "diminished"
        return "minor"
    return "sus"


def scale_name(chord: Chord) -> str:
    """The name of the chord's usual scale (see ``chord_scale``)."""
    return _scale_name(chord.root, chord.pcs)


@lru_cache(maxsize=4096)
def _scale_name(root: int, pcs: tuple[int, ...]) -> str:
    """First scale of the family that holds every chord tone, else the family's first."""
    chord = Chord("", root, pcs)
    iv = {(pc - root) % 12 for pc in pcs}
    names = _FAMILY_SCALES[chord_family(chord)]
    return next((n for n in names if iv <= set(SCALES[n])), names[0])


def chord_scale(chord: Chord) -> tuple[int, ...]:
    """Pitch classes of the chord's usual scale, root first, in scale order.

    Of each family's scales (``_FAMILY_SCALES``) the first that holds every chord tone wins:
    maj7/6 ionian, maj7#11 lydian, aug whole tone; 7/9/13/7sus mixolydian, 7#11 lydian
    dominant, 7#5 whole tone, 7b13 mixolydian b13, 7b9/7#9/13b9 half-whole diminished,
    7b9b13 phrygian dominant, 7alt/7#5#9 altered; m/m7/m6/m9 dorian, mMaj7 melodic minor,
    m7b9 phrygian; m7b5 locrian (m9b5 locrian #2); dim/dim7 whole-half diminished.
    """
    name = _scale_name(chord.root, chord.pcs)
    return tuple((chord.root + i) % 12 for i in SCALES[name])
