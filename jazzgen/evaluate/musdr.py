"""MusDr metrics and jazzgen's own checks, as pure functions over ``Score``, so that
jazzgen's numbers can be set beside published ones.

- MusDr (Wu & Yang 2020, "The Jazz Transformer on the front line"; slSeanWU/MusDr):
  pitch-class entropy H1/H4, grooving similarity GS, chord progression irregularity CPI.
- jazzgen's own checks: chord-tone shares and verbatim copying of training lines.

MGEval's features and set comparison, and the classifier two-sample test, are in
``jazzgen.evaluate.mgeval``. Where MusDr code differs from its paper, the code is followed (the
published numbers come from it) and the comment says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzgen.errors import InvalidValueError, MetricError
from jazzgen.music.notes import TICKS_PER_BEAT, Score
from jazzgen.music.quotes import intervals, window_hashes
from jazzgen.music.scales import chord_scale

GROOVE_STEPS_PER_BEAT = 16
"""Onset grid of GS: the Jazz Transformer's REMI has 64 positions per 4/4 bar."""

GROOVE_POSITIONS = 64
"""Length Q of GS onset vectors whatever the meter; later onsets are clipped to the last
position, as the Jazz Transformer's encoder clips them."""


# ---------------------------------------------------------------- MusDr: H, GS, CPI


def _bar_index(score: Score) -> tuple[np.ndarray, np.ndarray]:
    """Bar start ticks, and the bar each note starts in."""
    if not score.notes:
        raise MetricError(f"score {score.title!r} has no notes")
    starts = np.asarray(score.bar_starts(), dtype=np.int64)
    onsets = np.array([n.start for n in score.notes], dtype=np.int64)
    return starts, np.searchsorted(starts, onsets, side="right") - 1


def pitch_class_entropy(score: Score, window_bars: int) -> float:
    """Mean pitch-class entropy (bits) over all ``window_bars``-bar windows (H1, H4).

    As MusDr: notes are counted once each (not weighted by duration) by the bar they start
    in; windows start at every bar (stride 1); windows without notes are skipped; a window
    longer than the piece falls back to the whole piece.
    """
    if window_bars < 1:
        raise InvalidValueError(f"window_bars must be >= 1, got {window_bars}")
    starts, bars = _bar_index(score)
    counts = np.zeros((len(starts), 12))
    np.add.at(counts, (bars, [n.pitch % 12 for n in score.notes]), 1)
    width = min(window_bars, len(starts))
    cum = np.vstack([np.zeros(12), np.cumsum(counts, axis=0)])
    windows = cum[width:] - cum[:-width]
    windows = windows[windows.sum(axis=1) > 0]
    p = windows / windows.sum(axis=1, keepdims=True)
    logs = np.log2(np.where(p > 0, p, 1.0))
    return float(np.mean(-(p * logs).sum(axis=1)))


