"""Tests for the default corpus: the source notation, its compiler and the committed files."""

from __future__ import annotations

import io
from pathlib import Path

import mido
import pytest

from midi_corpus import build

CORPUS = Path(__file__).resolve().parent.parent / "midi_corpus"
SOURCES = sorted((CORPUS / "src").glob("*.txt"))

HEADER = """title: Test tune
tempo: 120
time: 4/4
swing: {swing}
key: F
progression: jazz-blues
changes: {changes}
chorus 1
"""


def _source(tmp_path: Path, bars: str, swing: str = "2:1", changes: str = "| F7 | Bb7 |") -> Path:
    """Write a tiny source file and return its path."""
    path = tmp_path / "tiny.txt"
    path.write_text(HEADER.format(swing=swing, changes=changes) + bars + "\n", encoding="utf-8")
    return path


def _notes(path: Path) -> list[tuple[int, int, int]]:
    """(pitch, start, duration) of the compiled solo, in jazzgen ticks."""
    score = build.to_score(build.parse_file(path))
    return [(n.pitch, n.start, n.duration) for n in score.notes]


def test_bar_that_does_not_add_up_is_rejected_with_its_number(tmp_path: Path) -> None:
    path = _source(tmp_path, "| c5/1 |\n| c5/2 d5/4 e5/8 |")
    with pytest.raises(build.CorpusSourceError, match=r"tiny\.txt:10: chorus 1 bar 2: .* 84 ticks"):
        build.parse_file(path)


def test_chorus_with_wrong_bar_count_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(build.CorpusSourceError, match="chorus 1 has 1 bars, the form has 2"):
        build.parse_file(_source(tmp_path, "| c5/1 |"))


def test_bad_pitch_and_duration_are_named(tmp_path: Path) -> None:
    with pytest.raises(build.CorpusSourceError, match="bar 2: bad pitch 'h5'"):
        build.parse_file(_source(tmp_path, "| c5/1 | h5/1 |"))
    with pytest.raises(build.CorpusSourceError, match="bad duration '3'"):
        build.parse_file(_source(tmp_path, "| c5/3 | c5/1 |"))


def test_bad_chord_symbol_is_rejected_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(build.CorpusSourceError, match=r"tiny\.txt:7: bad chord symbol 'Hq7'"):
        build.parse_file(_source(tmp_path, "| c5/1 | c5/1 |", changes="| F7 | Hq7 |"))


def test_pitch_names_follow_middle_c_is_c4() -> None:
    names = ("c4", "bb3", "f#5", "cb5", "e#4")
    assert [build.parse_pitch(p) for p in names] == [60, 58, 78, 71, 65]


def test_swung_eighths_are_16_plus_8_ticks(tmp_path: Path) -> None:
    path = _source(tmp_path, "| c5/8 d5/8 e5/8 f5/8 g5/4 r/4 | r/8 a5/4 g5/8 r/2 |")
    assert _notes(path) == [
        (72, 0, 16), (74, 16, 8), (76, 24, 16), (77, 40, 8), (79, 48, 24),
        # an off-beat quarter starts late and ends late: 16..40 inside the bar
        (81, 96 + 16, 24), (79, 96 + 40, 8),
    ]


def test_straight_eighths_stay_even(tmp_path: Path) -> None:
    path = _source(tmp_path, "| c5/8 d5/8 e5/2. | r/1 |", swing="straight")
    assert _notes(path) == [(72, 0, 12), (74, 12, 12), (76, 24, 72)]


def test_triplets_and_sixteenths_are_exact_even_when_swung(tmp_path: Path) -> None:
    bars = "| {c5 d5 e5}/8t {f5 g5 a5 b5}/16 {c6 b5 a5 g5 f5 e5}/16t r/4 | c5/4t d5/4t e5/4t r/2 |"
    starts = [(s, d) for _, s, d in _notes(_source(tmp_path, bars))]
    assert starts == [
        (0, 8), (8, 8), (16, 8),
        (24, 6), (30, 6), (36, 6), (42, 6),
        (48, 4), (52, 4), (56, 4), (60, 4), (64, 4), (68, 4),
        (96, 16), (112, 16), (128, 16),
    ]


