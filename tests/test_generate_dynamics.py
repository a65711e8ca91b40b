"""jazzgen.generate.dynamics: how the band hears the solo, window by window."""

from __future__ import annotations

from builders import BAR, BEAT

from jazzgen.generate.dynamics import (
    BUSY,
    BUSY_ONSETS,
    PLAIN,
    REST,
    WINDOW_BEATS,
    Window,
    fill_beats,
    listen,
    window_at,
)
from jazzgen.music.notes import Note


def solo(*spec: tuple[int, int]) -> tuple[Note, ...]:
    """Notes from (start, duration)."""
    return tuple(Note(64, s, d) for s, d in spec)


BARS = [(b * BAR, BAR, BEAT) for b in range(3)]
LINE = solo(
    (0, 16), (16, 8), (24, 16), (40, 8),  # [0, 48): four onsets, busy
    (48, 24), (72, 48),  # [48, 96): two onsets, plain
    # [96, 144): the last note held until 120, then a beat of silence: resting
    # [144, 192): silent: resting, the solo comes back after it
    (200, 70),  # [192, 240): one onset: plain; [240, 288): still sounding in its last beat
)


def test_windows_are_two_beats_from_each_bar_line_and_get_their_state():
    windows = listen(LINE, BARS)
    assert [(w.start, w.end) for w in windows] == [(t, t + 48) for t in range(0, 288, 48)]
    assert [w.state for w in windows] == [BUSY, PLAIN, REST, REST, PLAIN, PLAIN]
    assert (WINDOW_BEATS, BUSY_ONSETS) == (2, 3)
    assert windows[2].last_beat == 120


def test_busy_starts_at_three_onsets_and_rest_needs_a_silent_last_beat():
    bars = [(0, BAR, BEAT)]
    assert listen(solo((0, 8), (8, 8), (16, 8)), bars)[0].state == BUSY
    assert listen(solo((0, 12), (12, 12)), bars)[0].state == PLAIN
    assert listen(solo((0, 24)), bars)[0].state == PLAIN  # it started there
    held = solo((0, 80))  # from the first window into the second one's last beat
    assert listen(held, bars)[1].state == PLAIN
    assert listen(solo((0, 72)), bars)[1].state == REST  # silent from 72, its last beat
    assert listen(solo((0, 60)), bars)[1].state == REST
    assert [w.state for w in listen((), bars)] == [REST, REST]


def test_odd_meters_end_the_bar_in_a_one_beat_window():
    windows = listen((), [(0, 72, BEAT), (72, 120, BEAT)])
    assert [(w.start, w.end) for w in windows] == [(0, 48), (48, 72), (72, 120), (120, 168),
                                                   (168, 192)]
    eighth = listen((), [(0, 36, 12)])  # 3/8: beats of 12 ticks
    assert [(w.start, w.end, w.beat) for w in eighth] == [(0, 24, 12), (24, 36, 12)]


def test_fills_go_where_a_rest_ends_and_the_solo_comes_back():
    windows = listen(LINE, BARS)
    assert fill_beats(windows) == {168}  # the second resting window, before the solo's 200
    assert fill_beats(listen(LINE[:6], BARS)) == set()  # a rest to the end: no phrase follows
    assert fill_beats(()) == set()


def test_window_at_finds_the_window_holding_a_tick():
    windows = listen(LINE, BARS)
    assert window_at(windows, 0) == windows[0] and window_at(windows, 47) == windows[0]
    assert window_at(windows, 48) == windows[1] and window_at(windows, 287) == windows[-1]
    assert window_at(windows, 288) is None and window_at((), 5) is None
    assert window_at((Window(96, 144, BEAT, REST),), 10) is None
