"""jazzgen.generate.band: the parts together, over gaps, meters and a count-in, seeded;
swinging at the tempo's ratio; listening to the solo."""

from __future__ import annotations

import numpy as np
import pytest
from builders import BAR, BEAT, FOUR_FOUR, TUNES, band, build

from jazzgen.errors import BandError
from jazzgen.generate.band import count_in_ticks, make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.dynamics import BUSY, REST, listen
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import Note, Part, TimeSignature


def test_gaps_silence_comping_and_bass_but_not_drums():
    dm7, g7, cmaj7 = (c for c, _, _ in TUNES["ii-V-I-vi"][:3])
    changes = (ChordChange(0, 96, dm7), ChordChange(192, 96, g7), ChordChange(336, 48, cmaj7))
    gaps = [(96, 192), (288, 336)]
    for seed in range(4):
        parts = band(changes, 384, seed)
        for name in ("Piano", "Bass"):
            notes = parts[name].notes
            for lo, hi in gaps:
                assert not [n for n in notes if n.start < hi and n.end > lo], (name, lo)
            for c in changes:
                assert any(c.start <= n.start < c.end for n in notes)
        ride = {n.start for n in parts["Drums"].notes if n.pitch == 51}
        assert set(range(0, 384, BEAT)) <= ride


def test_same_seed_same_band_and_seeds_differ():
    changes, end = build(TUNES["ii-V-I-vi"])
    assert band(changes, end, 7) == band(changes, end, 7)
    a, b = band(changes, end, 7), band(changes, end, 8)
    assert a["Piano"].notes != b["Piano"].notes
    assert a["Drums"].notes != b["Drums"].notes


def test_parts_switch_off_independently():
    changes, end = build(TUNES["ii-V-I-vi"])
    full = band(changes, end, 4)
    assert list(full) == ["Piano", "Bass", "Drums"]
    assert [(p.channel, p.program, p.is_drum) for p in full.values()] == [
        (1, 0, False),
        (2, 32, False),
        (9, 0, True),
    ]
    assert list(band(changes, end, 4, piano=False)) == ["Bass", "Drums"]
    assert list(band(changes, end, 4, bass=False)) == ["Piano", "Drums"]
    assert list(band(changes, end, 4, drums=False)) == ["Piano", "Bass"]
    assert band(changes, end, 4, piano=False, bass=False, drums=False) == {}
    # each instrument has its own random stream
    assert band(changes, end, 4, piano=False)["Bass"] == full["Bass"]
    assert band(changes, end, 4, bass=False)["Drums"] == full["Drums"]
    guitar = band(changes, end, 4, comp_program=26)
    assert "Guitar" in guitar and guitar["Guitar"].program == 26
    assert guitar["Guitar"].notes == full["Piano"].notes


def test_count_in_clicks_the_bar_before_the_shifted_changes():
    changes, end = build(TUNES["ii-V-I-vi"])
    shifted = tuple(ChordChange(c.start + BAR, c.duration, c.chord) for c in changes)
    assert count_in_ticks(FOUR_FOUR) == BAR
    parts = band(shifted, end + BAR, 2, count_in=True)
    first_bar = [n for n in parts["Drums"].notes if n.start < BAR]
    assert [n.start for n in first_bar] == [0, 24, 48, 72]
    assert all(n.pitch == 37 for n in first_bar)
    assert set(range(BAR, end + BAR, BEAT)) <= {
        n.start for n in parts["Drums"].notes if n.pitch == 51
    }
    assert min(n.start for n in parts["Bass"].notes) == BAR
    with pytest.raises(BandError, match="count-in"):
        band(changes, end, count_in=True)
    clicks_only = band(shifted, end + BAR, 2, count_in=True, drums=False)["Drums"]
    assert [n.start for n in clicks_only.notes] == [0, 24, 48, 72]


