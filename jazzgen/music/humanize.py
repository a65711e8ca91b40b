"""Humanizing: small seeded timing and velocity variations, finer than the 24-per-beat grid.

A :class:`Performance` says how each note of a score is played: its note-on and note-off
moved by a few MIDI ticks of the written file (480 per beat, ``SUBTICKS`` to a jazzgen tick)
and its velocity. The score itself is not changed, so the lead sheet and the piano roll show
the music as written, while the MIDI file (and the WAV made from it) sounds played.

Sizes at amount 1 (they scale linearly with it; ``TYPICAL_AMOUNT`` is half of that):

* timing: normal with a standard deviation of ``TIMING_SD_MS`` = 12 ms (converted to ticks
  at the score's tempo), cut at 3 standard deviations; the bass moves ``BASS_TIMING`` = 0.4
  of that (it keeps the time), the drums ``DRUM_TIMING`` = 0.6, solo and comping all of it.
  One shift per onset of a part, so a chord's notes stay together;
* velocity: normal with a standard deviation of ``VELOCITY_SD`` = 7, per note, kept in
  1..127.

Bounds: no note moves before tick 0; a note moves less than half the way to the onsets
before and after it in its part, so onsets keep their order; a note that ended by the next
onset of its part still does (a monophonic line stays monophonic, repeated notes re-strike).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jazzgen.errors import InvalidValueError
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Part, Score

SUBTICKS = 20
"""MIDI ticks of a written file per jazzgen tick (480 per beat): the unit of a nudge."""
TIMING_SD_MS = 12.0
VELOCITY_SD = 7.0
"""Standard deviations of timing (milliseconds) and velocity at amount 1."""
BASS_TIMING, DRUM_TIMING = 0.4, 0.6
"""Shares of the timing variation the bass and the drums get."""
TYPICAL_AMOUNT = 0.5
"""The amount asked for without a number."""
_CUT_SD = 3.0
BASS_PROGRAMS = range(32, 40)
"""General MIDI's bass family: a part on one of these programs keeps the time."""


@dataclass(frozen=True, slots=True)
class Nudge:
    """How one note is played: note-on and note-off moved by ``on`` and ``off`` MIDI ticks
    (1/``SUBTICKS`` of a tick), at ``velocity``."""

    on: int
    off: int
    velocity: int


@dataclass(frozen=True)
class Performance:
    """Nudges for every note of a score, line by line: the solo first, then each part."""

    lines: tuple[tuple[Nudge, ...], ...]

    def check(self, score: Score) -> None:
        """InvalidValueError unless there is one nudge per note of ``score``, line by line."""
        shape = [len(score.notes)] + [len(p.notes) for p in score.parts]
        if [len(line) for line in self.lines] != shape:
            raise InvalidValueError(f"a performance of notes per line "
                                    f"{[len(line) for line in self.lines]} does not fit a "
                                    f"score of {shape}")


def humanize(score: Score, amount: float, rng: np.random.Generator) -> Performance | None:
    """The score played with variation ``amount`` (0..1; 0: None, exactly as written).

    Each line draws from its own child of ``rng``, the solo from the first, so the solo is
    played the same with or without a band.
    """
    if not 0.0 <= amount <= 1.0:
        raise InvalidValueError(f"humanize amount must be 0..1, got {amount}")
    if amount == 0:
        return None
    subticks_per_ms = score.tempo / 60_000 * TICKS_PER_BEAT * SUBTICKS
    lines = [(score.notes, 1.0)] + [(p.notes, _timing_share(p)) for p in score.parts]
    streams = rng.spawn(len(lines))
    return Performance(tuple(
        _play(notes, amount * TIMING_SD_MS * share * subticks_per_ms, amount * VELOCITY_SD, g)
        for (notes, share), g in zip(lines, streams, strict=True)))


def _timing_share(part: Part) -> float:
    """How much of the timing variation a part gets: drums and bass less than comping."""
    if part.is_drum:
        return DRUM_TIMING
    return BASS_TIMING if part.program in BASS_PROGRAMS else 1.0


def _play(notes: tuple[Note, ...], timing_sd: float, velocity_sd: float,
          rng: np.random.Generator) -> tuple[Nudge, ...]:
    """Nudges of one line: ``timing_sd`` in MIDI ticks, ``velocity_sd`` in velocity steps."""
    onsets = sorted({n.start for n in notes})
    drawn = np.clip(rng.normal(0.0, 1.0, len(onsets)), -_CUT_SD, _CUT_SD) * timing_sd
    velocities = rng.normal(0.0, velocity_sd, len(notes))
    shift = {}
    for k, t in enumerate(onsets):
        gaps = [t - onsets[k - 1]] if k else []
        gaps += [onsets[k + 1] - t] if k + 1 < len(onsets) else []
        limit = (min(gaps) * SUBTICKS - 1) // 2 if gaps else int(_CUT_SD * timing_sd) + 1
        shift[t] = int(np.clip(round(drawn[k]), max(-limit, -t * SUBTICKS), limit))
    following = dict(zip(onsets, onsets[1:], strict=False))
    out = []
    for n, dv in zip(notes, velocities, strict=True):
        on = off = shift[n.start]
        nxt = following.get(n.start)
        if nxt is not None and n.end <= nxt:  # it ended by the next onset: it still does
            off = min(off, (nxt - n.end) * SUBTICKS + shift[nxt])
        out.append(Nudge(on, off, int(np.clip(round(n.velocity + dv), 1, 127))))
    return tuple(out)
