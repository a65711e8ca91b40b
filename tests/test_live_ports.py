"""jazzgen.live.ports: finding a port by (part of) its name, the python-rtmidi backend as an
optional extra with one clear error when it is missing, and the in-memory ports tests use."""

from __future__ import annotations

import sys

import mido
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jazzgen.errors import PortError
from jazzgen.live import ports
from jazzgen.live.clock import SimClock
from jazzgen.live.ports import (
    MemoryInput,
    MemoryOutput,
    find_port,
    note_event,
    note_off,
    note_on,
    silence,
)

NAMES = ["Midi Through:Midi Through Port-0 14:0", "Keystation 49:Keystation 49 MIDI 1 20:0",
         "FLUID Synth (4242):Synth input port (4242:0) 128:0"]


class FakeBackend:
    """What jazzgen asks of mido's backend: port names and opening ports (memory ones)."""

    def __init__(self, inputs=(), outputs=(), error: OSError | None = None) -> None:
        self.inputs, self.outputs, self.error = list(inputs), list(outputs), error
        self.opened: list[str] = []

    def get_input_names(self):
        if self.error:
            raise self.error
        return self.inputs

    def get_output_names(self):
        return self.outputs

    def open_input(self, name):
        self.opened.append(name)
        return MemoryInput(SimClock())

    def open_output(self, name):
        self.opened.append(name)
        return MemoryOutput(SimClock())


def test_a_port_is_found_by_its_name_or_a_unique_part_of_it():
    assert find_port(NAMES[1], NAMES, "input") == NAMES[1]
    assert find_port("keystation", NAMES, "input") == NAMES[1]
    assert find_port("FLUID", NAMES, "output") == NAMES[2]
    with pytest.raises(PortError, match="matches 3 ports"):
        find_port(":", NAMES, "input")
    with pytest.raises(PortError, match=r"no MIDI output port 'Timidity'; output ports: 'Midi"):
        find_port("Timidity", NAMES, "output")
    with pytest.raises(PortError, match="did you mean 'FLUID Synth"):
        find_port("FLUID Synth (4242):Synth input port (4242:1) 128:1", NAMES, "output")
    with pytest.raises(PortError, match="output ports: none"):
        find_port("x", [], "output")
    with pytest.raises(PortError, match="no MIDI input port ' '"):
        find_port(" ", NAMES, "input")


@given(st.text(max_size=12), st.lists(st.text(max_size=12), max_size=5))
def test_finding_a_port_gives_one_of_the_names_or_a_port_error(name, names):
    try:
        found = find_port(name, names, "input")
    except PortError as exc:  # it names what was asked for, and why it is not one port
        assert f"port {name!r}" in str(exc)
        hits = [n for n in names if name.strip() and name.strip().lower() in n.lower()]
        assert name not in names and len(hits) != 1
        assert ("give more of its name" in str(exc)) == (len(hits) > 1)
    else:
        assert found in names


def test_without_python_rtmidi_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "rtmidi", None)  # import rtmidi raises ImportError
    with pytest.raises(PortError) as info:
        ports.port_names()
    assert str(info.value) == ("MIDI ports need python-rtmidi, which is not installed: "
                               "pip install 'jazzgen[live]'")


def test_a_system_without_midi_is_one_port_error(monkeypatch):
    fake = FakeBackend(error=OSError("MidiInAlsa::initialize: error creating ALSA sequencer"))
    monkeypatch.setattr(ports, "backend", lambda: fake)
    with pytest.raises(PortError, match=r"cannot list MIDI ports \(MidiInAlsa"):
        ports.port_names()


def test_ports_are_opened_by_the_names_found(monkeypatch):
    fake = FakeBackend(NAMES[:2], NAMES[2:])
    loads = []
    monkeypatch.setattr(ports, "backend", lambda: loads.append(1) or fake)
    inport, outport = ports.open_ports("keystation", "fluid")
    assert fake.opened == [NAMES[1], NAMES[2]]
    assert len(loads) == 1  # the backend is loaded once for both ports
    assert hasattr(inport, "iter_pending") and hasattr(outport, "send")
    assert isinstance(ports.open_output("synth"), MemoryOutput)
    with pytest.raises(PortError, match="no MIDI input port 'piano'"):
        ports.open_ports("piano", "fluid")


def test_note_events_read_note_ons_of_velocity_zero_as_note_offs():
    assert note_event(note_on(3, 60, 90)) == ("on", 3, 60, 90)
    assert note_event(mido.Message("note_on", channel=3, note=60, velocity=0)) == \
        ("off", 3, 60, 0)
    assert note_event(note_off(0, 61)) == ("off", 0, 61, 0)
    assert note_event(mido.Message("control_change", control=64, value=127)) is None
    assert [(m.control, m.value) for m in silence(2)] == [(64, 0), (123, 0)]


def test_memory_ports_hand_out_messages_in_time_and_keep_what_was_sent():
    clock = SimClock()
    inport = MemoryInput(clock, [(0.5, note_on(0, 62, 80)), (0.1, note_on(0, 60, 80))])
    assert list(inport.iter_pending()) == []
    clock.advance(0.2)
    assert [m.note for m in inport.iter_pending()] == [60]
    clock.advance(1.0)
    assert [m.note for m in inport.iter_pending()] == [62]
    assert list(inport.iter_pending()) == []
    out = MemoryOutput(clock)
    out.send(note_on(0, 60, 90))
    out.send(note_on(1, 48, 90))
    out.send(note_on(1, 52, 90))
    out.send(note_off(0, 60))
    assert out.sounding() == {(1, 48), (1, 52)} and out.sent[0][0] == 1.2
    for msg in silence(1):
        out.send(msg)
    assert out.sounding() == set()
    out.close()
    inport.close()
    assert out.closed and inport.closed


def test_an_output_that_will_not_open_closes_the_input_opened_for_it(monkeypatch):
    class Busy(FakeBackend):
        def open_input(self, name):
            self.port = super().open_input(name)
            return self.port

        def open_output(self, name):
            raise OSError("device busy")

    fake = Busy(NAMES[:2], NAMES[2:])
    monkeypatch.setattr(ports, "backend", lambda: fake)
    with pytest.raises(PortError, match=r"cannot open MIDI output 'FLUID Synth.*device busy"):
        ports.open_ports("keystation", "fluid")
    assert fake.port.closed
