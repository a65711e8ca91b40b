"""Chords from sounding pitches: template matching, and changes inferred from the
accompaniment parts (piano, guitar, bass) of plain MIDI files.

``infer_changes`` reads a piece window by window (half a 4/4 bar by default): each window's
pitch classes are weighed by how long they sound and whether they sound on its first beat,
the bass line's note on that beat is taken for the root, and a dynamic programme (Viterbi) over
the windows picks the likeliest chart: one chord per bar unless the evidence clearly shows
two, moves jazz makes (ii-V, V-I, passing diminished chords) preferred, and only the plain
qualities of :data:`INFERRED_QUALITIES`. Its work grows linearly with the piece's length.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from jazzgen.music.chords import Chord, ChordChange, parse_chord
from jazzgen.music.notes import TICKS_PER_BEAT, Part, Score, bar_meters
from jazzgen.music.scales import chord_family
from jazzgen.music.spelling import root_name

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


@lru_cache(maxsize=2)
def _template_tables(count: int = len(_TEMPLATES)) -> tuple:
    """Score tables over 12 roots x the first ``count`` templates: constant, per-pitch-class
    and per-bass terms; row ``t * 12 + root``."""
    n = 12 * count
    const, weight, bass = np.zeros(n), np.zeros((n, 12)), np.zeros((n, 12))
    names = []
    for t, (quality, roles, tensions) in enumerate(_TEMPLATES[:count]):
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
    return _chord(root, quality)


def _chord(root: int, quality: str) -> Chord:
    """The template chord on ``root``, spelt as a chart writes it."""
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


# ---------------------------------------------------------------- the changes of a piece

FAMILIES = ("major", "minor", "dominant", "half-diminished", "diminished")
"""The chord families inferred changes are judged by (see :func:`family`)."""
INFERRED_QUALITIES = ("7", "m7", "maj7", "m7b5", "dim7", "6", "m6")
"""The qualities :func:`infer_changes` writes (the first templates): what a chart says."""
GRACE = TICKS_PER_BEAT // 4
"""A note starting this few ticks after a window's start still sounds on its first beat."""
PUSH = TICKS_PER_BEAT // 2
"""A note starting this few ticks before a window's end and held longer into the next window
is an anticipation (a chord pushed an eighth early): it counts for the next window only."""
_DOWNBEAT = 0.5  # presence a pitch class gains for sounding on the window's first beat
_MIN_ATTACK = 0.4  # a short stab counts as sounding this share of its window at least
_BASS_WEIGHT = (1.0, 2.0)  # weight of the lowest note's term mid-bar / on a bar line
_BASS_TERMS = (3.0, 0.0, -1.0)  # the lowest note is the root / another chord tone / neither
_CHANGE = (3.5, 1.0, 7.0)  # a new chord's cost mid-bar / on a bar line / under held notes
_PRIOR = (0.0, 0.0, 0.0, -1.2, -1.0, -0.5, -0.5)  # per quality, INFERRED_QUALITIES order
_CLEAR = 20.0  # the best chord's score in a window that shows its chord clearly
_RESOLVE, _TWO_FIVE, _CYCLE, _PASSING = 1.0, 1.0, 0.3, 0.4  # jazz moves (see _moves)


def family(chord: Chord) -> str:
    """The chord's family, one of :data:`FAMILIES`: ``chord_family``'s, a sus chord counted
    as dominant (a 7sus4 resolves as the V it stands for). The one mapping from qualities to
    families that inference is measured by."""
    name = chord_family(chord)
    return "dominant" if name == "sus" else name


def agreement(expected: Sequence[ChordChange], found: Sequence[ChordChange],
              ticks: Iterable[int]) -> tuple[int, int]:
    """(right, counted): of the ``ticks`` where ``expected`` has a chord, how many find one in
    ``found`` with the same root and :func:`family`. Both changes sorted, as a Score holds
    them."""
    def at(changes: Sequence[ChordChange], starts: list[int], tick: int) -> Chord | None:
        k = bisect.bisect_right(starts, tick) - 1
        return changes[k].chord if k >= 0 and tick < changes[k].end else None

    want_starts, got_starts = [c.start for c in expected], [c.start for c in found]
    right = counted = 0
    for tick in ticks:
        want, got = at(expected, want_starts, tick), at(found, got_starts, tick)
        if want is not None:
            counted += 1
            right += got is not None and got.root == want.root and family(got) == family(want)
    return right, counted


