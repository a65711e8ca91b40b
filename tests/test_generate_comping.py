"""jazzgen.generate.comping: rootless, voice-led voicings in swing rhythm patterns, checked
over whole tunes with hand-worked guide tones."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from builders import BAR, BEAT, CASES, TUNES, band, build

from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import Note, Part

GUIDES = {c.symbol: g for prog in TUNES.values() for c, _, g in prog}


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


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_every_voicing_holds_the_guide_tones(name, seed):
    changes, end = build(TUNES[name])
    comp = band(changes, end, seed)["Piano"]
    for group in voicings(comp).values():
        voiced_chord(changes, group, 2 / 3)
        assert 3 <= len(group) <= 4
        assert all(48 <= n.pitch <= 72 for n in group)
        assert len({n.end for n in group}) == 1


@pytest.mark.parametrize(("name", "seed"), CASES)
def test_comping_stays_inside_its_chord(name, seed):
    changes, end = build(TUNES[name])
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
    changes, end = build(TUNES["ii-V-I-vi"] * 2)
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
    changes, end = build(TUNES["ii-V-I-vi"] * 4)
    onsets = set(voicings(band(changes, end, 3)["Piano"]))
    charleston = sum(1 for b in range(0, end, BAR) if b in onsets and b + 40 in onsets)
    assert charleston >= 4  # of 32 bars; the pattern is drawn with weight 4 of 11.5


def test_voice_leading_is_smooth():
    changes, end = build(TUNES["ii-V-I-vi"] * 2 + TUNES["Bb blues"])
    groups = list(voicings(band(changes, end, 5)["Piano"]).values())
    moves = []
    for a, b in zip(groups, groups[1:], strict=False):
        pa, pb = sorted(n.pitch for n in a), sorted(n.pitch for n in b)
        if len(pa) == len(pb) and pa != pb:
            moves.append(sum(abs(x - y) for x, y in zip(pa, pb, strict=True)) / len(pa))
    assert moves and np.mean(moves) <= 2.5 and max(moves) <= 6


def _heard(changes, end, seed, solo) -> Part:
    """The comping of a band that hears ``solo``."""
    from jazzgen.generate.band import make_band
    from jazzgen.generate.band_config import BandConfig
    from jazzgen.music.notes import TimeSignature

    return make_band(changes, (TimeSignature(0),), end, BandConfig(), np.random.default_rng(seed),
                     solo=solo)[0]


def _played(changes, group: list[Note]) -> ChordChange:
    """The change a voicing plays (by its guide tones): the one sounding, else the next."""
    now = change_from(changes, group[0].start)
    if GUIDES[now.chord.symbol] <= {n.pitch % 12 for n in group}:
        return now
    return change_from(changes, now.end)


def test_under_a_busy_solo_each_chord_gets_one_short_soft_hit():
    from jazzgen.generate.dynamics import BUSY, COMP_BUSY_LENGTH, listen

    changes, end = build(TUNES["Bb blues"])  # no voicing holds a neighbour's guide tones
    running = tuple(Note(67, t, 12) for t in range(0, end, 12))  # eighths all the way
    windows = listen(running, [(b, BAR, BEAT) for b in range(0, end, BAR)])
    assert {w.state for w in windows} == {BUSY}
    louder = []
    for seed in range(6):
        comp = voicings(_heard(changes, end, seed, running))
        played = {t: _played(changes, g) for t, g in comp.items()}
        for w in windows:  # one hit per chord and window
            chords = [played[t] for t in comp if w.start <= t < w.end]
            assert len(chords) == len(set(chords)), (seed, w.start)
        assert set(played.values()) == set(changes)  # every chord still sounds
        assert all(n.duration <= COMP_BUSY_LENGTH for g in comp.values() for n in g)
        louder += [n.velocity for g in comp.values() for n in g]
    assert np.mean(louder) < 62 - 5  # 10 below the comping velocity, give or take the jitter


def test_in_a_rest_the_comping_pushes_the_and_of_the_last_beat():
    from jazzgen.generate.dynamics import REST, listen

    changes, end = build(TUNES["ii-V-I-vi"])
    windows = listen((), [(b, BAR, BEAT) for b in range(0, end, BAR)])
    assert {w.state for w in windows} == {REST}
    for seed in range(6):
        comp = voicings(_heard(changes, end, seed, ()))
        pushes = [w.last_beat + 16 for w in windows]
        assert set(pushes) <= set(comp), seed  # a push in every resting window
        for t in pushes[:-1]:  # it anticipates the next beat's chord and holds over it
            nxt = change_from(changes, t + 8)
            assert GUIDES[nxt.chord.symbol] <= {n.pitch % 12 for n in comp[t]}
            assert all(n.end > t + 8 for n in comp[t])