def test_ties_join_notes_across_the_bar_line(tmp_path: Path) -> None:
    path = _source(tmp_path, "| r/2. g5/4~ | g5/8 a5/8 r/2. |")
    assert _notes(path) == [(79, 72, 40), (81, 112, 8)]


def test_tie_to_another_pitch_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(build.CorpusSourceError, match="tie"):
        build.to_score(build.parse_file(_source(tmp_path, "| c5/1~ | d5/1 |")))


def test_midi_layout_contract(tmp_path: Path) -> None:
    path = _source(tmp_path, "| c5/8 >d5/8 (e5)/8 f5/8 g5/2 | r/1 |", changes="| F7 | Bb7 Bb7 |")
    midi = mido.MidiFile(file=io.BytesIO(build.compile_file(path)))
    assert (midi.type, midi.ticks_per_beat, len(midi.tracks)) == (1, 480, 3)
    names = [next(m.name for m in t if m.type == "track_name") for t in midi.tracks]
    assert names == ["Test tune", "Solo", "Chords"]
    markers, now = [], 0
    for msg in midi.tracks[0]:
        now += msg.time
        if msg.type == "marker":
            markers.append((now, msg.text))
    # repeated symbols are one change; 1 jazzgen tick = 20 MIDI ticks
    assert markers == [(0, "F7"), (96 * 20, "Bb7")]
    solo = [m for m in midi.tracks[1] if m.type in ("program_change", "note_on")]
    assert solo[0].program == 66 and all(m.channel == 0 for m in solo)
    vels = [m.velocity for m in solo[1:]]
    assert vels[1] > vels[0] > vels[2]  # accent, plain, ghost
    assert [m.time for m in midi.tracks[1] if m.type in ("note_on", "note_off")][:3] == [0, 320, 0]
    comp = [m for m in midi.tracks[2] if m.type == "note_on"]
    assert all(m.channel == 1 and m.velocity == 50 for m in comp)
    assert sorted(m.note % 12 for m in comp[:4]) == [0, 3, 5, 9]  # F A C Eb


def test_compiling_is_byte_for_byte_repeatable(tmp_path: Path) -> None:
    path = _source(tmp_path, "| c5/8 d5/8 e5/2. | r/1 |")
    assert build.compile_file(path) == build.compile_file(path)


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_committed_midi_matches_its_source(src: Path) -> None:
    mid = CORPUS / f"{src.stem}.mid"
    assert mid.exists(), f"{mid.name} missing: run python -m midi_corpus.build"
    assert mid.read_bytes() == build.compile_file(src), f"{mid.name} is stale: rebuild it"


def test_every_midi_has_a_source() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.mid")) == [s.stem for s in SOURCES]


def test_corpus_totals() -> None:
    tunes = [build.parse_file(s) for s in SOURCES]
    assert sum(len(t.choruses) for t in tunes) >= 40
    assert sum(t.note_count for t in tunes) >= 4000
    assert len({t.progression for t in tunes}) >= 6
    assert len({t.key for t in tunes}) >= 5


def test_corpus_stays_in_a_saxophone_range() -> None:
    pitches = [n.pitch for s in SOURCES for n in build.to_score(build.parse_file(s)).notes]
    assert min(pitches) >= 53
    assert max(pitches) <= 89


def test_build_writes_nothing_when_one_source_is_bad(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a_good.txt").write_text(
        HEADER.format(swing="2:1", changes="| F7 |") + "| c5/1 |\n", encoding="utf-8"
    )
    (src / "b_bad.txt").write_text(
        HEADER.format(swing="2:1", changes="| F7 |") + "| c5/2 |\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    with pytest.raises(build.CorpusSourceError, match="b_bad.txt"):
        build.build(src, out)
    assert not out.exists() or not list(out.iterdir())
    (src / "b_bad.txt").unlink()
    assert [p.name for p in build.build(src, out)] == ["a_good.mid"]
