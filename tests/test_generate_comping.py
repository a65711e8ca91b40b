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
