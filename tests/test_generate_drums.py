"""jazzgen.generate.drums: swing ride, hi-hat on 2 and 4, sparse snare and kick."""

from __future__ import annotations

from builders import BAR, BEAT, TUNES, band, build


def test_drums_keep_swing_time():
    changes, end = build(TUNES["Bb blues"])
    for swing in (0.5, 2 / 3, 0.75):
        drums = band(changes, end, 1, swing=swing)["Drums"]
        assert drums.channel == 9 and drums.is_drum
        off = round(swing * BEAT)
        ride = [n for n in drums.notes if n.pitch == 51]
        assert set(range(0, end, BEAT)) <= {n.start for n in ride}
        assert {n.start % BEAT for n in ride} <= {0, off}
        skips = [n.start for n in ride if n.start % BEAT == off]
        assert sum(1 for t in skips if t % BAR in (24 + off, 72 + off)) >= 0.8 * 2 * end / BAR
        hats = {n.start for n in drums.notes if n.pitch == 44}
        assert hats == {b + d for b in range(0, end, BAR) for d in (24, 72)}
        assert {n.pitch for n in drums.notes} <= {51, 44, 38, 36}
        assert len({n.velocity for n in ride}) > 3
        assert all(n.end <= end for n in drums.notes)


def test_kick_feathers_only_when_asked():
    changes, end = build(TUNES["Bb blues"])
    plain = [n for n in band(changes, end, 6)["Drums"].notes if n.pitch == 36]
    assert all(n.start % BAR == 72 + 16 for n in plain)  # only the odd "bomb" on and-of-4
    kicks = [n for n in band(changes, end, 6, feather_kick=True)["Drums"].notes if n.pitch == 36]
    feathered = {n.start for n in kicks if n.velocity <= 40}
    assert feathered == set(range(0, end, BEAT))
