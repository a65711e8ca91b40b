"""jazzgen.music.swing: re-swinging a played line's off-beat eighths."""

from __future__ import annotations

import pytest

from jazzgen.music.notes import Note
from jazzgen.music.swing import swing_ticks


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
