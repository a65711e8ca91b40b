"""jazzgen.music.humanize: seeded timing and velocity variation, its sizes and its bounds."""

from __future__ import annotations

import numpy as np
import pytest
from builders import band_score, random_line

from jazzgen.errors import InvalidValueError
from jazzgen.music.humanize import (
    BASS_TIMING,
    DRUM_TIMING,
    SUBTICKS,
    TIMING_SD_MS,
    VELOCITY_SD,
    Nudge,
    Performance,
    humanize,
)
from jazzgen.music.notes import Note, Part, Score


def played(score: Score, amount: float, seed: int = 0) -> Performance | None:
    return humanize(score, amount, np.random.default_rng(seed))


def quarters(n: int = 2000, tempo: float = 120.0, velocity: int = 80) -> Score:
    """A long line of quarter notes: plenty of room for every shift."""
    return Score(tuple(Note(60 + i % 12, 24 * (i + 1), 24, velocity) for i in range(n)),
                 tempo=tempo)


def ms(subticks: np.ndarray, tempo: float) -> np.ndarray:
    """MIDI ticks of the written file (480 per beat) in milliseconds at ``tempo``."""
    return subticks * 60_000 / (tempo * 24 * SUBTICKS)


def test_the_same_seed_plays_the_same_and_amount_zero_plays_as_written():
    score = band_score(bars=4)
    assert played(score, 0.5, 3) == played(score, 0.5, 3)
    assert played(score, 0.5, 3) != played(score, 0.5, 4)
    assert played(score, 0.0) is None
    for bad in (-0.1, 1.5):
        with pytest.raises(InvalidValueError, match="humanize amount"):
            played(score, bad)


@pytest.mark.parametrize(("amount", "tempo"), [(1.0, 120.0), (0.5, 120.0), (1.0, 240.0)])
def test_timing_and_velocity_spread_as_stated(amount, tempo):
    perf = played(quarters(tempo=tempo), amount, 1)
    on = np.array([n.on for n in perf.lines[0]], dtype=float)
    vel = np.array([n.velocity for n in perf.lines[0]], dtype=float)
    # cut at 3 sd, rounded to whole MIDI ticks: within 10% of the stated sizes
    assert np.std(ms(on, tempo)) == pytest.approx(amount * TIMING_SD_MS, rel=0.1)
    assert abs(np.mean(ms(on, tempo))) < 1.0
    assert np.std(vel) == pytest.approx(amount * VELOCITY_SD, rel=0.1)
    assert abs(np.mean(vel) - 80) < 0.5
    assert (TIMING_SD_MS, VELOCITY_SD) == (12.0, 7.0)


def test_bass_and_drums_keep_tighter_time_than_solo_and_comping():
    line = quarters(1500).notes
    score = Score(line, tempo=120.0, parts=(
        Part("Piano", line, 0, 1), Part("Bass", line, 32, 2), Part("Drums", line, 0, 9, True)))
    perf = played(score, 1.0, 2)
    sd = [np.std(ms(np.array([n.on for n in notes], dtype=float), 120.0))
          for notes in perf.lines]
    assert sd[0] == pytest.approx(TIMING_SD_MS, rel=0.1)
    assert sd[1] == pytest.approx(TIMING_SD_MS, rel=0.1)
    assert sd[2] == pytest.approx(BASS_TIMING * TIMING_SD_MS, rel=0.1)
    assert sd[3] == pytest.approx(DRUM_TIMING * TIMING_SD_MS, rel=0.1)
    # each line has its own stream: the solo is played the same with or without a band
    assert played(Score(line, tempo=120.0), 1.0, 2).lines[0] == perf.lines[0]


def test_nothing_moves_before_zero_out_of_order_or_over_the_next_note():
    for seed in range(5):
        score = band_score(bars=4, tempo=90.0)  # slow: shifts of many MIDI ticks
        line = random_line(seed, bars=4)
        score = Score(line.notes, line.changes, tempo=60.0, parts=score.parts)
        perf = played(score, 1.0, seed)
        perf.check(score)
        for notes, nudges in zip((score.notes, *(p.notes for p in score.parts)), perf.lines,
                                 strict=True):
            starts = {}
            for n, d in zip(notes, nudges, strict=True):
                assert n.start * SUBTICKS + d.on >= 0
                assert 1 <= d.velocity <= 127
                assert starts.setdefault(n.start, d.on) == d.on  # a chord moves as one
                assert n.end * SUBTICKS + d.off > n.start * SUBTICKS + d.on
            order = sorted(starts)
            moved = [t * SUBTICKS + starts[t] for t in order]
            assert moved == sorted(set(moved))  # onsets keep their order
            for n, d in zip(notes, nudges, strict=True):
                later = [t for t in order if t > n.start]
                if later and n.end <= later[0]:  # ended by the next onset: it still does
                    assert n.end * SUBTICKS + d.off <= later[0] * SUBTICKS + starts[later[0]]


def test_the_solo_line_stays_monophonic_when_legato():
    # notes of 2 ticks at 300 BPM (17 ms): the timing sd (29 MIDI ticks) is cut to half a gap
    legato = Score(tuple(Note(60 + i % 7, 2 * i, 2) for i in range(600)), tempo=300.0)
    perf = played(legato, 1.0, 7)
    spans = [(n.start * SUBTICKS + d.on, n.end * SUBTICKS + d.off)
             for n, d in zip(legato.notes, perf.lines[0], strict=True)]
    assert spans[0][0] >= 0
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert max(abs(d.on) for d in perf.lines[0]) == (2 * SUBTICKS - 1) // 2
    assert len({d.on for d in perf.lines[0]}) > 20


def test_velocities_stay_in_midi_range():
    loud = quarters(500, velocity=127)
    soft = quarters(500, velocity=1)
    assert max(d.velocity for d in played(loud, 1.0).lines[0]) == 127
    assert min(d.velocity for d in played(soft, 1.0).lines[0]) == 1


def test_a_performance_must_fit_its_score():
    score = band_score(bars=2)
    with pytest.raises(InvalidValueError, match="does not fit"):
        Performance(((Nudge(0, 0, 80),),)).check(score)
