"""Chords from sounding pitches: template matching, and changes inferred from the
accompaniment parts (piano, guitar, bass) of plain MIDI files."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from jazzgen.music.chords import Chord, ChordChange, parse_chord
from jazzgen.music.notes import TICKS_PER_BEAT, Part, Score, bar_meters
from jazzgen.music.spelling import root_name

MIN_SHARE = 0.25  # a pitch must sound this share of the window to count as a chord tone


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


def infer_changes(
    score: Score, parts: Sequence[Part], window: int = 2 * TICKS_PER_BEAT
) -> tuple[ChordChange, ...]:
    """Chords per ``window`` ticks (default half a 4/4 bar) from the parts' sounding pitches.

    Windows start at bar lines. Equal neighbouring chords are merged into one change;
    windows with too little harmony give no chord. Costs O(notes log notes) plus, per window,
    the pitches sounding in it: a note held for many bars is not walked window by window.
    """
    notes = sorted((n.start, n.end, n.pitch) for p in parts if not p.is_drum for n in p.notes)
    if not notes:
        return ()
    end = max(n[1] for n in notes)
    starts = []
    for bar, sig in bar_meters(score, end):
        starts.extend(range(bar, min(bar + sig.bar_ticks, end), window))
    weights = _window_weights(notes, sorted(set(starts)), window)
    changes: list[ChordChange] = []
    for ws in starts:
        weight = weights.get(ws)
        if not weight:
            continue
        span = window
        pitches = [p for p, w in weight.items() if w >= MIN_SHARE * span]
        lowest = min(weight)
        if lowest not in pitches:
            pitches.append(lowest)
        chord = chord_from_pitches(pitches)
        if chord is None:
            continue
        last = changes[-1] if changes else None
        if last is not None and last.end == ws and last.chord.pcs == chord.pcs \
                and last.chord.root == chord.root:
            changes[-1] = ChordChange(last.start, last.duration + span, last.chord)
        else:
            changes.append(ChordChange(ws, span, chord))
    return tuple(changes)


def _window_weights(notes: list[tuple[int, int, int]], starts: list[int], window: int
                    ) -> dict[int, dict[int, int]]:
    """Window start -> {pitch: the longest time one note of that pitch sounds in the window},
    for sorted (start, end, pitch) ``notes`` and sorted window ``starts``, in one sweep."""
    onsets = [n[0] for n in notes]
    reach: dict[int, int] = {}  # pitch -> latest end of its notes begun by the window's start
    taken = 0  # notes begun so far
    out: dict[int, dict[int, int]] = {}
    for ws in starts:
        we = ws + window
        while taken < len(notes) and notes[taken][0] <= ws:
            _, e, p = notes[taken]
            reach[p] = max(reach.get(p, e), e)
            taken += 1
        for p in [p for p, e in reach.items() if e <= ws]:
            del reach[p]  # ended before this window, so before every later one
        weight = {p: min(e, we) - ws for p, e in reach.items()}
        for s, e, p in notes[taken:bisect.bisect_left(onsets, we, taken)]:
            weight[p] = max(weight.get(p, 0), min(e, we) - s)
        if weight:
            out[ws] = weight
    return out
