"""Tests for the backing band: comping voicings, walking bass, drums and re-swinging."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from jazzgen.errors import BandError
from jazzgen.generate.band import count_in_ticks, make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.music.chords import Chord, ChordChange
from jazzgen.music.notes import Note, Part, TimeSignature
from jazzgen.music.swing import swing_ticks

BAR = 96
BEAT = 24
FOUR_FOUR = (TimeSignature(0),)


def ch(symbol: str, root: int, rel: tuple[int, ...], quality: str, bass: int | None = None):
    """A Chord built from intervals above the root."""
    return Chord(symbol, root, tuple(sorted({(root + i) % 12 for i in rel})), quality, bass)


M7, DOM7, MAJ7 = (0, 3, 7, 10), (0, 4, 7, 10), (0, 4, 7, 11)

# Each entry: (chord, length in beats, guide tones that every voicing of it must hold),
# the guide tones worked out by hand: third (4th for sus) and seventh (sixth for 6/m6,
# bb7 for dim7, the fifth for triads, which have no seventh).
PROGRESSIONS = {
    "ii-V-I-vi": [
        (ch("Dm7", 2, M7, "m7"), 4, {5, 0}),
        (ch("G7", 7, DOM7, "7"), 4, {11, 5}),
        (ch("Cmaj7", 0, MAJ7, "maj7"), 4, {4, 11}),
        (ch("Am7", 9, M7, "m7"), 4, {0, 7}),
    ]
    * 2,
    "Bb blues": [
        (ch("Bb7", 10, DOM7, "7"), 4, {2, 8}),
        (ch("Eb7", 3, DOM7, "7"), 4, {7, 1}),
        (ch("Bb7", 10, DOM7, "7"), 8, {2, 8}),
        (ch("Eb7", 3, DOM7, "7"), 8, {7, 1}),
        (ch("Bb7", 10, DOM7, "7"), 4, {2, 8}),
        (ch("G7", 7, DOM7, "7"), 4, {11, 5}),
        (ch("Cm7", 0, M7, "m7"), 4, {3, 10}),
        (ch("F7", 5, DOM7, "7"), 4, {9, 3}),
        (ch("Bb7", 10, DOM7, "7"), 2, {2, 8}),
        (ch("G7", 7, DOM7, "7"), 2, {11, 5}),
        (ch("Cm7", 0, M7, "m7"), 2, {3, 10}),
        (ch("F7", 5, DOM7, "7"), 2, {9, 3}),
    ],
    "minor": [
        (ch("F#m7b5", 6, (0, 3, 6, 10), "m7b5"), 4, {9, 4}),
        (ch("B7b9", 11, (0, 1, 4, 7, 10), "7b9"), 4, {3, 9}),
        (ch("Em6", 4, (0, 3, 7, 9), "m6"), 8, {7, 1}),
        (ch("E7#9", 4, (0, 3, 4, 7, 10), "7#9"), 4, {8, 2}),
        (ch("A7alt", 9, (0, 1, 3, 4, 6, 8, 10), "7alt"), 4, {1, 7}),
        (ch("Cmmaj7", 0, (0, 3, 7, 11), "mmaj7"), 4, {3, 11}),
    ],
    "colours": [
        (ch("C6", 0, (0, 4, 7, 9), "6"), 2, {4, 9}),
        (ch("Dsus4", 2, (0, 5, 7), "sus4"), 2, {7, 9}),
        (ch("D7sus4", 2, (0, 5, 7, 10), "7sus4"), 4, {7, 0}),
        (ch("Bdim7", 11, (0, 3, 6, 9), "dim7"), 2, {2, 8}),
        (ch("Db13", 1, (0, 2, 4, 7, 9, 10), "13"), 2, {5, 11}),
        (ch("Ebmaj7", 3, MAJ7, "maj7"), 3, {7, 2}),
        (ch("Am", 9, (0, 3, 7), "m"), 1, {0, 4}),
        (ch("Caug", 0, (0, 4, 8), "aug"), 4, {4, 8}),
    ],
    "slash": [
        (ch("C7/E", 0, DOM7, "7", bass=4), 4, {4, 10}),
        (ch("Fmaj7", 5, MAJ7, "maj7"), 4, {9, 4}),
        (ch("F/A", 5, (0, 4, 7), "maj", bass=9), 2, {9, 0}),
        (ch("Gm7/C", 7, M7, "m7", bass=0), 2, {10, 5}),
        (ch("C7", 0, DOM7, "7"), 4, {4, 10}),
    ],
}
GUIDES = {c.symbol: g for prog in PROGRESSIONS.values() for c, _, g in prog}


def build(prog: list[tuple[Chord, int, set[int]]]) -> tuple[tuple[ChordChange, ...], int]:
    """Back-to-back chord changes and their end tick."""
    changes, t = [], 0
    for chord, beats, _ in prog:
        changes.append(ChordChange(t, beats * BEAT, chord))
        t += beats * BEAT
    return tuple(changes), t


def band(changes, end, seed=0, sigs=FOUR_FOUR, **kw) -> dict[str, Part]:
    """The band's parts by name."""
    parts = make_band(changes, sigs, end, BandConfig(**kw), np.random.default_rng(seed))
    return {p.name: p for p in parts}