def grooving_similarity(score: Score) -> float:
    """Mean over all bar pairs of 1 - XOR(onset vectors) / Q, on a 64-per-bar grid (GS).

    Onsets are rounded to 1/16 beat (64 positions in 4/4, as the Jazz Transformer's REMI;
    in a longer bar, onsets past position 63 are clipped to it). Empty bars count, as in
    MusDr. MusDr samples 1,000 random pairs; this is the exact mean over every pair, the
    expectation of that sample.
    """
    starts, bars = _bar_index(score)
    n = len(starts)
    if n < 2:
        raise MetricError(f"score {score.title!r} has {n} bar; GS needs at least 2")
    offsets = np.array([nt.start for nt in score.notes]) - starts[bars]
    # round(offset * 16 / 24) in integers; offset * 2/3 never ends in .5, so no ties.
    pos = np.minimum((offsets * 2 * GROOVE_STEPS_PER_BEAT + TICKS_PER_BEAT)
                     // (2 * TICKS_PER_BEAT), GROOVE_POSITIONS - 1)
    onsets = np.zeros((n, GROOVE_POSITIONS), dtype=bool)
    onsets[bars, pos] = True
    # Summed over pairs, XOR at one position is c * (n - c) with c bars having an onset.
    c = onsets.sum(axis=0).astype(np.float64)
    pairs = n * (n - 1) / 2
    return float(1.0 - np.sum(c * (n - c)) / (pairs * onsets.shape[1]))


def chord_sequence(score: Score, repeat_beats: int = 4) -> list[tuple]:
    """Chord events as the Jazz Transformer writes them: at each change of chord, and again
    on a downbeat once the same chord has lasted ``repeat_beats`` beats since its last event.
    """
    changes = sorted(score.changes, key=lambda c: c.start)
    if not changes:
        return []
    end = max(score.end, changes[-1].end)
    out: list[tuple] = []
    current: object = "start"
    last, i = 0, 0
    for beat, tick in enumerate(range(0, end, TICKS_PER_BEAT)):
        while i < len(changes) and changes[i].end <= tick:
            i += 1
        chord = changes[i].chord if i < len(changes) and changes[i].start <= tick else None
        label = None if chord is None else (chord.root, chord.quality, chord.pcs,
                                            chord.root if chord.bass is None else chord.bass)
        if label != current:
            out.append(label)
            current, last = label, beat
        elif beat >= last + repeat_beats and score.bar_position(tick) == 0:
            out.append(label)
            last = beat
    return [c for c in out if c is not None]


def chord_progression_irregularity(score: Score, n: int = 3) -> float | None:
    """Share of distinct chord n-grams (trigrams by default) in the piece (CPI); None
    without chords.

    As MusDr's code: ``len(seq) - n`` n-grams are counted (the last one is left out), and a
    piece with ``n`` chord events or fewer scores 1.0.
    """
    seq = chord_sequence(score)
    if not seq:
        return None
    if len(seq) <= n:
        return 1.0
    count = len(seq) - n
    return len({tuple(seq[i:i + n]) for i in range(count)}) / count


# ---------------------------------------------------------------- harmony, copying


def harmony_scores(score: Score) -> dict[str, float | int | None]:
    """Of the notes starting on a beat (tick % 24 == 0) under a chord: how many, and the
    shares that are chord tones and chord-or-chord-scale tones (None when there are none).
    """
    changes = sorted(score.changes, key=lambda c: c.start)
    scales: dict[int, set[int]] = {}
    n = tones = scale_tones = 0
    i = 0
    for note in score.notes:  # notes are sorted by start, so one sweep finds each chord
        while i < len(changes) and changes[i].end <= note.start:
            i += 1
        if note.start % TICKS_PER_BEAT or i == len(changes) or changes[i].start > note.start:
            continue
        chord = changes[i].chord
        pc = note.pitch % 12
        n += 1
        tones += pc in chord.pcs
        if i not in scales:
            scales[i] = set(chord.pcs) | set(chord_scale(chord))
        scale_tones += pc in scales[i]
    return {
        "on_beat_notes": n,
        "chord_tones": tones,
        "chord_or_scale_tones": scale_tones,
        "chord_tone_share": tones / n if n else None,
        "chord_or_scale_share": scale_tones / n if n else None,
    }


def copy_rate(generated: Sequence[Score], training: Sequence[Score], n: int = 8
              ) -> dict[str, float | int | None]:
    """How much of the generated melodies is copied verbatim from the training melodies.

    ``rate``: the share of generated windows of ``n`` consecutive pitch intervals
    (``n + 1`` notes, transposition-free) found anywhere in the training set (None when no
    generated melody has that many notes). ``longest_run_notes``: the most notes of a
    generated melody whose intervals appear together in one training melody (0 if none).
    Windows are compared through 64-bit hashes; a false match is a ~1e-6 chance.
    """
    if n < 1:
        raise InvalidValueError(f"n must be >= 1, got {n}")
    gen = [intervals([n.pitch for n in s.notes]) for s in generated]
    train = [intervals([n.pitch for n in s.notes]) for s in training]

    def hashes(seqs: list[np.ndarray], length: int) -> np.ndarray:
        parts = [window_hashes(x, length) for x in seqs]
        return np.concatenate(parts) if parts else np.zeros(0, np.uint64)

    windows = hashes(gen, n)
    hits = int(np.isin(windows, hashes(train, n)).sum())
    # Longest copy: copying L intervals implies copying L - 1, so binary search on L.
    lo, hi = 0, min(max((len(x) for x in gen), default=0), max((len(x) for x in train),
                                                                default=0))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if np.isin(hashes(gen, mid), hashes(train, mid)).any():
            lo = mid
        else:
            hi = mid - 1
    return {
        "windows": len(windows),
        "copied": hits,
        "rate": hits / len(windows) if len(windows) else None,
        "longest_run_notes": lo + 1 if lo else 0,
    }
