"""jazzgen.io.backing: a backing track read with every voice kept, and written back event for
event with a solo track added, once or looped."""

import contextlib
import io
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jazzgen.errors import ReadError
from jazzgen.io.backing import MAX_REPEAT, backing_with_solo, read_backing
from jazzgen.io.midi import score_to_bytes
from jazzgen.music.humanize import Nudge
from jazzgen.music.notes import Note, Part, Score


def two_parts(tmp_path: Path, name: str = "b.mid") -> Path:
    piano = Part("Piano", (Note(60, 0, 48), Note(64, 0, 48), Note(67, 48, 48)), program=0,
                 channel=1)
    bass = Part("Bass", (Note(36, 0, 24), Note(43, 24, 24), Note(41, 48, 24)), program=32,
                channel=2)
    path = tmp_path / name
    path.write_bytes(score_to_bytes(Score((), parts=(piano, bass))))
    return path


def events(data: bytes) -> list[list]:
    out = []
    for t in mido.MidiFile(file=io.BytesIO(data)).tracks:
        now, msgs = 0, []
        for m in t:
            now += m.time
            msgs.append((now, m.copy(time=0)))
        out.append(msgs)
    return out


def test_every_voice_is_a_part_and_the_free_channel_is_found(tmp_path):
    backing = read_backing(two_parts(tmp_path))
    assert [p.name for p in backing.score.parts] == ["Piano", "Bass"]
    assert backing.score.notes == () and backing.score.changes == ()
    assert backing.channels == {0, 1, 2} and backing.free_channel() == 3


def test_written_back_event_for_event_with_the_solo_last(tmp_path):
    path = two_parts(tmp_path)
    backing = read_backing(path)
    solo = (Note(72, 0, 12), Note(74, 12, 12))
    data = backing_with_solo(backing, solo, tuple(Nudge(0, 0, 90) for _ in solo), channel=3,
                             program=65, markers=((0, "C7"),))
    before, after = events(path.read_bytes()), events(data)
    strip = [[e for e in t if e[1].type != "end_of_track"] for t in before]
    assert [[e for e in t if e[1].type != "end_of_track"] for t in after[:-1]] == strip
    added = [(t, m.type) for t, m in after[-1]]
    assert ("marker" in {m.type for _, m in after[-1]})
    assert [(t, m.note) for t, m in after[-1] if m.type == "note_on"] == [(0, 72), (240, 74)]
    assert added[0] == (0, "track_name")


def test_looped_the_notes_repeat_and_names_do_not(tmp_path):
    backing = read_backing(two_parts(tmp_path))
    data = backing_with_solo(backing, (), (), channel=3, program=0, repeat=3, loop=96)
    tracks = events(data)
    piano = tracks[2]
    names = [m for _, m in piano if m.type == "track_name"]
    ons = [t for t, m in piano if m.type == "note_on"]
    assert len(names) == 1 and len(ons) == 9
    assert ons[3:6] == [t + 96 * 20 for t in ons[:3]]  # a loop is 96 ticks = 1920 MIDI ticks
    with pytest.raises(ValueError, match="repeat"):
        backing_with_solo(backing, (), (), channel=3, program=0, repeat=MAX_REPEAT + 1)


def test_files_that_cannot_be_played_over(tmp_path):
    two = tmp_path / "two.mid"
    mido.MidiFile(type=2, tracks=[mido.MidiTrack([mido.Message("note_on", note=60),
                                                  mido.Message("note_off", note=60,
                                                               time=96)])]).save(two)
    with pytest.raises(ReadError, match="type 2"):
        read_backing(two)
    empty = tmp_path / "empty.mid"
    mido.MidiFile(type=1, tracks=[mido.MidiTrack()]).save(empty)
    with pytest.raises(ReadError, match="no notes"):
        read_backing(empty)
    gap = tmp_path / "gap.mid"
    gap.write_bytes(score_to_bytes(Score((), parts=(
        Part("Piano", (Note(60, 0, 96), Note(64, 40 * 96, 96))),))))
    with pytest.raises(ReadError, match="silence"):
        read_backing(gap)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_read_as_a_backing_or_a_read_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.mid"
    path.write_bytes(b"MThd" + data)
    with contextlib.suppress(ReadError):  # the only error a reader may raise
        read_backing(path)
