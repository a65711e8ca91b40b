"""jazzgen.io.read: any score file read by its extension (MIDI through mido, MusicXML through
music21)."""

from __future__ import annotations

import pytest
from builders import make_score, random_line

from jazzgen.errors import ReadError
from jazzgen.io.midi import read_midi, write_midi
from jazzgen.io.read import MIDI_SUFFIXES, SUFFIXES, XML_SUFFIXES, read_score


def test_unknown_suffix(tmp_path):
    with pytest.raises(ReadError, match="unsupported file type"):
        read_score(tmp_path / "x.abc")


def test_unsupported_file_is_an_unreadable_read_error_with_its_path(tmp_path):
    path = tmp_path / "tune.abc"
    path.write_text("X:1\nK:C\nCDEF|\n")
    with pytest.raises(ReadError) as info:
        read_score(path)
    assert (info.value.path, info.value.reason) == (str(path), ReadError.UNREADABLE)
    assert all(s in str(info.value) for s in SUFFIXES)


@pytest.mark.parametrize("name", ["a.mid", "b.MID", "c.midi", "d.Smf", "e.rmi"])
def test_midi_suffixes_in_any_case_go_to_the_midi_reader(tmp_path, name):
    path = write_midi(random_line(3, bars=2), tmp_path / name)
    assert read_score(path) == read_midi(path)


def test_the_track_choice_is_passed_on(tmp_path):
    from dataclasses import replace

    from jazzgen.music.notes import Part

    low = make_score([(48 + i, 24 * i, 24) for i in range(8)]).notes
    score = replace(make_score([(72 + i, 24 * i, 24) for i in range(8)]),
                    parts=(Part("Second", low, 0, 1),))
    path = write_midi(score, tmp_path / "two.mid")
    assert read_score(path).notes[0].pitch == 72
    assert read_score(path, track="second").notes[0].pitch == 48


def test_musicxml_suffixes_go_to_music21(tmp_path):
    assert set(XML_SUFFIXES) == {".xml", ".musicxml", ".mxl"}
    assert not set(MIDI_SUFFIXES) & set(XML_SUFFIXES)
    bad = tmp_path / "broken.MusicXML"
    bad.write_text("<score-partwise>")  # not MIDI: the MIDI reader would say "no MThd"
    with pytest.raises(ReadError) as info:
        read_score(bad)
    assert "MThd" not in str(info.value) and "broken.MusicXML" in str(info.value)
