"""jazzgen.io.xml_direct: the standard-library MusicXML reader gives music21's exact Score.

Every case is read both ways (the direct reader itself, and ``read_musicxml`` forced onto
music21 with ``JAZZGEN_XML_READER=music21``) and the Scores must be equal. The session's
autouse ``_private_score_cache`` fixture (tests/conftest.py) keeps the parse cache in a temp
folder; ``read_musicxml`` itself never consults it.
"""

import zipfile

import pytest
from builders import SHARED

from jazzgen.errors import ReadError
from jazzgen.io import xml_direct
from jazzgen.io.musicxml import read_musicxml

pytestmark = pytest.mark.usefixtures("_private_score_cache")


def _score(*measures: str, parts: tuple[str, ...] = (), title: str = "") -> str:
    """A score-partwise document: one solo part of ``measures``, then any ``parts``."""
    bodies = [f'<measure number="{i + 1}">{m}</measure>' for i, m in enumerate(measures)]
    all_parts = ["".join(bodies), *parts]
    names = "".join(f'<score-part id="P{i}"><part-name>{"Solo" if i == 0 else "Bass"}'
                    f"</part-name></score-part>" for i in range(len(all_parts)))
    work = f"<work><work-title>{title}</work-title></work>" if title else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><score-partwise version="3.1">{work}'
            f"<part-list>{names}</part-list>"
            + "".join(f'<part id="P{i}">{p}</part>' for i, p in enumerate(all_parts))
            + "</score-partwise>")


def _note(step: str, octave: int, dur: int, kind: str = "quarter", alter: int | None = None,
          extra: str = "", inside: str = "") -> str:
    """A <note>: ``extra`` goes before <pitch>, ``inside`` after <duration>."""
    alt = f"<alter>{alter}</alter>" if alter is not None else ""
    return (f"<note>{extra}<pitch><step>{step}</step>{alt}<octave>{octave}</octave></pitch>"
            f"<duration>{dur}</duration>{inside}<type>{kind}</type></note>")


def _rest(dur: int, kind: str = "quarter", attrs: str = "") -> str:
    """A rest <note>."""
    return f"<note><rest{attrs}/><duration>{dur}</duration><type>{kind}</type></note>"


def _attributes(div: int = 2, beats: int = 4, beat_type: int = 4) -> str:
    """Divisions and a time signature."""
    return (f"<attributes><divisions>{div}</divisions><time><beats>{beats}</beats>"
            f"<beat-type>{beat_type}</beat-type></time></attributes>")


def _both(tmp_path, monkeypatch, text: str, track=None, name: str = "s.musicxml"):
    """The direct reader's Score, after checking it equals music21's for the same file."""
    path = tmp_path / name
    path.write_text(text)
    direct = xml_direct.read_direct(path, track)  # raises Unsupported if it would fall back
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    m21 = read_musicxml(path, track)
    monkeypatch.delenv("JAZZGEN_XML_READER")
    assert direct == m21
    assert read_musicxml(path, track) == m21
    return direct


FOUR = "".join(_note(s, 4, 2) for s in "CDEF")


def test_a_note_and_a_rest(tmp_path, monkeypatch):
    score = _both(tmp_path, monkeypatch, _score(_attributes() + _note("C", 4, 2) + _rest(2)
                                                + _note("G", 4, 4, "half")))
    assert [(n.pitch, n.start, n.duration) for n in score.notes] == [(60, 0, 24), (67, 48, 48)]
    assert score.title == "s" and score.tempo == 120


def test_a_tie_across_the_bar(tmp_path, monkeypatch):
    tied = _note("E", 4, 4, "half", inside='<tie type="start"/>')
    stop = _note("E", 4, 2, inside='<tie type="stop"/>')
    score = _both(tmp_path, monkeypatch, _score(_attributes() + _note("C", 4, 4, "half") + tied,
                                                stop + _rest(6, "half", "")))
    assert [(n.pitch, n.start, n.duration) for n in score.notes] == [(60, 0, 48), (64, 48, 72)]


def test_a_triplet(tmp_path, monkeypatch):
    trip = "<time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes>" \
           "</time-modification>"
    notes = "".join(_note(s, 4, 2, "eighth", inside=trip) for s in "CEG")
    score = _both(tmp_path, monkeypatch, _score(_attributes(div=3) + notes + _rest(9, "half")))
    assert [n.duration for n in score.notes] == [16, 16, 16]


