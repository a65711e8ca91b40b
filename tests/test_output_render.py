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