def voicings(part: Part) -> dict[int, list[Note]]:
    """Comping notes grouped by onset."""
    out: dict[int, list[Note]] = defaultdict(list)
    for n in part.notes:
        out[n.start].append(n)
    return dict(sorted(out.items()))


def change_from(changes, tick: int) -> ChordChange | None:
    """The change sounding at ``tick``."""
    return next((c for c in changes if c.start <= tick < c.end), None)


def voiced_chord(changes, group: list[Note], swing: float) -> ChordChange:
    """The change a voicing plays: the current chord, or the next if it is anticipated.

    A voicing that is still sounding when the chord changes must be an anticipation.
    """
    onset, pcs = group[0].start, {n.pitch % 12 for n in group}
    now = change_from(changes, onset)
    if group[0].end <= now.end:
        assert GUIDES[now.chord.symbol] <= pcs, (onset, now.chord.symbol, pcs)
        return now
    nxt = change_from(changes, now.end)
    assert nxt is not None and GUIDES[nxt.chord.symbol] <= pcs, (onset, now.chord.symbol, pcs)
    # an anticipation sits on the swung "and" of the beat before the new chord
    assert onset == nxt.start - BEAT + round(swing * BEAT), (onset, nxt.start)
    return nxt


CASES = [(name, seed) for name in PROGRESSIONS for seed in (0, 1, 2)]


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_every_voicing_holds_the_guide_tones(name, seed):
    changes, end = build(PROGRESSIONS[name])
    comp = band(changes, end, seed)["Piano"]
    for group in voicings(comp).values():
        voiced_chord(changes, group, 2 / 3)
        assert 3 <= len(group) <= 4
        assert all(48 <= n.pitch <= 72 for n in group)
        assert len({n.end for n in group}) == 1


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_comping_stays_inside_its_chord(name, seed):
    changes, end = build(PROGRESSIONS[name])
    comp = band(changes, end, seed)["Piano"]
    ons = list(voicings(comp))
    for k, group in enumerate(voicings(comp).values()):
        played = voiced_chord(changes, group, 2 / 3)
        assert group[0].end <= played.end
        if k + 1 < len(ons):
            assert group[0].end <= ons[k + 1]
    # every chord is heard
    for c in changes:
        assert any(c.start - BEAT < t < c.end for t in ons), c


def test_comping_is_a_rhythm_not_whole_notes():
    changes, end = build(PROGRESSIONS["ii-V-I-vi"] * 2)
    anticipations = 0
    for seed in range(4):
        comp = band(changes, end, seed)["Piano"]
        groups = voicings(comp)
        positions = {t % BAR for t in groups}
        assert max(n.duration for n in comp.notes) <= BAR // 2
        assert positions - {0, 24, 48, 72}, "no swung off-beat hits"
        assert positions <= {0, 16, 24, 40, 48, 64, 72, 88}
        anticipations += sum(1 for t, g in groups.items() if t % BAR == 88 and g[0].end > t + 8)
    assert anticipations >= 2


def test_charleston_is_the_commonest_bar():
    changes, end = build(PROGRESSIONS["ii-V-I-vi"] * 4)
    onsets = set(voicings(band(changes, end, 3)["Piano"]))
    charleston = sum(1 for b in range(0, end, BAR) if b in onsets and b + 40 in onsets)
    assert charleston >= 4  # of 32 bars; the pattern is drawn with weight 4 of 11.5


