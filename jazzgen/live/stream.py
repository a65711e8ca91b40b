"""Stream a MIDI file to an output port in time (``jazzgen play FILE --port NAME``).

Every tempo change of the file is honoured (mido turns its ticks into seconds); meta messages
(names, markers, tempo) are not sent. The clock is injectable: the real one waits, a
simulated one lets a test check the times without waiting. However it stops (the end, an
error, Ctrl-C), every channel gets sustain off and all notes off, so nothing hangs on.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, replace
from pathlib import Path

import mido

from jazzgen.errors import ReadError
from jazzgen.io.limits import check_size
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
    a file mido cannot read or play (a type 2 file has no single timeline)."""
    path = Path(path)
    check_size(path)
    data = path.read_bytes()
    if data[:4] == b"RIFF" and b"MThd" in data:  # RIFF MIDI wrapper: the data chunk
        data = data[data.find(b"MThd"):]
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
        out, now = [], 0.0
        for msg in mid:  # times are seconds since the previous message
            now += msg.time
            if not msg.is_meta and msg.type != "sysex":
                out.append((now, msg.copy(time=0)))
    except (OSError, EOFError, ValueError, IndexError, KeyError, TypeError) as exc:
        raise ReadError(f"{path.name}: cannot be played ({exc or type(exc).__name__})",
                        str(path)) from None
    return out


def stream(path: str | os.PathLike, port, clock: Clock | None = None) -> Streamed:
    """Send the MIDI file at ``path`` to ``port`` in time; all notes off at the end or when
    interrupted."""
    clock = clock or RealClock()
    timed = timed_messages(path)
    start = clock.now()
    try:
        for when, msg in timed:
            clock.sleep(start + when - clock.now())
            port.send(msg)
    finally:
        for channel in CHANNELS:
            for msg in silence(channel):
                port.send(msg)
    return Streamed(len(timed), timed[-1][0] if timed else 0.0)


def play_to_port(path: str | os.PathLike, port_name: str, clock: Clock | None = None) -> Streamed:
    """Open the MIDI output named (see ``ports.find_port``), stream the file to it, close it."""
    from jazzgen.live.ports import open_output

    timed_messages(path)  # a file that cannot be played fails before a port is opened
    port = open_output(port_name)
    try:
        return replace(stream(path, port, clock), port=getattr(port, "name", port_name))
    finally:
        port.close()
