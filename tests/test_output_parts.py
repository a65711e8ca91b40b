"""jazzgen.output.parts: written parts for transposing instruments, read back from the
MusicXML the lead sheet writes for them, and checked against the MusicXML 4.0 schema."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from builders import chord, make_score, random_line

from jazzgen.errors import InvalidValueError
from jazzgen.generate.band_config import SOLO_INSTRUMENTS
from jazzgen.music import gm
from jazzgen.music.spelling import LETTER_PC
from jazzgen.output import parts, sheet
from jazzgen.output.parts import CONCERT, PARTS, WrittenPart

SCHEMA = Path(__file__).parent / "data" / "musicxml-4.0"

# Concert Eb major: Eb G Bb D | F Ab C Eb in quarters, over Ebmaj7 | Fm7 Bb7/D.
EB_LINE = [(63, 0, 24), (67, 24, 24), (70, 48, 24), (74, 72, 24), (65, 96, 24), (68, 120, 24),
           (72, 144, 24), (75, 168, 24)]
EB_CHANGES = [("Ebmaj7", 0, 96), ("Fm7", 96, 48), ("Bb7/D", 144, 48)]

# part: (semitones up, part name, written key, <transpose> values, chord roots, slash bass)
EXPECTED = {
    "C": (0, "Solo", -3, None, ["Eb", "F", "Bb"], "D"),
    "Bb": (2, "Solo in B♭", -1, (-1, -2, 0), ["F", "G", "C"], "E"),
    "tenor": (14, "Tenor Saxophone in B♭", -1, (-1, -2, -1), ["F", "G", "C"], "E"),
    "Eb": (9, "Solo in E♭", 0, (-5, -9, 0), ["C", "D", "G"], "B"),
    "alto": (9, "Alto Saxophone in E♭", 0, (-5, -9, 0), ["C", "D", "G"], "B"),
    "baritone": (21, "Baritone Saxophone in E♭", 0, (-5, -9, -1), ["C", "D", "G"], "B"),
    "F": (7, "Solo in F", -2, (-4, -7, 0), ["Bb", "C", "F"], "A"),
    "horn": (7, "Horn in F", -2, (-4, -7, 0), ["Bb", "C", "F"], "A"),
    "guitar": (12, "Guitar", -3, (0, 0, -1), ["Eb", "F", "Bb"], "D"),
}


def _written(xml: bytes) -> dict:
    """What a MusicXML lead sheet says, read with ElementTree: part name, key, clef sign,
    <transpose> values, (MIDI pitch, start tick) of every note, chord roots and basses.
    The clef is its sign, "8vb" added for an octave-down treble clef."""
    doc = ET.fromstring(xml)
    step = {"-1": "b", "1": "#", None: ""}
    notes, tick = [], 0
    for n in doc.iter("note"):
        dur = round(int(n.findtext("duration")) * 24 / int(doc.findtext(".//divisions")))
        p = n.find("pitch")
        if p is not None and n.find("tie[@type='stop']") is None:  # tied on: one note
            midi = (int(p.findtext("octave")) + 1) * 12 + LETTER_PC[p.findtext("step")] \
                + int(float(p.findtext("alter") or 0))
            notes.append((midi, tick))
        tick += dur
    trans = doc.find(".//transpose")
    return {
        "name": doc.findtext(".//part-name"),
        "instrument": doc.findtext(".//instrument-name"),
        "fifths": int(doc.findtext(".//key/fifths")),
        "clef": doc.findtext(".//clef/sign") + {"-1": "8vb"}.get(
            doc.findtext(".//clef/clef-octave-change"), ""),
        "transpose": None if trans is None else tuple(
            int(trans.findtext(t) or 0) for t in ("diatonic", "chromatic", "octave-change")),
        "transposes": len(doc.findall(".//transpose")),
        "notes": notes,
        "roots": [h.findtext("root/root-step") + step[h.findtext("root/root-alter")]
                  for h in doc.iter("harmony")],
        "basses": [h.findtext("bass/bass-step") + step[h.findtext("bass/bass-alter")]
                   for h in doc.iter("harmony") if h.find("bass") is not None],
    }


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_part_moves_notes_key_and_chords_by_its_interval(name):
    semitones, title, fifths, transpose, roots, bass = EXPECTED[name]
    score = make_score(EB_LINE, EB_CHANGES)
    assert sheet.key_fifths(score) == -3  # concert Eb major
    got = _written(sheet.lead_sheet_xml(score, part=PARTS[name]))
    assert got["notes"] == [(p + semitones, s) for p, s, _ in EB_LINE]
    assert got["fifths"] == fifths
    assert got["roots"] == roots and got["basses"] == [bass]
    assert got["name"] == got["instrument"] == title
    assert got["transpose"] == transpose
    assert got["clef"] == "G"


def test_chord_pitch_classes_move_with_the_roots():
    # every chord root (and the slash bass) moves by the same interval as the notes
    for name, (semitones, *_rest) in EXPECTED.items():
        part = PARTS[name]
        steps = part.key(-3)[1]
        for symbol, _, _ in EB_CHANGES:
            concert, written = chord(symbol), part.chord(chord(symbol), steps)
            assert written.root == (concert.root + semitones) % 12, (name, symbol)
            assert written.pcs == tuple(sorted((pc + semitones) % 12 for pc in concert.pcs))
            if concert.bass is not None:
                assert written.bass == (concert.bass + semitones) % 12


@pytest.mark.parametrize("concert,name,written", [
    (-3, "Bb", -1),    # concert Eb: F major for a B♭ instrument
    (-1, "alto", 2),   # concert F: D major for E♭ alto
    (4, "Bb", 6),      # concert E: F# major (six sharps), spelt as the interval spells it
    (5, "tenor", -5),  # concert B: D♭ major, not C# major's seven sharps
    (-6, "horn", -5),  # concert G♭: D♭ major for horn in F
    (6, "alto", -3),   # concert F#: E♭ major, not nine-sharp D#
    (-5, "alto", -2),  # concert D♭: B♭ major
    (3, "alto", 6),    # concert A: F# major
    (0, "guitar", 0),
    (-2, "C", -2),
])
def test_written_key_prefers_fewer_accidentals(concert, name, written):
    assert PARTS[name].key(concert)[0] == written


def test_chords_are_respelt_with_a_respelt_key():
    # concert F# major for tenor would be G# major (eight sharps): written A♭ major, and
    # the roots follow it (B -> D♭, F# -> A♭), not C#/G#
    score = make_score([(66, 0, 48), (70, 48, 48), (73, 96, 96)],
                       [("F#maj7", 0, 96), ("B7", 96, 48), ("C#7", 144, 48)])
    assert sheet.key_fifths(score) == 6
    got = _written(sheet.lead_sheet_xml(score, part=PARTS["tenor"]))
    assert got["fifths"] == -4
    assert got["roots"] == ["Ab", "Db", "Eb"]
    assert got["notes"] == [(80, 0), (84, 48), (87, 96)]


def test_transpose_element_is_written_once_at_the_start():
    got = _written(sheet.lead_sheet_xml(random_line(3, bars=4), part=PARTS["baritone"]))
    assert got["transposes"] == 1
    doc = ET.fromstring(sheet.lead_sheet_xml(random_line(3, bars=4), part=PARTS["baritone"]))
    first = doc.find(".//measure")
    assert first.find("attributes/transpose") is not None


def test_music21_reads_the_part_back_at_concert_pitch(tmp_path):
    from music21 import converter

    path = sheet.write_lead_sheet(make_score(EB_LINE, EB_CHANGES), tmp_path / "t.musicxml",
                                  part=PARTS["tenor"])
    parsed = converter.parse(str(path), forceSource=True, storePickle=False)
    assert parsed.parts[0].atSoundingPitch is False
    sounding = parsed.toSoundingPitch()
    notes = [n.pitch.midi for n in sounding.flatten().getElementsByClass("Note")]
    assert notes == [p for p, _, _ in EB_LINE]


def test_concert_part_is_the_sheet_as_before():
    score = random_line(3, bars=4)
    assert sheet.lead_sheet_xml(score) == sheet.lead_sheet_xml(score, part=CONCERT)
    assert b"<transpose>" not in sheet.lead_sheet_xml(score)


def test_clefs_by_instrument_and_range():
    low = make_score([(43, 0, 24), (47, 24, 24), (50, 48, 24), (53, 72, 24)], [("G7", 0, 96)])
    high = make_score([(67, 0, 24), (71, 24, 24), (74, 48, 24), (77, 72, 24)], [("G7", 0, 96)])
    assert _written(sheet.lead_sheet_xml(low, part=PARTS["trombone"]))["clef"] == "F"
    assert _written(sheet.lead_sheet_xml(high, part=PARTS["trombone"]))["clef"] == "G"
    assert _written(sheet.lead_sheet_xml(low, part=PARTS["C"]))["clef"] == "G8vb"
    lower = make_score([(36, 0, 24), (40, 24, 24), (43, 48, 24), (46, 72, 24)], [("C7", 0, 96)])
    assert _written(sheet.lead_sheet_xml(lower, part=PARTS["C"]))["clef"] == "F"
    assert _written(sheet.lead_sheet_xml(low, part=PARTS["tenor"]))["clef"] == "G"
    assert parts.clef_for(PARTS["piano"], 52) == "treble-8vb"
    assert parts.clef_for(PARTS["flute"], 40) == "treble"


def test_each_solo_instrument_reads_its_own_part():
    for name, program in SOLO_INSTRUMENTS.items():
        assert parts.part_for_program(program) is PARTS[name], name
    assert parts.part_for_program(60) is PARTS["horn"]
    assert parts.part_for_program(gm.ELECTRIC_PIANO) is PARTS["piano"]
    assert parts.part_for_program(27) is PARTS["guitar"]  # electric guitar (clean)
    assert parts.part_for_program(40) is CONCERT  # violin: not a part of ours
    assert parts.part_for_program(None) is CONCERT


def test_a_part_must_be_a_real_interval_up():
    with pytest.raises(InvalidValueError, match="3 semitones in 1 steps"):
        WrittenPart("x", 3, 1)
    with pytest.raises(InvalidValueError):
        WrittenPart("x", -2, -1)
    with pytest.raises(InvalidValueError, match="clef"):
        WrittenPart("x", clef="alto")
    assert WrittenPart("Solo in A", 3, 2).transpose_element() == (-2, -3, 0)


@pytest.fixture(scope="module")
def schema():
    xmlschema = pytest.importorskip(
        "xmlschema", reason="the MusicXML schema check needs the xmlschema package "
        "(pip install xmlschema)")
    return xmlschema.XMLSchema(
        str(SCHEMA / "musicxml.xsd"), allow="local",  # never fetch the imports' web copies
        locations=[("http://www.w3.org/XML/1998/namespace", str(SCHEMA / "xml.xsd")),
                   ("http://www.w3.org/1999/xlink", str(SCHEMA / "xlink.xsd"))])


@pytest.mark.parametrize("name", list(PARTS))
def test_every_part_is_valid_musicxml_4(schema, name):
    score = random_line(3, bars=4, changes=("Bb7", "C-7", "F#m7b5", "G7/B"))
    xml = sheet.lead_sheet_xml(score, part=PARTS[name]).decode()
    assert [str(e) for e in schema.iter_errors(xml)] == []


def test_the_schema_check_catches_a_misplaced_transpose(schema):
    xml = sheet.lead_sheet_xml(random_line(3, bars=2), part=PARTS["tenor"]).decode()
    start, end = xml.index("<transpose>"), xml.index("</transpose>") + len("</transpose>")
    block = xml[start:end]
    broken = (xml[:start] + xml[end:]).replace("<key>", block + "<key>", 1)  # before <key>
    assert list(schema.iter_errors(broken))
