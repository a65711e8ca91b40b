"""Swing: where off-beat eighths fall. One rule, used to play written straight eighths swung
(the project corpus) and to re-swing a played line (``jazzgen generate --swing``), and one
rule for how much a band swings at a given tempo (:func:`tempo_swing`)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from jazzgen.errors import InvalidValueError
from jazzgen.music.notes import TICKS_PER_BEAT, Note

EIGHTH_POSITIONS = (12, 14, 16, 18)
"""Ticks into a beat where a played off-beat eighth may fall: straight (12) to hard (18)."""

SHORT_EIGHTH_SECONDS = 0.100
"""How long a drummer's short (off-beat) swung eighth lasts from medium to fast tempi."""
TEMPO_SWING_RANGE = (0.5, 0.75)
"""The off-beat shares :func:`tempo_swing` stays within: straight (1:1) to 3:1."""


def tempo_swing(bpm: float) -> float:
    """Where a band's off-beat eighth falls at ``bpm``, as a share of the beat:
    ``1 - 0.100 s / beat``, clipped to 0.5..0.75.

    Friberg & Sundström 2002 ("Swing ratios and ensemble timing in jazz performance:
    evidence for a common rhythmic pattern", Music Perception 19(3):333-349) measured
    drummers' ride cymbal: the swing ratio falls with tempo, from about 3.5:1 at slow tempi
    to about 1:1 at very fast ones, the short eighth staying near 100 ms from medium to fast
    tempi. So the long eighth is the beat less 100 ms: 0.75 (3:1, the clip) at 150 BPM and
    below, 0.667 (2:1) at 200 BPM, 0.6 at 240, straight (0.5) from 300 BPM. Soloists swing
    lighter than drummers: on 92 Weimar Jazz Database solos we measured off-beat shares of
    about 0.57-0.62 below 240 BPM and 0.52 above 280 BPM, so the rule is for the band only.
    """
    if not bpm > 0:
        raise InvalidValueError(f"tempo must be > 0 BPM, got {bpm}")
    low, high = TEMPO_SWING_RANGE
    return min(high, max(low, 1.0 - SHORT_EIGHTH_SECONDS * bpm / 60.0))


def swing_map(ticks: Iterable[int], ratio: float, positions: Iterable[int] = EIGHTH_POSITIONS
              ) -> dict[int, int]:
    """Where each of ``ticks`` goes when eighths swing at ``ratio`` of the beat.

    The rule: a beat whose only tick strictly inside it lies at one of ``positions`` is a
    beat of two eighths, and that tick moves to ``round(ratio * 24)`` ticks into the beat;
    beats holding triplets, sixteenths or nothing inside keep their ticks. Downbeats never
    move. Returns a mapping for every tick given.
    """
    if not 0.5 <= ratio <= 0.8:
        raise InvalidValueError(f"swing ratio must be 0.5..0.8 of the beat, got {ratio}")
    ticks = sorted(set(ticks))
    target = round(ratio * TICKS_PER_BEAT)
    inside: dict[int, set[int]] = {}
    for t in ticks:
        if t % TICKS_PER_BEAT:
            inside.setdefault(t // TICKS_PER_BEAT, set()).add(t % TICKS_PER_BEAT)
    moved = {b * TICKS_PER_BEAT + p: b * TICKS_PER_BEAT + target for b, offs in inside.items()
             if len(offs) == 1 and (p := next(iter(offs))) in set(positions)}
    return {t: moved.get(t, t) for t in ticks}


def swing_ticks(notes: tuple[Note, ...], ratio: float) -> tuple[Note, ...]:
    """Re-swing a line: lone off-beat eighths move to ``ratio`` of the beat (0.5 = straight).

    An onset at beat+12, 14, 16 or 18 ticks counts as a swung or straight eighth only when
    the beat holds no other onset than the downbeat, so triplets and sixteenths are kept.
    A note that ended where a moved note began ends where it begins now, and a note never
    runs over the next onset unless it did before.
    """
    moves = swing_map((n.start for n in notes), ratio)
    old_onsets = sorted({n.start for n in notes})
    new_onsets = sorted({moves.get(t, t) for t in old_onsets})
    out = []
    for n in notes:
        start = moves.get(n.start, n.start)
        stop = moves.get(n.end, n.end)
        if stop <= start:
            stop = start + n.duration
        i, j = bisect.bisect_right(old_onsets, n.start), bisect.bisect_right(new_onsets, start)
        old_next = old_onsets[i] if i < len(old_onsets) else None
        if j < len(new_onsets) and stop > new_onsets[j] and (old_next is None or n.end <= old_next):
            stop = new_onsets[j]
        out.append(Note(n.pitch, start, stop - start, n.velocity))
    return tuple(sorted(out, key=lambda n: (n.start, n.pitch)))
