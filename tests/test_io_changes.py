"""jazzgen.io.changes: a file's chart from its chord symbols, else from its accompaniment."""

import numpy as np
import pytest
from builders import line

from jazzgen.errors import ReadError
from jazzgen.generate.band import make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.io.changes import read_chart
from jazzgen.io.midi import write_midi
from jazzgen.music.chart import INFERRED, SYMBOLS
from jazzgen.music.notes import Note, Score, TimeSignature
from jazzgen.music.progressions import parse_changes

CHART = "Dm7 G7 | Cmaj7 | Cmaj7 | Em7b5 A7b9 |\nDm7 | G7 | C6 | C6 |"
"""Eight bars, written as ``jazzgen chords`` writes them."""


def band_file(path, symbols: bool, chart: str = CHART, seed: int = 0):
    """A MIDI file: a solo line, piano and bass over ``chart``; markers only if ``symbols``."""
    changes = parse_changes(chart)
    end = changes[-1].end
    solo = tuple(Note(*n) for n in line([72, 74, 76, 79] * (end // 48), step=12))
    parts = make_band(changes, (TimeSignature(0),), end, BandConfig(drums=False),
                      np.random.default_rng(seed))
    write_midi(Score(solo, changes if symbols else (), tempo=160.0, parts=parts), path)
    return path


LEAD_SHEET = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="3.1">
  <part-list><score-part id="P1"><part-name>Trumpet</part-name></score-part></part-list>
  <part id="P1">
    <measure number="1">
      <attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>
      </attributes>
      {h1}<note><pitch><step>D</step><octave>5</octave></pitch><duration>2</duration></note>
      {h2}<note><pitch><step>F</step><octave>5</octave></pitch><duration>2</duration></note>
    </measure>
    <measure number="2">
      {h3}<note><pitch><step>E</step><octave>5</octave></pitch><duration>4</duration></note>
    </measure>
    <measure number="3">
      {h4}<note><pitch><step>A</step><octave>4</octave></pitch><duration>4</duration></note>
    </measure>
  </part>
</score-partwise>
"""


def harmony(step: str, kind: str, alter: int = 0) -> str:
    """A MusicXML chord symbol."""
    root_alter = f"<root-alter>{alter}</root-alter>" if alter else ""
    return f"<harmony><root><root-step>{step}</root-step>{root_alter}</root><kind>{kind}</kind>" \
        "</harmony>"


def test_a_midi_file_s_chord_symbols_come_back_exactly(tmp_path):
    chart = read_chart(band_file(tmp_path / "s.mid", symbols=True))
    assert chart.source == SYMBOLS and chart.parts == ()
    assert chart.text() == CHART and chart.tempo == 160.0


def test_without_symbols_the_changes_are_inferred_from_piano_and_bass(tmp_path):
    chart = read_chart(band_file(tmp_path / "plain.mid", symbols=False))
    assert chart.source == INFERRED and chart.parts == ("Piano", "Bass")
    assert chart.describe() == "inferred from the accompaniment (piano, bass)"
    bars = chart.bars()
    assert bars[0] == "Dm7 G7" and bars[1:3] == ["Cmaj7", "Cmaj7"] and bars[4:6] == ["Dm7", "G7"]


def test_a_musicxml_lead_sheet_s_chord_symbols_come_back_exactly(tmp_path):
    path = tmp_path / "lead.musicxml"
    path.write_text(LEAD_SHEET.format(h1=harmony("D", "minor-seventh"), h2=harmony("G", "dominant"),
                                      h3=harmony("C", "major-seventh"),
                                      h4=harmony("B", "half-diminished", -1)))
    chart = read_chart(path)
    assert chart.source == SYMBOLS and chart.text() == "Dm7 G7 | Cmaj7 | Bbm7b5 |"


def test_a_file_with_neither_symbols_nor_accompaniment_is_refused(tmp_path):
    path = tmp_path / "bare.musicxml"
    path.write_text(LEAD_SHEET.format(h1="", h2="", h3="", h4=""))
    with pytest.raises(ReadError, match="bare.musicxml: no chord symbols, and no accompaniment"):
        read_chart(path)
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    with pytest.raises(ReadError, match="broken.mid: corrupt MIDI"):
        read_chart(broken)