def test_a_chord_keeps_its_highest_note(tmp_path, monkeypatch):
    chord = _note("C", 4, 8, "whole") + _note("G", 4, 8, "whole", extra="<chord/>")
    score = _both(tmp_path, monkeypatch, _score(_attributes() + chord))
    assert [(n.pitch, n.duration) for n in score.notes] == [(67, 96)]


def test_backup_with_two_voices(tmp_path, monkeypatch):
    upper = "".join(_note(s, 5, 2, inside="<voice>1</voice>") for s in "CDEF")
    lower = _note("C", 3, 8, "whole", inside="<voice>2</voice>")
    score = _both(tmp_path, monkeypatch, _score(
        _attributes() + upper + "<backup><duration>8</duration></backup>" + lower))
    assert [n.pitch for n in score.notes] == [72, 74, 76, 77]


def test_harmony_with_kind_bass_inversion_and_a_degree(tmp_path, monkeypatch):
    slash = ("<harmony><root><root-step>C</root-step></root><kind>minor-seventh</kind>"
             "<inversion>3</inversion><bass><bass-step>B</bass-step><bass-alter>-1</bass-alter>"
             "</bass></harmony>")
    ninth = ("<harmony><root><root-step>F</root-step><root-alter>1</root-alter></root>"
             "<kind>dominant</kind><degree><degree-value>9</degree-value>"
             "<degree-alter>-1</degree-alter><degree-type>add</degree-type></degree></harmony>")
    none = "<harmony><root><root-step>C</root-step></root><kind>none</kind></harmony>"
    score = _both(tmp_path, monkeypatch, _score(
        _attributes() + slash + _note("C", 4, 4, "half") + ninth + _note("F", 4, 4, "half"),
        none + FOUR))
    assert [(c.start, c.chord.symbol) for c in score.changes] == [(0, "Cm7/Bb"), (48, "F#7")]


def test_a_five_four_bar_in_four_four(tmp_path, monkeypatch):
    five = _attributes(beats=5) + FOUR + _note("G", 4, 2)
    score = _both(tmp_path, monkeypatch, _score(_attributes() + FOUR, five,
                                                _attributes(beats=4) + FOUR))
    assert [(t.start, t.numerator) for t in score.time_signatures] == [(0, 4), (96, 5), (216, 4)]


def test_a_pickup_measure(tmp_path, monkeypatch):
    score = _both(tmp_path, monkeypatch, _score(_attributes() + _note("G", 4, 2), FOUR, FOUR)
                  .replace('<measure number="1">', '<measure number="0" implicit="yes">'))
    assert [(t.start, t.numerator) for t in score.time_signatures] == [(0, 1), (24, 4)]


def test_metronome_marks(tmp_path, monkeypatch):
    mark = ('<direction><direction-type><metronome><beat-unit>quarter</beat-unit>'
            '<beat-unit-dot/><per-minute>92</per-minute></metronome></direction-type>'
            '<sound tempo="138"/></direction>')
    score = _both(tmp_path, monkeypatch, _score(_attributes() + mark + FOUR, title="Tune"))
    assert score.tempo == 138 and score.title == "Tune"
    sound_only = '<direction><direction-type><words>fast</words></direction-type>' \
                 '<sound tempo="200"/></direction>'
    assert _both(tmp_path, monkeypatch, _score(_attributes() + sound_only + FOUR)).tempo == 120


def test_rests_grace_notes_dynamics_and_forward(tmp_path, monkeypatch):
    grace = '<note><grace/><pitch><step>B</step><octave>4</octave></pitch><type>eighth</type>' \
            '</note>'
    loud = _note("C", 5, 2).replace("<note>", '<note dynamics="120">')
    score = _both(tmp_path, monkeypatch, _score(
        _attributes(beats=3) + _rest(6, "half", ' measure="yes"'), "",
        grace + loud + "<forward><duration>2</duration></forward>" + _note("E", 5, 2)))
    assert [(n.pitch, n.start, n.velocity) for n in score.notes] == [(72, 144, 108),
                                                                      (76, 192, 90)]