def accompaniment(parts: Sequence[Part]) -> tuple[Part, ...]:
    """The parts that carry the harmony: pitched parts that play chords (1.25 notes or more
    per onset) or a bass line (median pitch below G3), so a second horn doubling the melody
    is left out; every pitched part when none of them qualifies."""
    pitched = tuple(p for p in parts if not p.is_drum and p.notes)

    def harmonic(part: Part) -> bool:
        pitches = sorted(n.pitch for n in part.notes)
        return len(part.notes) >= 1.25 * len({n.start for n in part.notes}) \
            or pitches[len(pitches) // 2] < 55

    return tuple(p for p in pitched if harmonic(p)) or pitched


def infer_changes(
    score: Score, parts: Sequence[Part], window: int = 2 * TICKS_PER_BEAT
) -> tuple[ChordChange, ...]:
    """The changes the ``parts`` play, a chord per ``window`` ticks at most (default half a
    4/4 bar), windows starting at bar lines.

    Windows where nothing sounds give no chord and split the piece; each stretch between is
    read by a Viterbi pass over (root, quality) states, so a change costs more mid-bar than
    on a bar line and ii-V, V-I and passing diminished moves cost less. Equal neighbouring
    windows make one change. Costs O(notes log notes) plus, per window, its notes and the
    pitches held into it: a note held for many bars is not walked window by window.
    """
    pitched = [p for p in parts if not p.is_drum and p.notes]
    notes = sorted((n.start, n.end, n.pitch) for p in pitched for n in p.notes)
    if not notes:
        return ()
    end = max(n[1] for n in notes)
    bars = [t for t, _ in bar_meters(score, end)] + [end]  # a meter change may cut a bar short
    starts = [(t, t == bar) for bar, stop in zip(bars, bars[1:], strict=False)
              for t in range(bar, stop, window)]
    bounds = [t for t, _ in starts] + [max(end, starts[-1][0] + window)]
    windows = [(t, min(window, bounds[i + 1] - t), line) for i, (t, line) in enumerate(starts)]
    presence, lowest, heard, struck = _evidence(notes, windows)
    line = _bass_line(pitched)
    if line is not None:  # the bass player's note, not a low piano note, names the root
        _, below, _, walked = _evidence(sorted((n.start, n.end, n.pitch) for n in line.notes),
                                        windows)
        lowest = np.where(below >= 0, below, lowest)
        struck = struck - walked
    # 1: a bar line; 0: mid-bar; 2: mid-bar, only the bass moving (the chord holds on)
    marks = np.where([w[2] for w in windows], 1, np.where(struck > 0, 0, 2))
    emit = _emissions(presence, lowest, marks)
    names = _inference_tables()[0]
    changes: list[ChordChange] = []
    i = 0
    while i < len(windows):
        j = i
        while j < len(windows) and heard[j]:
            j += 1
        path = _viterbi(emit[i:j], marks[i:j]) if j > i else []
        for k, state in zip(range(i, j), path, strict=True):
            ws, span, _ = windows[k]
            last = changes[-1] if changes else None
            chord = _chord(*names[state])
            if last is not None and last.end == ws and last.chord == chord:
                changes[-1] = ChordChange(last.start, last.duration + span, chord)
            else:
                changes.append(ChordChange(ws, span, chord))
        i = j + 1
    return tuple(changes)


def _bass_line(parts: Sequence[Part]) -> Part | None:
    """The part a bass player plays: the lowest (by median pitch) of the single-line parts
    whose median lies below G3, or None."""
    lines = []
    for part in parts:
        pitches = sorted(n.pitch for n in part.notes)
        median = pitches[len(pitches) // 2]
        if median < 55 and len(part.notes) < 1.25 * len({n.start for n in part.notes}):
            lines.append((median, part.name, part))
    return min(lines, key=lambda m: m[:2])[2] if lines else None


@lru_cache(maxsize=1)
def _inference_tables() -> tuple:
    """States of the dynamic programme, (root, quality) by row, and their score tables:
    constant (the quality's prior included), per pitch class, per lowest note."""
    names, const, weight, _ = _template_tables(len(INFERRED_QUALITIES))
    bass = np.zeros((len(names), 12))
    for row, (root, quality) in enumerate(names):
        roles = next(t[1] for t in _TEMPLATES if t[0] == quality)
        for iv in range(12):
            bass[row, (root + iv) % 12] = _BASS_TERMS[0 if iv == 0 else 1 if iv in roles else 2]
    const = const + np.repeat(_PRIOR, 12)
    for a in (const, bass):
        a.flags.writeable = False
    return names, const, weight, bass


def _emissions(presence: np.ndarray, lowest: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """(windows, states) scores from each window's pitch-class presence and lowest note."""
    names, const, weight, bass = _inference_tables()
    emit = presence @ weight.T + const
    emit += np.where(lowest[:, None] >= 0, bass[:, np.maximum(lowest, 0)].T, 0.0) \
        * np.take(_BASS_WEIGHT, marks == 1)[:, None]
    # A window no chord fits well (a walking bass alone, a stray stab) says little: its
    # scores shrink toward each other, so the chords around it decide.
    return emit * np.clip(emit.max(axis=1, keepdims=True) / _CLEAR, 0.1, 1.0)


def _viterbi(emit: np.ndarray, marks: np.ndarray) -> list[int]:
    """The best state per window for (windows, states) scores ``emit``; ``marks[t]`` picks
    the cost of a change into window ``t`` (an index into ``_CHANGE``)."""
    moves = _moves()
    back = np.zeros(emit.shape, dtype=np.int32)
    best = emit[0].copy()
    for t in range(1, len(emit)):
        total = best[:, None] + moves[marks[t]]  # (from, to)
        back[t] = np.argmax(total, axis=0)
        best = total[back[t], np.arange(emit.shape[1])] + emit[t]
    path = [int(np.argmax(best))]
    for t in range(len(emit) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


@lru_cache(maxsize=1)
def _moves() -> np.ndarray:
    """Chord-to-chord scores, (3, from, to), one layer per cost of ``_CHANGE``. Staying costs
    nothing; a change costs ``_CHANGE``, less for the moves jazz makes: a dominant resolving
    down a fifth (V-I, and secondary dominants in a cycle), a minor or half-diminished chord
    to the dominant a fourth up (ii-V), other moves down a fifth, a dominant down a half step
    (tritone substitutes), and a diminished seventh passing a half step up to its neighbour."""
    names = _inference_tables()[0]
    n = len(names)
    bonus = np.zeros((n, n))
    for a, (ra, qa) in enumerate(names):
        for b, (rb, qb) in enumerate(names):
            step = (rb - ra) % 12
            if step == 5:
                bonus[a, b] = _RESOLVE if qa == "7" else \
                    _TWO_FIVE if qa in ("m7", "m7b5") and qb == "7" else _CYCLE
            elif step == 11 and qa == "7":
                bonus[a, b] = _CYCLE
            elif (qb == "dim7" and step == 1) or (qa == "dim7" and step in (1, 6)):
                bonus[a, b] = _PASSING
            elif step == 9 and qa in ("maj7", "6"):
                bonus[a, b] = _CYCLE  # I-vi, I-VI7
    out = np.stack([bonus - cost for cost in _CHANGE])
    out[:, np.arange(n), np.arange(n)] = 0.0
    out.flags.writeable = False
    return out


def _evidence(notes: list[tuple[int, int, int]], windows: list[tuple[int, int, bool]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per window: the presence of each pitch class, (windows, 12); the lowest pitch class
    sounding on its first beat (-1: none); whether anything sounds in it; how many notes are
    struck in it. One sweep over sorted (start, end, pitch) ``notes`` and sorted, contiguous
    (start, length, bar line) ``windows``.

    A pitch class's presence is the share of the window its notes sound (each onset counting
    ``_MIN_ATTACK`` at least, capped at 1), plus ``_DOWNBEAT`` if it sounds at the start.
    """
    onsets = [n[0] for n in notes]
    presence = np.zeros((len(windows), 12))
    bass = np.full(len(windows), -1)
    heard = np.zeros(len(windows), dtype=bool)
    struck = np.zeros(len(windows) + 1, dtype=int)
    reach: dict[int, int] = {}  # pitch -> latest end of its notes begun by the window's start
    taken = 0  # notes begun so far
    for i, (ws, length, _) in enumerate(windows):
        we = ws + length
        while taken < len(notes) and notes[taken][0] <= ws:
            s, e, p = notes[taken]
            reach[p] = max(reach.get(p, e), e)
            struck[i] += s == ws  # begun earlier: struck in the window before, or pushed
            taken += 1
        for p in [p for p, e in reach.items() if e <= ws]:
            del reach[p]  # ended before this window, so before every later one
        sounding = {p: min(e, we) - ws for p, e in reach.items()}
        first = set(sounding)
        for s, e, p in notes[taken:bisect.bisect_left(onsets, we, taken)]:
            if we - s <= min(PUSH, e - we):
                struck[i + 1] += 1  # pushed ahead of the next window: it belongs there
                continue
            struck[i] += 1
            sounding[p] = sounding.get(p, 0) + max(min(e, we) - s, _MIN_ATTACK * length)
            if s < ws + GRACE:
                first.add(p)
        if not sounding:
            continue
        heard[i] = True
        row = presence[i]
        for p, ticks in sounding.items():
            row[p % 12] += ticks / length
        np.minimum(row, 1.0, out=row)
        row[[p % 12 for p in first]] += _DOWNBEAT  # each pitch class once
        if first:
            bass[i] = min(first) % 12
    return presence, bass, heard, struck[:-1]
