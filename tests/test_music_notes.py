"""jazzgen.music.notes, the value types: validation, bars, monophonic reduction, transposition."""

import pytest
from builders import make_score

from jazzgen.music.notes import Note, Score, TimeSignature, monophonic


def test_note_rejects_bad_values():
    with pytest.raises(ValueError, match="duration"):
        Note(60, 0, 0)
    with pytest.raises(ValueError, match="pitch"):
        Note(128, 0, 1)
    with pytest.raises(ValueError, match="start"):
        Note(60, -1, 1)


def test_bar_position_follows_a_meter_change():
    # two bars of 4/4 (96 ticks each), then 3/4 bars of 72 ticks
    score = Score(notes=(Note(60, 0, 24),),
                  time_signatures=(TimeSignature(0), TimeSignature(192, 3, 4)))
    assert score.bar_position(100) == 4
    assert score.bar_position(192 + 72 + 5) == 5
    assert score.bar_starts(400) == [0, 96, 192, 264, 336]


def test_monophonic_keeps_highest_and_cuts_overlaps():
    notes = [Note(60, 0, 48), Note(64, 0, 24), Note(62, 24, 24), Note(65, 49, 10)]
    line = monophonic(notes, merge_gap=2)
    assert [(n.pitch, n.start, n.duration) for n in line] == [
        (64, 0, 24), (62, 24, 25), (65, 49, 10)]  # the 1-tick gap closed


def test_transpose_moves_notes_and_chords():
    s = make_score([(60, 0, 24)], [("Bb7", 0, 96)]).transpose(2)
    assert s.notes[0].pitch == 62
    assert s.changes[0].chord.root == 0
    assert s.changes[0].chord.symbol == "C7"
    assert set(s.changes[0].chord.pcs) == {0, 4, 7, 10}
