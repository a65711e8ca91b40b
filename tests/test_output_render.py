"""jazzgen.output.render: every file asked for, written beside a MIDI solo."""

from __future__ import annotations

import os

import pytest
from builders import band_score

from jazzgen.errors import MissingProgramError
from jazzgen.io.midi import write_midi
from jazzgen.output import audio
from jazzgen.output.render import Outputs, write_outputs


def test_render_all_writes_sheet_and_roll_beside_the_midi(tmp_path):
    from jazzgen.io.midi import write_midi

    midi = write_midi(band_score(), tmp_path / "take1.mid")
    from jazzgen.output.render import Outputs, write_outputs

    paths = write_outputs(midi, Outputs(sheet=True, roll=True))
    assert paths == [tmp_path / "take1.musicxml", tmp_path / "take1.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))


def test_nothing_asked_for_writes_nothing(tmp_path):
    midi = write_midi(band_score(), tmp_path / "take.mid")
    assert write_outputs(midi, Outputs()) == []
    assert os.listdir(tmp_path) == ["take.mid"]


def test_check_fails_before_any_work_only_when_audio_is_asked_for(monkeypatch):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    Outputs(sheet=True, roll=True).check()  # no synthesizer needed
    with pytest.raises(MissingProgramError) as info:
        Outputs(wav=True).check()
    assert info.value.program == "fluidsynth"


def _part_name(musicxml) -> str:
    import xml.etree.ElementTree as ET

    return ET.parse(musicxml).getroot().findtext(".//part-name")


def test_sheet_is_written_for_the_solo_instrument_of_the_midi_file(tmp_path):
    from jazzgen.music import gm
    from jazzgen.output.parts import PARTS

    score = band_score()
    alto = write_midi(score, tmp_path / "alto.mid", solo_program=gm.ALTO_SAX)
    write_outputs(alto, Outputs(sheet=True))  # read back, as jazzgen render does
    assert _part_name(tmp_path / "alto.musicxml") == "Alto Saxophone in E♭"
    write_outputs(alto, Outputs(sheet=True), score)  # given the score, as generate does
    assert _part_name(tmp_path / "alto.musicxml") == "Alto Saxophone in E♭"
    write_outputs(alto, Outputs(sheet=True, part=PARTS["horn"]))  # asked for: wins
    assert _part_name(tmp_path / "alto.musicxml") == "Horn in F"
    tenor = write_midi(score, tmp_path / "tenor.mid")  # jazzgen's default solo sound
    write_outputs(tenor, Outputs(sheet=True))
    assert _part_name(tmp_path / "tenor.musicxml") == "Tenor Saxophone in B♭"


def _file(tmp_path, tracks) -> str:
    """A type-1 MIDI file of (name, [(channel, program or None, pitches)]) tracks."""
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    for name, voices in tracks:
        trk = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
        for channel, program, pitches in voices:
            if program is not None:
                trk.append(mido.Message("program_change", channel=channel, program=program))
            for p in pitches:
                trk.append(mido.Message("note_on", channel=channel, note=p, velocity=90))
                trk.append(mido.Message("note_off", channel=channel, note=p, time=480))
        mid.tracks.append(trk)
    path = str(tmp_path / "in.mid")
    mid.save(path)
    return path


def test_solo_program_is_the_melody_tracks_or_none(tmp_path):
    from jazzgen.io.midi import read_midi
    from jazzgen.output.render import solo_program

    line = [60, 62, 64, 65, 67, 69, 71, 72]
    path = _file(tmp_path, [("Trumpet", [(0, 56, line)]), ("Bass", [(1, 32, [36, 43] * 4)])])
    assert solo_program(path, read_midi(path)) == 56
    path = _file(tmp_path, [("Lead", [(0, None, line)])])  # no program change: unknown
    assert solo_program(path, read_midi(path)) is None
    write_outputs(path, Outputs(sheet=True))
    assert _part_name(tmp_path / "in.musicxml") == "Solo"  # concert
    # one track, melody and chords on two channels: the channel read_midi left out
    path = _file(tmp_path, [("Song", [(0, 65, line), (1, 0, [48, 52, 55, 48, 52, 55])])])
    assert solo_program(path, read_midi(path)) == 65
    assert solo_program(tmp_path / "missing.mid", read_midi(path)) is None
