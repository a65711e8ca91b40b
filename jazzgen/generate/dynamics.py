"""Band dynamics: comping and drums that listen to the soloist, leaving space when the line is
busy and filling when it rests.

The rule, with its numbers. The band hears the solo in windows of two beats from each bar
line (half a bar of 4/4; a bar of an odd number of beats ends in a one-beat window). A window
is

* **busy** when the solo starts ``BUSY_ONSETS`` = 3 or more notes in it (1.5 onsets a beat
  or more: a running eighth-note line is busy, quarter notes are not);
* **resting** when the solo starts no note in it and none sounds during its last beat (at
  least one beat of silence, right where the band can answer);
* **plain** otherwise.

What the band does:

* comping, busy window: one hit per chord (its first) and no more, each cut to a stab of
  ``COMP_BUSY_LENGTH`` ticks and ``COMP_BUSY_SOFTER`` quieter;
* comping, resting window: its hits ``COMP_REST_LOUDER`` louder, and a push: a hit on the
  swung "and" of the window's last beat, anticipating the chord of the next beat (held into
  it) or re-striking the one sounding, ``COMP_PUSH_LOUDER`` louder;
* drums, busy window: no snare comping (ride, hi-hat and kick play on);
* drums, the last resting window before the solo comes back: a fill on its last beat, an
  eighth-note triplet crescendo (snare 52, snare 62, low tom 76: ``drums.FILL``) in place of
  the snare comping there. A rest that lasts to the end gets no fill: no phrase follows.

The walking bass does not listen: it keeps the time. Nothing here draws random numbers, so
the drums' hits and the comping rhythms are drawn exactly as without listening, then shaped.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from jazzgen.music.notes import Note

BUSY, REST, PLAIN = "busy", "rest", "plain"
"""The states of a window."""
WINDOW_BEATS = 2
"""Beats in a listening window (a window never crosses a bar line)."""
BUSY_ONSETS = 3
"""Solo onsets in a window from which the window is busy."""
COMP_BUSY_LENGTH = 10
"""Longest comping hit in a busy window, in ticks (a detached eighth)."""
COMP_BUSY_SOFTER = 10
COMP_REST_LOUDER = 4
COMP_PUSH_LOUDER = 6
"""Velocity changes of comping hits in busy windows, in resting ones, and of a push."""


@dataclass(frozen=True)
class Window:
    """A stretch ``[start, end)`` of ticks the band hears as one: busy, resting or plain."""

    start: int
    end: int
    beat: int  # ticks per beat of the meter there
    state: str

    @property
    def last_beat(self) -> int:
        """Tick where the window's last beat begins."""
        return self.end - self.beat


def listen(solo: tuple[Note, ...], bars: list[tuple[int, int, int]]) -> tuple[Window, ...]:
    """The windows of ``bars`` (start, length, beat length in ticks) with what the solo does
    in each, by the rule in this module's docstring."""
    notes = sorted(solo, key=lambda n: n.start)
    starts = [n.start for n in notes]
    reach = [0]  # reach[i]: the latest end of the first i notes
    for n in notes:
        reach.append(max(reach[-1], n.end))
    out = []
    for bar, length, beat in bars:
        for start in range(bar, bar + length, WINDOW_BEATS * beat):
            end = min(start + WINDOW_BEATS * beat, bar + length)
            before_end = bisect.bisect_left(starts, end)
            onsets = before_end - bisect.bisect_left(starts, start)
            if onsets >= BUSY_ONSETS:
                state = BUSY
            elif onsets == 0 and reach[before_end] <= end - beat:
                state = REST
            else:
                state = PLAIN
            out.append(Window(start, end, beat, state))
    return tuple(out)


def window_at(windows: tuple[Window, ...], tick: int) -> Window | None:
    """The window holding ``tick`` (windows sorted and contiguous), or None."""
    i = bisect.bisect_right([w.start for w in windows], tick) - 1
    return windows[i] if i >= 0 and tick < windows[i].end else None


def fill_beats(windows: tuple[Window, ...]) -> set[int]:
    """Ticks of the beats the drums fill: the last beat of each resting window that the solo
    follows (the next window is not resting)."""
    return {w.last_beat for w, nxt in zip(windows, windows[1:], strict=False)
            if w.state == REST and nxt.state != REST and nxt.start == w.end}
