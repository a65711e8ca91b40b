"""jazzgen.live.stream: a MIDI file sent to a port at its times (tempo changes honoured),
all notes off however it stops, unplayable files refused before a port is opened."""

from __future__ import annotations

import mido
import pytest
from builders import make_score

from jazzgen.errors import ReadError
from jazzgen.io.midi import write_midi
from jazzgen.live import ports, stream
from jazzgen.live.clock import SimClock
from jazzgen.live.ports import MemoryOutput


def notes_on(out: MemoryOutput) -> list[tuple[float, int]]:
    return [(round(t, 6), m.note) for t, m in out.sent if m.type == "note_on" and m.velocity]


@pytest.fixture
def lick(tmp_path):
    """Three notes at 120 BPM (half a second a beat), with a band part."""
    from jazzgen.music.notes import Note, Part

    score = make_score([(60, 0, 24), (62, 24, 24), (64, 72, 24)], tempo=120.0)
    score = type(score)(score.notes, tempo=120.0, parts=(
        Part("Bass", (Note(36, 0, 96),), program=32, channel=2),))
    return write_midi(score, tmp_path / "lick.mid")


def test_messages_go_out_at_their_times(lick):
    clock = SimClock(10.0)
    out = MemoryOutput(clock)
    played = stream.stream(lick, out, clock)
    assert sorted(notes_on(out)) == [(10.0, 36), (10.0, 60), (10.5, 62), (11.5, 64)]
    programs = [m.program for _, m in out.sent if m.type == "program_change"]
    assert programs == [66, 32]  # the solo's tenor sax, the bass
    assert played.seconds == 2.0 and played.messages == 10
    assert out.sounding() == set()
    # the end: sustain off and all notes off on every channel
    assert [(m.channel, m.control) for _, m in out.sent[-32:]] == [
        (c, cc) for c in range(16) for cc in (64, 123)]


def test_a_tempo_change_is_honoured(tmp_path):
    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    track = mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=500_000),
        mido.Message("note_on", note=60, velocity=90),
        mido.MetaMessage("set_tempo", tempo=250_000, time=96),  # 240 BPM from beat 2
        mido.Message("note_off", note=60, time=0),
        mido.Message("note_on", note=62, velocity=90, time=96),
        mido.Message("note_off", note=62, time=96)])
    mid.tracks.append(track)
    mid.save(tmp_path / "t.mid")
    clock = SimClock()
    out = MemoryOutput(clock)
    stream.stream(tmp_path / "t.mid", out, clock)
    assert notes_on(out) == [(0.0, 60), (0.75, 62)]


def test_an_interrupted_stream_still_silences_every_channel(lick):
    class Interrupting(SimClock):
        def sleep(self, seconds):
            super().sleep(seconds)
            if self.now() > 0.2:
                raise KeyboardInterrupt

    clock = Interrupting()
    out = MemoryOutput(clock)
    with pytest.raises(KeyboardInterrupt):
        stream.stream(lick, out, clock)
    assert sorted(notes_on(out)) == [(0.0, 36), (0.0, 60)]
    assert out.sounding() == set()


def test_files_that_cannot_be_played_are_read_errors(tmp_path, monkeypatch):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")  # truncated header
    with pytest.raises(ReadError, match="bad.mid: corrupt MIDI"):  # as io.midi says it
        stream.timed_messages(bad)
    key = tmp_path / "key.mid"  # a key signature mido cannot decode: once a traceback
    key.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x00\x60MTrk\x00\x00\x00\x0a"
                    b"\x00\xff\x59\x02\x20\x00\x00\xff\x2f\x00")
    with pytest.raises(ReadError, match="key.mid: corrupt MIDI"):
        stream.timed_messages(key)
    async_file = mido.MidiFile(type=2)
    async_file.tracks.append(mido.MidiTrack([mido.Message("note_on", note=60)]))
    async_file.save(tmp_path / "two.mid")
    with pytest.raises(ReadError, match="two.mid: cannot be played"):
        stream.timed_messages(tmp_path / "two.mid")
    with pytest.raises(ReadError, match="cannot read"):
        stream.timed_messages(tmp_path / "missing.mid")
    opened = []
    monkeypatch.setattr(ports, "open_output", lambda name: opened.append(name))
    with pytest.raises(ReadError):
        stream.play_to_port(bad, "synth")
    assert opened == []  # refused before any port is opened


def test_play_to_port_opens_streams_and_closes(lick, monkeypatch):
    clock = SimClock()
    out = MemoryOutput(clock)
    out.name = "FLUID Synth"
    monkeypatch.setattr(ports, "open_output", lambda name: out)
    played = stream.play_to_port(lick, "fluid", clock)
    assert out.closed and len(notes_on(out)) == 4
    assert played.describe() == "Sent 10 messages (2.0 s) to FLUID Synth"
