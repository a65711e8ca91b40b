"""jazzgen.music.spelling: note names and how chord charts spell roots."""

from __future__ import annotations

import pytest

from jazzgen.music.spelling import pitch_class_name, root_name, shift_note


def test_pitch_class_and_root_names():
    assert pitch_class_name(10) == "Bb" and pitch_class_name(10, prefer_flats=False) == "A#"
    assert pitch_class_name(13) == "Db"
    assert [root_name(pc, "7") for pc in (1, 3, 6, 8, 10)] == ["Db", "Eb", "Gb", "Ab", "Bb"]
    assert [root_name(pc, "m7") for pc in (1, 3, 6, 8, 10)] == ["C#", "Eb", "F#", "G#", "Bb"]
    assert [root_name(pc, "dim7") for pc in (1, 3, 6, 8, 10)] == ["C#", "D#", "F#", "G#", "Bb"]
    assert root_name(6, "maj7") == "Gb"


@pytest.mark.parametrize("letter,acc,semitones,steps,expected", [
    ("C", "", 2, 1, "D"), ("E", "", 1, 1, "F"), ("B", "b", 2, 1, "C"),
    ("C", "", 1, 1, "Db"), ("C", "", 1, 0, "C#"), ("F", "#", 1, 1, "G"),
    ("B", "#", 1, 1, "C#"), ("A", "♭", 3, 2, "Cb"), ("G", "", -1, 0, "Gb"),
    ("C", "", 2, 0, None),  # C## would need a double sharp
    ("E", "b", 0, 1, None),  # Fbb would need a double flat
])
def test_shift_note_moves_letter_and_pitch_together(letter, acc, semitones, steps, expected):
    assert shift_note(letter, acc, semitones, steps) == expected


def test_pitch_class_names_wrap_around_the_octave():
    assert [pitch_class_name(pc) for pc in (-2, 0, 12, 23)] == ["Bb", "C", "C", "B"]
    assert root_name(-1, "m7") == "B" and root_name(13, "dim7") == "C#"
