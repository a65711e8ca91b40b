"""Stream a MIDI file to an output port in time (``jazzgen play FILE --port NAME``).

Every tempo change of the file is honoured (mido turns its ticks into seconds); meta messages
(names, markers, tempo) are not sent. The clock is injectable: the real one waits, a
simulated one lets a test check the times without waiting. However it stops (the end, an
error, Ctrl-C), every channel gets sustain off and all notes off, so nothing hangs on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import mido

from jazzgen.errors import ReadError
from jazzgen.io.midi import open_midi
from jazzgen.live.clock import Clock, RealClock
from jazzgen.live.ports import silence

CHANNELS = range(16)


@dataclass(frozen=True)
class Streamed:
    """What was sent: messages, and the file's length in seconds."""

    messages: int
    seconds: float
    port: str = ""

    def describe(self) -> str:
        """One line for a person."""
        return f"Sent {self.messages} messages ({self.seconds:.1f} s) to {self.port or 'the port'}"


def timed_messages(path: str | os.PathLike) -> list[tuple[float, mido.Message]]:
    """The file's channel messages with their times in seconds from its start; ReadError for
    a file that cannot be read (as ``io.midi`` reads it) or played (a type 2 file has no
    single timeline)."""
    path = Path(path)
    mid = open_midi(path)
    out, now = [], 0.0
    try:
        for msg in mid:  # times are seconds since the previous message
            now += msg.time
            if not msg.is_meta and msg.type != "sysex":
                out.append((now, msg.copy(time=0)))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ReadError(f"{path.name}: cannot be played ({exc or type(exc).__name__})",
                        str(path)) from None
    return out


def stream(path: str | os.PathLike, port, clock: Clock | None = None) -> Streamed:
    """Send the MIDI file at ``path`` to ``port`` in time; all notes off at the end or when
    interrupted."""
    return send_timed(timed_messages(path), port, clock)


def send_timed(timed: list[tuple[float, mido.Message]], port, clock: Clock | None = None,
               name: str = "") -> Streamed:
    """Send ``(seconds, message)`` pairs to ``port`` at their times; all notes off at the
    end or when interrupted."""
    clock = clock or RealClock()
    start = clock.now()
    try:
        for when, msg in timed:
            clock.sleep(start + when - clock.now())
            port.send(msg)
    finally:
        for channel in CHANNELS:
            for msg in silence(channel):
                port.send(msg)
    return Streamed(len(timed), timed[-1][0] if timed else 0.0, name)


def play_to_port(path: str | os.PathLike, port_name: str, clock: Clock | None = None) -> Streamed:
    """Open the MIDI output named (see ``ports.find_port``), stream the file to it, close it."""
    from jazzgen.live.ports import open_output

    timed = timed_messages(path)  # a file that cannot be played fails before a port opens
    port = open_output(port_name)
    try:
        return send_timed(timed, port, clock, getattr(port, "name", port_name))
    finally:
        port.close()
