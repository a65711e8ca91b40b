"""jazzgen.output.sheet: the MusicXML lead sheet, quantised, keyed, re-read by music21."""

from __future__ import annotations

from pathlib import Path

from builders import make_score, random_line

from jazzgen.music.notes import Note, Score, TimeSignature
from jazzgen.output import sheet


def test_quantise_straightens_swing_and_keeps_triplets():
    swung = make_score([(60, 0, 16), (62, 16, 8), (64, 24, 8), (65, 32, 8), (67, 40, 8),
                        (69, 48, 6), (71, 54, 6), (72, 60, 12)])
    notes, was_swung = sheet.quantise(swung)
    assert [(n.start, n.duration) for n in notes] == [
        (0, 12), (12, 12), (24, 8), (32, 8), (40, 8), (48, 6), (54, 6), (60, 12)]
    assert was_swung
    kept, was_swung = sheet.quantise(swung, swing_to_straight=False)
    assert [(n.start, n.duration) for n in kept[:2]] == [(0, 16), (16, 8)] and not was_swung
    # quarter-note triplets across the beat stay triplets rather than becoming eighths
    quarters = make_score([(60, 0, 16), (62, 16, 16), (64, 32, 16)])
    assert [n.start for n in sheet.quantise(quarters)[0]] == [0, 16, 32]


def test_key_signature_follows_the_changes():
    bb = make_score([(70, 0, 24)], [("Cm7", 0, 48), ("F7", 48, 48), ("Bbmaj7", 96, 96)])
    e = make_score([(64, 0, 24)], [("F#m7", 0, 48), ("B7", 48, 48), ("Emaj7", 96, 96)])
    assert sheet.key_fifths(bb) == -2
    assert sheet.key_fifths(e) == 4


def _parse(path: Path):
    from music21 import converter

    return converter.parse(str(path), forceSource=True, storePickle=False)


def _sounding(parsed) -> list[tuple[int, int, int]]:
    """(pitch, start, duration) ticks of the parsed notes, tied notes joined."""
    from music21 import harmony

    out: list[list[int]] = []
    for n in parsed.flatten().notes:
        if isinstance(n, harmony.ChordSymbol):
            continue
        item = [n.pitch.midi, round(float(n.offset) * 24), round(float(n.quarterLength) * 24)]
        if n.tie is not None and n.tie.type in ("continue", "stop"):
            out[-1][2] += item[2]
        else:
            out.append(item)
    return [tuple(x) for x in out]


def test_lead_sheet_reparses_with_the_same_notes_and_chords(tmp_path):
    from music21 import expressions, harmony, key, meter, tempo

    line = random_line(3, bars=4)  # swung eighths, triplets and rests
    symbols = ["Bb7", "C-7", "F#m7b5", "C7alt", "C6/9", "Ebmaj7#11", "G7/B", "Bb13"]
    changes = tuple(make_score([], [(s, i * 48, 48) for i, s in enumerate(symbols)]).changes)
    score = Score(line.notes + (Note(67, 380, 30),), changes, tempo=150.0, title="sheet")
    path = sheet.write_lead_sheet(score, tmp_path / "s.musicxml")
    parsed = _parse(path)
    expected = sheet.quantise(score)[0]
    assert _sounding(parsed) == [(n.pitch, n.start, n.duration) for n in expected]
    assert any(n.start % 24 in (8, 16) for n in expected)  # triplets survived as triplets
    got = list(parsed.recurse().getElementsByClass(harmony.ChordSymbol))
    assert [round(float(c.getOffsetInHierarchy(parsed)) * 24) for c in got] == \
        [c.start for c in changes]
    for c, cs in zip(changes, got, strict=True):
        pcs = {p.pitchClass for p in cs.pitches}
        implied_11th = {(c.chord.root + 5) % 12} if c.chord.quality.startswith("13") else set()
        assert cs.root().pitchClass == c.chord.root, c.chord.symbol
        assert pcs == set(c.chord.pcs) | implied_11th, c.chord.symbol
    assert [cs.chordKindStr for cs in got][:3] == ["7", "-7", "m7b5"]
    assert [k.sharps for k in parsed.recurse().getElementsByClass(key.KeySignature)] == \
        [sheet.key_fifths(score)]
    assert parsed.recurse().getElementsByClass(meter.TimeSignature)[0].ratioString == "4/4"
    assert parsed.recurse().getElementsByClass(tempo.MetronomeMark)[0].number == 150
    words = [w.content for w in parsed.recurse().getElementsByClass(expressions.TextExpression)]
    assert words == ["Swing"]