def test_voice_leading_is_smooth():
    changes, end = build(PROGRESSIONS["ii-V-I-vi"] * 2 + PROGRESSIONS["Bb blues"])
    groups = list(voicings(band(changes, end, 5)["Piano"]).values())
    moves = []
    for a, b in zip(groups, groups[1:], strict=False):
        pa, pb = sorted(n.pitch for n in a), sorted(n.pitch for n in b)
        if len(pa) == len(pb) and pa != pb:
            moves.append(sum(abs(x - y) for x, y in zip(pa, pb, strict=True)) / len(pa))
    assert moves and np.mean(moves) <= 2.5 and max(moves) <= 6


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bass_plays_the_root_or_slash_bass_on_each_chord(name, seed):
    changes, end = build(PROGRESSIONS[name])
    bass = band(changes, end, seed)["Bass"]
    for c in changes:
        first = [n for n in bass.notes if n.start == c.start]
        want = c.chord.root if c.chord.bass is None else c.chord.bass
        assert len(first) == 1 and first[0].pitch % 12 == want, (c.chord.symbol, first)


def test_slash_bass_is_not_the_root():
    changes, end = build(PROGRESSIONS["slash"])
    bass = band(changes, end)["Bass"]
    assert next(n for n in bass.notes if n.start == 0).pitch % 12 == 4  # C7/E -> E


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bass_walks_smoothly_in_range(name, seed):
    changes, end = build(PROGRESSIONS[name])
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
    for name in PROGRESSIONS:
        changes, end = build(PROGRESSIONS[name])
        for seed in range(10):
            notes = band(changes, end, seed)["Bass"].notes
            steps += [abs(b.pitch - a.pitch) for a, b in zip(notes, notes[1:], strict=False)]
    assert np.mean([s <= 2 for s in steps]) >= 0.5  # whole and half steps
    assert np.mean([s <= 5 for s in steps]) >= 0.85
    assert np.mean([s == 0 for s in steps]) <= 0.05  # few repeated notes


def test_bass_does_not_drift_out_of_its_register():
    tune = PROGRESSIONS["ii-V-I-vi"] * 4 + PROGRESSIONS["Bb blues"] * 2 + PROGRESSIONS["minor"] * 2
    changes, end = build(tune)  # 70 bars
    for seed in range(3):
        pitches = [n.pitch for n in band(changes, end, seed)["Bass"].notes]
        assert 36 <= np.median(pitches) <= 46
        assert np.mean([p <= 48 for p in pitches]) >= 0.8


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_bass_approaches_each_chord_by_half_step_or_fifth(name, seed):
    changes, end = build(PROGRESSIONS[name])
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


def test_gaps_silence_comping_and_bass_but_not_drums():
    dm7, g7, cmaj7 = (c for c, _, _ in PROGRESSIONS["ii-V-I-vi"][:3])
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


def test_drums_keep_swing_time():
    changes, end = build(PROGRESSIONS["Bb blues"])
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
    changes, end = build(PROGRESSIONS["Bb blues"])
    plain = [n for n in band(changes, end, 6)["Drums"].notes if n.pitch == 36]
    assert all(n.start % BAR == 72 + 16 for n in plain)  # only the odd "bomb" on and-of-4
    kicks = [n for n in band(changes, end, 6, feather_kick=True)["Drums"].notes if n.pitch == 36]
    feathered = {n.start for n in kicks if n.velocity <= 40}
    assert feathered == set(range(0, end, BEAT))


def test_same_seed_same_band_and_seeds_differ():
    changes, end = build(PROGRESSIONS["ii-V-I-vi"])
    assert band(changes, end, 7) == band(changes, end, 7)
    a, b = band(changes, end, 7), band(changes, end, 8)
    assert a["Piano"].notes != b["Piano"].notes
    assert a["Drums"].notes != b["Drums"].notes


def test_parts_switch_off_independently():
    changes, end = build(PROGRESSIONS["ii-V-I-vi"])
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
    changes, end = build(PROGRESSIONS["ii-V-I-vi"])
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
        ChordChange(i * 72, 72, c) for i, (c, _, _) in enumerate(PROGRESSIONS["ii-V-I-vi"])
    )
    parts = band(changes, 576, 3, sigs=(TimeSignature(0, 3, 4),))
    assert set(range(0, 576, BEAT)) <= {n.start for n in parts["Drums"].notes if n.pitch == 51}
    for c in changes:
        assert next(n for n in parts["Bass"].notes if n.start == c.start).pitch % 12 == c.chord.root


def test_bad_input_is_refused():
    dm7 = PROGRESSIONS["ii-V-I-vi"][0][0]
    with pytest.raises(ValueError, match="swing"):
        BandConfig(swing=0.3)
    with pytest.raises(ValueError, match="comp_program"):
        BandConfig(comp_program=200)
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
