"""jazzgen.music.chart: changes laid out as a chart that --chords reads back, and as JSON."""

import pytest

from jazzgen.errors import InvalidValueError
from jazzgen.music.chart import INFERRED, SYMBOLS, Chart, chart_of
from jazzgen.music.chords import ChordChange, parse_chord
from jazzgen.music.notes import Note, Score, TimeSignature, chord_at
from jazzgen.music.progressions import PROGRESSIONS, parse_changes, progression_changes


def _same_chords(a, b, end, step=24):
    """Both sets of changes sound the same chord on every beat before ``end``."""
    return all(chord_at(a, t) == chord_at(b, t) for t in range(0, end, step))


@pytest.mark.parametrize("name", [n for n in PROGRESSIONS if "%" not in PROGRESSIONS[n].changes])
def test_a_built_in_progression_comes_back_as_it_is_written(name):
    written = progression_changes(name)
    chart = Chart(parse_changes(written))
    assert chart.text() == "\n".join(" ".join(line.split()) for line in written.splitlines())


@pytest.mark.parametrize("name", list(PROGRESSIONS))
def test_the_chart_reads_back_as_the_same_changes(name):
    changes = parse_changes(progression_changes(name, "E" if name in ("blues", "rhythm")
                                                else None))
    text = Chart(changes).text()
    assert _same_chords(parse_changes(text), changes, changes[-1].end)
    assert all(line.count("|") == 4 for line in text.splitlines()[:-1])


def test_a_held_chord_is_written_again_in_every_bar_never_as_a_repeat_sign():
    chart = Chart(parse_changes("Dm7 | % | % | % | % | G7 |"))
    assert chart.text() == "Dm7 | Dm7 | Dm7 | Dm7 |\nDm7 | G7 |"
    assert "%" not in Chart(parse_changes(PROGRESSIONS["modal"].changes)).text()


def test_uneven_bars_gaps_and_the_last_chord():
    changes = parse_changes("F7 / / Bb7 | N.C. | Eb7 N.C.")
    chart = Chart(changes)
    assert chart.bars() == ["F7 / Bb7", "N.C.", "Eb7"]  # the last chord held to its bar's end
    assert _same_chords(parse_changes(chart.text()), changes, 96 * 2 + 48)
    late = Chart((ChordChange(96 * 2 + 48, 30, parse_chord("C7")),))
    assert late.text() == "N.C. | N.C. | N.C. C7 |"  # bars before the first chord stay


def test_bars_follow_the_meter_changes():
    changes = (ChordChange(0, 72, parse_chord("C7")), ChordChange(72, 102, parse_chord("F7")))
    chart = Chart(changes, (TimeSignature(0, 3, 4), TimeSignature(144, 4, 4)))
    assert chart.bars() == ["C7", "F7", "F7"]
    cut = Chart(changes, (TimeSignature(0), TimeSignature(120, 3, 4)))  # the 2nd bar cut short
    assert cut.bars() == ["C7 / F7", "F7", "F7"]  # 2 + 1 + 1 beats: C7 for three


def test_json_has_bars_chords_with_start_beats_meter_tempo_and_source():
    score = Score((Note(60, 0, 192),), parse_changes("Dm7 G7 | Cmaj7 |"), tempo=150.0)
    assert chart_of(score, INFERRED, ("Piano", "Bass")).to_json() == {
        "source": "inferred", "parts": ["Piano", "Bass"], "tempo": 150.0, "meter": "4/4",
        "time_signatures": [{"beat": 0.0, "meter": "4/4"}],
        "bars": ["Dm7 G7", "Cmaj7"],
        "chords": [{"symbol": "Dm7", "bar": 1, "beat": 0.0, "beats": 2.0},
                   {"symbol": "G7", "bar": 1, "beat": 2.0, "beats": 2.0},
                   {"symbol": "Cmaj7", "bar": 2, "beat": 4.0, "beats": 4.0}],
    }
    assert '"source": "inferred"' in chart_of(score, INFERRED).json()


def test_it_says_where_the_changes_came_from():
    changes = parse_changes("C7 |")
    assert Chart(changes).describe() == "chords from the file's chord symbols"
    assert Chart(changes, source=INFERRED, parts=("Piano", "Bass")).describe() == \
        "inferred from the accompaniment (piano, bass)"
    with pytest.raises(InvalidValueError, match="a chart's source"):
        Chart(changes, source="guessed")
    assert Chart(()).text() == "" and Chart(()).bars() == [] and SYMBOLS != INFERRED


def test_a_long_chart_is_laid_out_bar_by_bar():
    changes = parse_changes(" | ".join(["Cm7 F7", "Bbmaj7"] * 5000))
    bars = Chart(changes).bars()
    assert len(bars) == 10_000 and bars[-2:] == ["Cm7 F7", "Bbmaj7"]
