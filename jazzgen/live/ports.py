"""MIDI ports: the real ones through mido's python-rtmidi backend (an optional extra,
imported only when a port is used), in-memory ones for tests, and the messages jazzgen sends.

A port here is anything with mido's port methods: an input has ``iter_pending()`` (the
messages that arrived, without waiting), an output has ``send(msg)``; both ``close()``.
:class:`MemoryInput` hands out messages at given (clock) times, :class:`MemoryOutput` keeps
every message sent with the time it was sent, in seconds of its clock.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

import mido

from jazzgen.errors import PortError
from jazzgen.live.clock import Clock

BACKEND = "mido.backends.rtmidi"
INSTALL_HINT = "pip install 'jazzgen[live]'"
ALL_NOTES_OFF, SUSTAIN = 123, 64
"""MIDI control numbers: all notes off (channel mode message), sustain pedal."""


def backend() -> mido.Backend:
    """mido's python-rtmidi backend, loaded; PortError saying how to install it if missing."""
    try:
        import rtmidi  # noqa: F401  (only to find out whether it is there)
    except ImportError:
        raise PortError(f"MIDI ports need python-rtmidi, which is not installed: "
                        f"{INSTALL_HINT}") from None
    return mido.Backend(BACKEND, load=True)


def port_names(midi: mido.Backend | None = None) -> tuple[list[str], list[str]]:
    """The names of the MIDI input ports and of the output ports, as the system lists them
    (through ``midi``, the backend already loaded, if given)."""
    midi = midi or backend()
    try:
        return midi.get_input_names(), midi.get_output_names()
    except OSError as exc:  # rtmidi's errors are OSErrors: no ALSA sequencer, no CoreMIDI
        raise PortError(f"cannot list MIDI ports ({exc})") from None


def find_port(name: str, names: Sequence[str], kind: str) -> str:
    """The port in ``names`` that ``name`` means: the one spelled so, else the only one that
    contains it (any case, so "keystation" finds "Keystation 49 MIDI 1 20:0"); PortError
    naming the ports there are otherwise."""
    if name in names:
        return name
    hits = [n for n in names if name.strip().lower() in n.lower()] if name.strip() else []
    if len(hits) == 1:
        return hits[0]
    listed = ", ".join(repr(n) for n in names) or "none"
    if hits:
        raise PortError(f"MIDI {kind} port {name!r} matches {len(hits)} ports: "
                        f"{', '.join(repr(h) for h in hits)}; give more of its name")
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise PortError(f"no MIDI {kind} port {name!r}{hint}; {kind} ports: {listed}")


def _open(midi: mido.Backend, kind: str, name: str, names: Sequence[str]):
    """Open the ``kind`` ("input" or "output") port that ``name`` means among ``names``."""
    found = find_port(name, names, kind)
    try:
        return midi.open_input(found) if kind == "input" else midi.open_output(found)
    except OSError as exc:
        raise PortError(f"cannot open MIDI {kind} {found!r} ({exc})") from None


def open_ports(in_name: str, out_name: str):
    """Open the input port and the output port named (see :func:`find_port`); the backend
    is loaded and the ports listed once."""
    midi = backend()
    inputs, outputs = port_names(midi)
    inport = _open(midi, "input", in_name, inputs)
    try:
        return inport, _open(midi, "output", out_name, outputs)
    except PortError:
        inport.close()
        raise


def open_output(name: str):
    """Open the output port named (see :func:`find_port`)."""
    midi = backend()
    return _open(midi, "output", name, port_names(midi)[1])


def note_on(channel: int, note: int, velocity: int) -> mido.Message:
    """A note-on message (channel 0-based)."""
    return mido.Message("note_on", channel=channel, note=note, velocity=velocity)


def note_off(channel: int, note: int) -> mido.Message:
    """A note-off message (velocity 0)."""
    return mido.Message("note_off", channel=channel, note=note, velocity=0)


def program(channel: int, number: int) -> mido.Message:
    """A program change (General MIDI sound, 0-based)."""
    return mido.Message("program_change", channel=channel, program=number)


def silence(channel: int) -> list[mido.Message]:
    """Sustain pedal up and all notes off on ``channel``."""
    return [mido.Message("control_change", channel=channel, control=SUSTAIN, value=0),
            mido.Message("control_change", channel=channel, control=ALL_NOTES_OFF, value=0)]


def note_event(msg) -> tuple[str, int, int, int] | None:
    """A played note as ("on" | "off", channel, note, velocity), or None for anything else
    (a note-on of velocity 0 is a note-off, as MIDI has it)."""
    if msg.type == "note_on" and msg.velocity > 0:
        return "on", msg.channel, msg.note, msg.velocity
    if msg.type in ("note_on", "note_off"):
        return "off", msg.channel, msg.note, 0
    return None


class MemoryInput:
    """An input port that hands out ``timed`` (seconds, message) pairs once ``clock`` has
    reached their time."""

    def __init__(self, clock: Clock, timed: Sequence[tuple[float, mido.Message]] = ()) -> None:
        self.clock = clock
        self.queue = sorted(timed, key=lambda tm: tm[0])
        self.closed = False

    def iter_pending(self) -> Iterator[mido.Message]:
        """The messages whose time has come, in order, each once."""
        now = self.clock.now()
        while self.queue and self.queue[0][0] <= now:
            yield self.queue.pop(0)[1]

    def close(self) -> None:
        """Mark the port closed."""
        self.closed = True


class MemoryOutput:
    """An output port that keeps ``sent``: (seconds on ``clock``, message) for each send."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, mido.Message]] = []
        self.closed = False

    def send(self, msg: mido.Message) -> None:
        """Keep ``msg`` with the time it was sent."""
        self.sent.append((self.clock.now(), msg))

    def close(self) -> None:
        """Mark the port closed."""
        self.closed = True

    def sounding(self) -> set[tuple[int, int]]:
        """(channel, note) pairs switched on and not off, by note messages or all-notes-off."""
        on: set[tuple[int, int]] = set()
        for _, msg in self.sent:
            if msg.type == "control_change" and msg.control == ALL_NOTES_OFF:
                on = {(c, n) for c, n in on if c != msg.channel}
            elif (event := note_event(msg)) is not None:
                (on.add if event[0] == "on" else on.discard)((event[1], event[2]))
        return on