def test_a_transposed_sheet_moves_every_note_chord_and_the_key(tmp_path):
    from music21 import harmony, key

    from jazzgen.output.parts import PARTS

    symbols = ["Bb7", "C-7", "F#m7b5", "C7alt", "C6/9", "Ebmaj7#11", "G7/B", "Bb13"]
    changes = tuple(make_score([], [(s, i * 48, 48) for i, s in enumerate(symbols)]).changes)
    score = Score(random_line(3, bars=4).notes, changes, tempo=150.0, title="alto")
    alto = PARTS["alto"]  # E♭: written a major 6th (9 semitones) up
    parsed = _parse(sheet.write_lead_sheet(score, tmp_path / "a.musicxml", part=alto))
    assert _sounding(parsed) == [(n.pitch + 9, n.start, n.duration)
                                 for n in sheet.quantise(score)[0]]
    got = list(parsed.recurse().getElementsByClass(harmony.ChordSymbol))
    assert len(got) == len(changes)
    for c, cs in zip(changes, got, strict=True):
        assert cs.root().pitchClass == (c.chord.root + 9) % 12, c.chord.symbol
        implied_11th = {(c.chord.root + 5) % 12} if c.chord.quality.startswith("13") else set()
        assert {p.pitchClass for p in cs.pitches} == \
            {(pc + 9) % 12 for pc in set(c.chord.pcs) | implied_11th}, c.chord.symbol
    assert [(cs.root().name, cs.chordKindStr) for cs in got][:3] == [
        ("G", "7"), ("A", "-7"), ("D#", "m7b5")]  # roots spelt by the interval, suffix kept
    assert [k.sharps for k in parsed.recurse().getElementsByClass(key.KeySignature)] == \
        [alto.key(sheet.key_fifths(score))[0]]


def test_lead_sheet_handles_meter_changes_and_notes_over_bar_lines(tmp_path):
    from music21 import stream

    sigs = (TimeSignature(0, 3, 4), TimeSignature(144, 6, 8))
    score = make_score([(60, 0, 100), (62, 100, 8), (64, 108, 60), (65, 180, 30)],
                       [("Dm7", 0, 144), ("G7", 144, 144)], sigs=sigs)
    parsed = _parse(sheet.write_lead_sheet(score, tmp_path / "m.musicxml"))
    measures = list(parsed.parts[0].getElementsByClass(stream.Measure))
    assert [m.timeSignature.ratioString for m in measures if m.timeSignature] == ["3/4", "6/8"]
    assert len(measures) == 4
    assert _sounding(parsed) == [(n.pitch, n.start, n.duration) for n in sheet.quantise(score)[0]]


def test_the_same_solo_gives_the_same_bytes_in_a_fresh_process(tmp_path):
    # music21 draws random part ids and stamps today's date; the sheet carries neither.
    import subprocess
    import sys

    code = ("import sys; from builders import random_line; from jazzgen.output import sheet; "
            "sys.stdout.buffer.write(sheet.lead_sheet_xml(random_line(3, bars=4)))")
    here = Path(__file__).resolve().parent
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                           cwd=here).stdout for _ in range(2)]
    assert runs[0] == runs[1] == sheet.lead_sheet_xml(random_line(3, bars=4))
    assert b"<encoding-date>" not in runs[0] and b'<score-part id="P1">' in runs[0]
