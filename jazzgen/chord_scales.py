"""Chord scales (the usual scale over a chord) and chord inference from sounding pitches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import MappingProxyType

from jazzgen.chords import parse_chord, root_name
from jazzgen.notes import Chord

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


# ---------------------------------------------------------------- chords from pitches

# Inference templates: (quality, {interval: role}, tensions). Roles: R root, T third (or the
# 4th of a sus chord), F plain fifth, X altered fifth that defines the chord, S 7th or 6th.
# Tensions are extra notes the chord takes without becoming another chord.
_TEMPLATES = (
    ("7", {0: "R", 4: "T", 7: "F", 10: "S"}, {1, 2, 3, 6, 8, 9}),
    ("m7", {0: "R", 3: "T", 7: "F", 10: "S"}, {2, 5, 9}),
    ("maj7", {0: "R", 4: "T", 7: "F", 11: "S"}, {2, 6, 9}),
    ("m7b5", {0: "R", 3: "T", 6: "X", 10: "S"}, {2, 5, 8}),
    ("dim7", {0: "R", 3: "T", 6: "X", 9: "S"}, {2, 5, 8, 11}),
    ("6", {0: "R", 4: "T", 7: "F", 9: "S"}, {2, 6}),
    ("m6", {0: "R", 3: "T", 7: "F", 9: "S"}, {2, 5, 11}),
    ("mmaj7", {0: "R", 3: "T", 7: "F", 11: "S"}, {2, 5, 9}),
    ("7sus4", {0: "R", 5: "T", 7: "F", 10: "S"}, {1, 2, 8, 9}),
    ("maj", {0: "R", 4: "T", 7: "F"}, {2, 6}),
    ("m", {0: "R", 3: "T", 7: "F"}, {2, 5}),
    ("sus4", {0: "R", 5: "T", 7: "F"}, {2}),
    ("dim", {0: "R", 3: "T", 6: "X"}, {2, 5, 8}),
    ("aug", {0: "R", 4: "T", 8: "X"}, {2, 6}),
)
_SUFFIX = {"maj": "", "mmaj7": "mMaj7"}
_PRESENT = {"R": 2.0, "T": 2.0, "F": 0.5, "X": 1.5, "S": 1.5}
_MISSING = {"R": -1.0, "T": -2.5, "F": -0.2, "X": -1.5, "S": -1.5}
_TENSION, _FOREIGN = -0.4, -1.5  # an extra note that is a tension / that is not
_BASS_ROOT, _BASS_OTHER = 2.0, -0.5  # the lowest note is the root / is not a chord tone


@lru_cache(maxsize=1)
def _template_tables() -> tuple:
    """Score tables over 12 roots x templates: constant, per-pitch-class and per-bass terms."""
    import numpy as np

    n = 12 * len(_TEMPLATES)
    const, weight, bass = np.zeros(n), np.zeros((n, 12)), np.zeros((n, 12))
    names = []
    for t, (quality, roles, tensions) in enumerate(_TEMPLATES):
        for root in range(12):
            row = t * 12 + root
            names.append((root, quality))
            for iv in range(12):
                pc = (root + iv) % 12
                if iv in roles:
                    const[row] += _MISSING[roles[iv]]
                    weight[row, pc] = _PRESENT[roles[iv]] - _MISSING[roles[iv]]
                else:
                    weight[row, pc] = _TENSION if iv in tensions else _FOREIGN
                bass[row, pc] = _BASS_ROOT if iv == 0 else 0.0 if iv in roles else _BASS_OTHER
            const[row] -= 0.001 * t  # ties go to the template listed first
    for a in (const, weight, bass):
        a.flags.writeable = False
    return tuple(names), const, weight, bass


@lru_cache(maxsize=65536)
def _infer(mask: int, bass: int) -> Chord:
    """The best template chord for a 12-bit pitch-class mask and a bass pitch class."""
    import numpy as np

    names, const, weight, bass_table = _template_tables()
    present = np.array([(mask >> pc) & 1 for pc in range(12)], dtype=float)
    root, quality = names[int(np.argmax(const + weight @ present + bass_table[:, bass]))]
    return parse_chord(root_name(root, quality) + _SUFFIX.get(quality, quality))


def chord_from_pitches(pitches: Iterable[int]) -> Chord | None:
    """The chord that sounding MIDI ``pitches`` most likely spell, or None (< 2 pitch classes).

    Template matching over 12 roots x 14 qualities (triads, sixths, sevenths, sus, dim, aug):
    the 3rd and 7th count most, a missing 5th or root little, extra tensions (9, 11, 13,
    altered notes on a dominant) little, and the lowest note is favoured as the root. The
    answer is a plain template chord: no slash bass (a lowest note is often a passing bass
    note), extensions tolerated but not named.
    """
    ps = list(pitches)
    mask = 0
    for p in ps:
        mask |= 1 << (p % 12)
    if mask.bit_count() < 2:
        return None
    return _infer(mask, min(ps) % 12)
