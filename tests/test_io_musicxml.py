"""jazzgen.io.musicxml: notes, chord symbols, odd-length measures through music21, no pickles."""

import tempfile
from pathlib import Path

import pytest
from builders import SHARED

from jazzgen.errors import ReadError
from jazzgen.io.musicxml import read_musicxml


def _write_musicxml(path: Path) -> Path:
    """A two-part score: a solo with a triplet and a 5/4 bar, chord symbols, and a bass."""
    from music21 import harmony, meter, note, stream, tempo

    solo = stream.Part(id="Solo")
    m1 = stream.Measure(number=1)
    m1.append(meter.TimeSignature("4/4"))
    m1.append(tempo.MetronomeMark(number=176))
    m1.append(harmony.ChordSymbol(root="B-", kind="dominant-seventh"))
    for p in ("B-4", "D5", "F5"):
        n = note.Note(p, quarterLength=1 / 3)
        m1.append(n)
    m1.append(note.Note("A-4", quarterLength=3))
    m2 = stream.Measure(number=2)
    m2.append(meter.TimeSignature("5/4"))
    m2.append(harmony.ChordSymbol(root="E-", kind="major-seventh"))
    m2.append(note.Note("G4", quarterLength=5))
    m3 = stream.Measure(number=3)
    m3.append(meter.TimeSignature("4/4"))
    m3.append(harmony.ChordSymbol(root="C", kind="minor-seventh", bass="B-"))
    for p in ("C5", "E-5", "G5", "B-5"):
        m3.append(note.Note(p, quarterLength=1))
    solo.append([m1, m2, m3])
    bass = stream.Part(id="Bass")
    bass.append(note.Note("B-2", quarterLength=4))
    s = stream.Score([solo, bass])
    s.write("musicxml", fp=str(path))
    return path


def test_musicxml_notes_chords_meter_tempo(tmp_path):
    score = read_musicxml(_write_musicxml(tmp_path / "s.musicxml"))
    assert [(n.pitch, n.start, n.duration) for n in score.notes] == [
        (70, 0, 8), (74, 8, 8), (77, 16, 8), (68, 24, 72), (67, 96, 120),
        (72, 216, 24), (75, 240, 24), (79, 264, 24), (82, 288, 24)]
    assert [(c.chord.symbol, c.start) for c in score.changes] == [
        ("Bb7", 0), ("Ebmaj7", 96), ("Cm7/Bb", 216)]
    assert set(score.changes[0].chord.pcs) == {10, 2, 5, 8}  # really Bb7, not B
    assert score.changes[2].chord.bass == 10
    assert [(t.start, t.numerator) for t in score.time_signatures] == [(0, 4), (96, 5), (216, 4)]
    assert score.bar_position(216) == 0  # the bar after the 5/4 bar starts on its downbeat
    assert score.tempo == 176


def test_no_music21_pickles_are_written(tmp_path):
    scratch = Path(tempfile.gettempdir()) / "music21"
    before = set(scratch.glob("*")) if scratch.is_dir() else set()
    read_musicxml(_write_musicxml(tmp_path / "p.musicxml"))
    after = set(scratch.glob("*")) if scratch.is_dir() else set()
    assert after == before


def test_bad_musicxml(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<score-partwise><part id='P1'><measure>")
    with pytest.raises(ReadError, match="bad.xml"):
        read_musicxml(bad)


@pytest.mark.skipif(not (SHARED / "wjazzd" / "musicxml").is_dir(), reason="../shared absent")
def test_wjazzd_solo_with_a_five_beat_measure():
    score = read_musicxml(SHARED / "wjazzd" / "musicxml" / "ArtPepper_BluesForBlanche_Solo.xml")
    assert any(t.numerator == 5 for t in score.time_signatures)
    assert score.changes[0].chord.symbol == "Eb7"
    assert score.bar_position(253 * 24) == 0


ROOTLESS = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="3.1">
  <part-list><score-part id="P1"><part-name>Solo</part-name></score-part></part-list>
  <part id="P1"><measure number="1">
    <attributes><divisions>1</divisions></attributes>
    <harmony><kind>dominant</kind></harmony>
    <note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration>
      <type>whole</type></note>
  </measure></part>
</score-partwise>
"""
"""A chord symbol with a kind and no root: found by the fuzzer (music21's ChordSymbol.root()
recursed until RecursionError)."""


def test_a_chord_symbol_without_a_root_reads_as_no_chord(tmp_path, monkeypatch):
    path = tmp_path / "rootless.musicxml"
    path.write_text(ROOTLESS)
    score = read_musicxml(path)  # the direct reader leaves such a symbol to music21
    assert [(n.pitch, n.start, n.duration) for n in score.notes] == [(60, 0, 96)]
    assert score.changes == ()
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    assert read_musicxml(path) == score
