"""jazzgen.generate.bass: the walking bass, root (or slash bass) on each chord, steps and
approach notes between."""

from __future__ import annotations

import numpy as np
import pytest
from builders import BEAT, CASES, TUNES, band, build


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bass_plays_the_root_or_slash_bass_on_each_chord(name, seed):
    changes, end = build(TUNES[name])
    bass = band(changes, end, seed)["Bass"]
    for c in changes:
        first = [n for n in bass.notes if n.start == c.start]
        want = c.chord.root if c.chord.bass is None else c.chord.bass
        assert len(first) == 1 and first[0].pitch % 12 == want, (c.chord.symbol, first)


def test_slash_bass_is_not_the_root():
    changes, end = build(TUNES["slash"])
    bass = band(changes, end)["Bass"]
    assert next(n for n in bass.notes if n.start == 0).pitch % 12 == 4  # C7/E -> E


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bass_walks_smoothly_in_range(name, seed):
    changes, end = build(TUNES[name])
    notes = band(changes, end, seed)["Bass"].notes
    assert all(28 <= n.pitch <= 55 for n in notes)
    assert all(n.end <= end for n in notes)
    steps = [abs(b.pitch - a.pitch) for a, b in zip(notes, notes[1:], strict=False)]
    assert max(steps) <= 7
    assert np.mean([s <= 5 for s in steps]) >= 0.7
    for a, b in zip(notes, notes[1:], strict=False):
        assert a.end <= b.start  # one line, no overlaps
    # quarter notes on the beat, plus an occasional swung eighth skip
    assert all(n.start % BEAT in (0, 16) for n in notes)
    assert np.mean([n.start % BEAT == 0 for n in notes]) >= 0.85


def test_bass_moves_mostly_by_step():
    steps = []
    for name in TUNES:
        changes, end = build(TUNES[name])
        for seed in range(10):
            notes = band(changes, end, seed)["Bass"].notes
            steps += [abs(b.pitch - a.pitch) for a, b in zip(notes, notes[1:], strict=False)]
    assert np.mean([s <= 2 for s in steps]) >= 0.5  # whole and half steps
    assert np.mean([s <= 5 for s in steps]) >= 0.85
    assert np.mean([s == 0 for s in steps]) <= 0.05  # few repeated notes


def test_bass_does_not_drift_out_of_its_register():
    tune = TUNES["ii-V-I-vi"] * 4 + TUNES["Bb blues"] * 2 + TUNES["minor"] * 2
    changes, end = build(tune)  # 70 bars
    for seed in range(3):
        pitches = [n.pitch for n in band(changes, end, seed)["Bass"].notes]
        assert 36 <= np.median(pitches) <= 46
        assert np.mean([p <= 48 for p in pitches]) >= 0.8


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bass_approaches_each_chord_by_half_step_or_fifth(name, seed):
    changes, end = build(TUNES[name])
    notes = band(changes, end, seed)["Bass"].notes
    checked = 0
    for prev, c in zip(changes, changes[1:], strict=False):
        if prev.duration < 2 * BEAT:
            continue  # a one-beat chord has room only for its root
        before = [n for n in notes if n.start < c.start][-1]
        target = next(n for n in notes if n.start == c.start)
        assert before.pitch - target.pitch in (-1, 1, 7), (c.chord.symbol, before, target)
        checked += 1
    assert checked >= 3
