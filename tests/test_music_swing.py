"""jazzgen.music.swing: re-swinging a played line's off-beat eighths; the band's swing by tempo."""

from __future__ import annotations

import pytest

from jazzgen.music.notes import Note
from jazzgen.music.swing import TEMPO_SWING_RANGE, swing_ticks, tempo_swing


def line(*spec: tuple[int, int, int]) -> tuple[Note, ...]:
    """Notes from (pitch, start, duration)."""
    return tuple(Note(p, s, d, 80) for p, s, d in spec)


STRAIGHT = line((60, 0, 12), (62, 12, 12), (64, 24, 12), (65, 36, 12))
TRIPLET_SWING = line((60, 0, 16), (62, 16, 8), (64, 24, 16), (65, 40, 8))


@pytest.mark.parametrize(("ratio", "off"), [(0.5, 12), (2 / 3, 16), (0.75, 18), (0.6, 14)])
def test_swing_ticks_moves_off_beats(ratio, off):
    for src in (STRAIGHT, TRIPLET_SWING):
        out = swing_ticks(src, ratio)
        assert [n.start for n in out] == [0, off, 24, 24 + off]
        assert [n.duration for n in out] == [off, 24 - off, off, 24 - off]  # legato kept
        assert [(n.pitch, n.velocity) for n in out] == [(n.pitch, n.velocity) for n in src]


def test_swing_ticks_never_creates_overlaps():
    src = line((60, 0, 15), (62, 16, 4), (64, 24, 30))
    out = swing_ticks(src, 0.5)
    assert [(n.start, n.end) for n in out] == [(0, 12), (12, 20), (24, 54)]
    assert swing_ticks(out, 0.75)[0].end <= 18


def test_swing_ticks_leaves_triplets_sixteenths_and_downbeats():
    triplets = line((60, 0, 8), (62, 8, 8), (64, 16, 8))
    sixteenths = line((60, 0, 6), (62, 6, 6), (64, 12, 6), (65, 18, 6))
    quarters = line((60, 0, 24), (62, 24, 24))
    eighth_two_sixteenths = line((60, 0, 12), (62, 12, 6), (64, 18, 6))
    for src in (triplets, sixteenths, quarters, eighth_two_sixteenths):
        for ratio in (0.5, 2 / 3, 0.75):
            assert swing_ticks(src, ratio) == src
    lone = line((60, 12, 12))  # a lone off-beat (after a rest) is still an eighth
    assert swing_ticks(lone, 0.75) == line((60, 18, 6))
    with pytest.raises(ValueError, match="1.2"):
        swing_ticks(STRAIGHT, 1.2)


@pytest.mark.parametrize(("bpm", "share"), [
    (60, 0.75), (150, 0.75), (160, 1 - 0.1 * 160 / 60), (200, 2 / 3), (240, 0.6), (270, 0.55),
    (300, 0.5), (400, 0.5),
])
def test_tempo_swing_keeps_the_short_eighth_near_100_ms(bpm, share):
    assert tempo_swing(bpm) == pytest.approx(share)
    beat_s = 60 / bpm
    if 0.5 < share < 0.75:  # unclipped: the short eighth lasts 100 ms exactly
        assert (1 - tempo_swing(bpm)) * beat_s == pytest.approx(0.100)


def test_tempo_swing_falls_with_tempo_and_stays_in_range():
    values = [tempo_swing(bpm) for bpm in range(20, 401, 5)]
    assert values == sorted(values, reverse=True)
    assert min(values) == 0.5 and max(values) == 0.75  # 1:1 to 3:1
    assert TEMPO_SWING_RANGE == (0.5, 0.75)
    with pytest.raises(ValueError, match="tempo"):
        tempo_swing(0)