def test_the_track_picks_a_part(tmp_path, monkeypatch):
    bass = '<measure number="1">' + _attributes() + _note("C", 2, 8, "whole") + "</measure>"
    text = _score(_attributes() + FOUR, parts=(bass,))
    assert _both(tmp_path, monkeypatch, text, track="bass").notes[0].pitch == 36
    assert _both(tmp_path, monkeypatch, text, track=1).notes[0].pitch == 36
    assert _both(tmp_path, monkeypatch, text).notes[0].pitch == 60
    with pytest.raises(ReadError) as err:
        xml_direct.read_direct(tmp_path / "s.musicxml", track="piano")
    assert err.value.reason == ReadError.NO_MELODY


def test_an_mxl_zip(tmp_path, monkeypatch):
    path = tmp_path / "s.mxl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("META-INF/container.xml", '<container><rootfiles><rootfile full-path='
                   '"score.xml"/></rootfiles></container>')
        z.writestr("score.xml", _score(_attributes() + FOUR))
    direct = xml_direct.read_direct(path)
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    assert direct == read_musicxml(path)
    assert [n.pitch for n in direct.notes] == [60, 62, 64, 65]


def test_what_it_refuses_falls_back_to_music21(tmp_path, monkeypatch):
    odd = ("<harmony><root><root-step>C</root-step></root><kind>dominant</kind><degree>"
           "<degree-value>3</degree-value><degree-alter>0</degree-alter>"
           "<degree-type>subtract</degree-type></degree></harmony>")
    path = tmp_path / "odd.musicxml"
    path.write_text(_score(_attributes() + odd + FOUR))
    with pytest.raises(xml_direct.Unsupported):
        xml_direct.read_direct(path)
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    m21 = read_musicxml(path)
    monkeypatch.delenv("JAZZGEN_XML_READER")
    assert read_musicxml(path) == m21


def test_the_switch_forces_music21(tmp_path, monkeypatch):
    path = tmp_path / "s.musicxml"
    path.write_text(_score(_attributes() + FOUR))

    def refuse(*_args):
        raise AssertionError("the direct reader ran")

    monkeypatch.setattr(xml_direct, "read_direct", refuse)
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    assert [n.pitch for n in read_musicxml(path).notes] == [60, 62, 64, 65]


@pytest.mark.parametrize(("text", "reason"), [
    ("<score-partwise><part id='P1'><measure>", ReadError.UNREADABLE),
    ("<score-timewise/>", ReadError.UNREADABLE),
    (_score(_attributes() + _rest(8, "whole")), ReadError.NO_MELODY),
])
def test_broken_files_are_read_errors(tmp_path, monkeypatch, text, reason):
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(ReadError, match="bad.xml") as direct:
        read_musicxml(path)
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    with pytest.raises(ReadError) as m21:
        read_musicxml(path)
    assert direct.value.reason == m21.value.reason == reason


@pytest.mark.skipif(not (SHARED / "wjazzd" / "musicxml").is_dir(), reason="../shared absent")
@pytest.mark.parametrize("name", ["ArtPepper_BluesForBlanche_Solo.xml",
                                  "JohnColtrane_GiantSteps-1_Solo.xml"])
def test_wjazzd_solos_read_the_same(monkeypatch, name):
    path = SHARED / "wjazzd" / "musicxml" / name
    if not path.is_file():
        pytest.skip(f"{name} not in this WJazzD copy")
    direct = xml_direct.read_direct(path)
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    assert direct == read_musicxml(path)


def test_a_long_silence_is_cut_the_same_way_by_both_readers(tmp_path, monkeypatch):
    from jazzgen.music.notes import MAX_SILENCE_BARS

    empty = [_rest(8, "whole", ' measure="yes"') for _ in range(100)]
    path = tmp_path / "gap.musicxml"
    path.write_text(_score(_attributes() + _note("C", 4, 8, "whole"), *empty,
                           _note("D", 4, 8, "whole")))
    assert xml_direct.read_direct(path).notes[1].start == 101 * 96  # read as written, then
    score = read_musicxml(path)  # cut, as music21's Score is
    monkeypatch.setenv("JAZZGEN_XML_READER", "music21")
    assert read_musicxml(path) == score
    assert [(n.pitch, n.start) for n in score.notes] == [(60, 0), (62, 17 * 96)]
    assert score.notes[1].start - score.notes[0].end == MAX_SILENCE_BARS * 96
