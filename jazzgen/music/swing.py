"""Re-swinging a played line: lone off-beat eighths moved to a new swing ratio."""

from __future__ import annotations

import bisect

from jazzgen.errors import InvalidValueError
from jazzgen.music.notes import TICKS_PER_BEAT, Note


def swing_ticks(notes: tuple[Note, ...], ratio: float) -> tuple[Note, ...]:
    """Re-swing a line: lone off-beat eighths move to ``ratio`` of the beat (0.5 = straight).

    An onset at beat+12, 14, 16 or 18 ticks counts as a swung or straight eighth only when
    the beat holds no other onset than the downbeat, so triplets and sixteenths are kept.
    A note that ended where a moved note began ends where it begins now, and a note never
    runs over the next onset unless it did before.
    """
    if not 0.5 <= ratio <= 0.8:
        raise InvalidValueError(f"swing ratio must be 0.5..0.8 of the beat, got {ratio}")
    target = round(ratio * TICKS_PER_BEAT)
    by_beat: dict[int, set[int]] = {}
    for n in notes:
        by_beat.setdefault(n.start // TICKS_PER_BEAT, set()).add(n.start % TICKS_PER_BEAT)
    moves = {}
    for b, pos in by_beat.items():
        offs = pos - {0}
        if len(offs) == 1 and (p := offs.pop()) in (12, 14, 16, 18):
            moves[b * TICKS_PER_BEAT + p] = b * TICKS_PER_BEAT + target
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
