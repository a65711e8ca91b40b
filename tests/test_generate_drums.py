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


def test_drums_drop_snare_comping_under_a_busy_solo_and_fill_before_it_returns():
    import numpy as np

    from jazzgen.generate.band import make_band
    from jazzgen.generate.band_config import BandConfig
    from jazzgen.generate.drums import FILL, LOW_TOM, SNARE
    from jazzgen.generate.dynamics import BUSY, REST, fill_beats, listen
    from jazzgen.music.notes import Note, TimeSignature

    changes, end = build(TUNES["Bb blues"])
    # eighths through bars 0-1, 4-5 and 8-9, silence in between and after bar 10
    solo = tuple(Note(67, b * BAR + t, 12) for b in (0, 1, 4, 5, 8, 9) for t in range(0, BAR, 12))
    windows = listen(solo, [(b, BAR, BEAT) for b in range(0, end, BAR)])
    fills = fill_beats(windows)
    assert fills == {3 * BAR + 72, 7 * BAR + 72}  # the rest after bar 9 runs to the end
    fill_notes = {(t + slot * 8, key) for t in fills for slot, key, _ in FILL}
    snares = toms = 0
    for seed in range(8):
        def drums(heard, seed=seed):
            return make_band(changes, (TimeSignature(0),), end, BandConfig(),
                             np.random.default_rng(seed), solo=heard)[2].notes

        deaf, heard = drums(None), drums(solo)
        quiet = {n for n in deaf if n.pitch == SNARE and (
            any(w.state == BUSY and w.start <= n.start < w.end for w in windows)
            or any(t <= n.start < t + BEAT for t in fills))}
        added = set(heard) - set(deaf)
        # everything else the drummer plays is drawn exactly as without listening
        assert set(deaf) - set(heard) == quiet and len(heard) == len(deaf) - len(quiet) + 3 * 2
        assert {(n.start, n.pitch) for n in added} == fill_notes
        assert [n.velocity for n in sorted(added, key=lambda n: n.start)][:3] == [52, 62, 76]
        for n in added:  # fills only in rests
            w = next(w for w in windows if w.start <= n.start < w.end)
            assert w.state == REST and n.start >= w.last_beat
        snares += len(quiet)
        toms += sum(1 for n in heard if n.pitch == LOW_TOM)
    assert snares > 0 and toms == 2 * 8