def test_three_four_time():
    changes = tuple(
        ChordChange(i * 72, 72, c) for i, (c, _, _) in enumerate(TUNES["ii-V-I-vi"])
    )
    parts = band(changes, 576, 3, sigs=(TimeSignature(0, 3, 4),))
    assert set(range(0, 576, BEAT)) <= {n.start for n in parts["Drums"].notes if n.pitch == 51}
    for c in changes:
        assert next(n for n in parts["Bass"].notes if n.start == c.start).pitch % 12 == c.chord.root


def test_bad_input_is_refused():
    dm7 = TUNES["ii-V-I-vi"][0][0]
    overlapping = (ChordChange(0, 96, dm7), ChordChange(48, 96, dm7))
    with pytest.raises(BandError, match="48"):
        make_band(overlapping, FOUR_FOUR, 192, BandConfig(), np.random.default_rng(0))
    with pytest.raises(BandError, match="time signature"):
        make_band((), (), 96, BandConfig(), np.random.default_rng(0))
    assert band((), 0) == {
        "Piano": Part("Piano", (), 0, 1),
        "Bass": Part("Bass", (), 32, 2),
        "Drums": Part("Drums", (), 0, 9, True),
    }


@pytest.mark.parametrize(("bpm", "off"), [(120, 18), (150, 18), (200, 16), (240, 14), (300, 12)])
def test_the_band_swings_at_the_tempos_ratio(bpm, off):
    changes, end = build(TUNES["Bb blues"])
    cfg = BandConfig(swing=None).at_tempo(bpm)
    parts = {p.name: p for p in make_band(changes, FOUR_FOUR, end, cfg, np.random.default_rng(1))}
    ride = {n.start % BEAT for n in parts["Drums"].notes if n.pitch == 51}
    comp = {n.start % BEAT for n in parts["Piano"].notes}
    assert ride == {0, off} and comp == {0, off}  # the off-beat eighths land at ``off``
    with pytest.raises(BandError, match="tempo"):
        make_band(changes, FOUR_FOUR, end, BandConfig(swing=None), np.random.default_rng(1))


def _calls_and_rests(bars: int) -> tuple[Note, ...]:
    """A solo that plays running eighths in even bars and rests through odd ones."""
    return tuple(Note(64 + i % 5, b * BAR + 12 * i, 12) for b in range(0, bars, 2)
                 for i in range(8))


def test_without_the_solo_the_band_plays_as_it_always_has():
    changes, end = build(TUNES["Bb blues"])
    plain = make_band(changes, FOUR_FOUR, end, BandConfig(), np.random.default_rng(5))
    assert make_band(changes, FOUR_FOUR, end, BandConfig(), np.random.default_rng(5),
                     solo=None) == plain
    heard = make_band(changes, FOUR_FOUR, end, BandConfig(), np.random.default_rng(5),
                      solo=_calls_and_rests(12))
    assert heard[1] == plain[1]  # the bass keeps the time, deaf to the solo
    assert heard[0] != plain[0] and heard[2] != plain[2]


def test_comping_leaves_space_under_a_busy_solo_and_fills_its_rests():
    changes, end = build(TUNES["Bb blues"])
    line = _calls_and_rests(12)
    windows = listen(line, [(b * BAR, BAR, BEAT) for b in range(12)])
    assert {w.state for w in windows} == {BUSY, REST}
    onsets = {BUSY: [], REST: []}
    velocity = {BUSY: [], REST: []}
    for seed in range(10):
        parts = make_band(changes, FOUR_FOUR, end, BandConfig(), np.random.default_rng(seed),
                          solo=line)
        comp = parts[0].notes
        for w in windows:
            hits = [n for n in comp if w.start <= n.start < w.end]
            onsets[w.state].append(len({n.start for n in hits}))
            velocity[w.state] += [n.velocity for n in hits]
    per_window = {k: float(np.mean(v)) for k, v in onsets.items()}
    mean_velocity = {k: float(np.mean(v)) for k, v in velocity.items()}
    assert per_window[BUSY] < per_window[REST]
    assert mean_velocity[BUSY] + 8 < mean_velocity[REST]
