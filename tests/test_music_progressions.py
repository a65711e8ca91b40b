"""jazzgen.music.progressions: written changes and the built-in progressions."""

from __future__ import annotations

import dataclasses
import re

import pytest
from builders import NAMES

from jazzgen.errors import ChordSymbolError
from jazzgen.music.chords import ChordChange, parse_chord
from jazzgen.music.progressions import (
    PROGRESSIONS,
    format_changes,
    parse_changes,
    progression_changes,
)

# ---------------------------------------------------------------- written changes


def spans(changes) -> list[tuple[int, int, str]]:
    """(start, duration, symbol) per change."""
    return [(c.start, c.duration, c.chord.symbol) for c in changes]


def test_parse_changes_bars_and_splits():
    assert spans(parse_changes("F7 | Bb7 | F7 | Cm7 F7 |")) == [
        (0, 96, "F7"), (96, 96, "Bb7"), (192, 96, "F7"), (288, 48, "Cm7"), (336, 48, "F7")]
    # Three chords in 4/4: two beats, then one each; four: a beat each.
    assert spans(parse_changes("C Am7 Dm7 | E A D G")) == [
        (0, 48, "C"), (48, 24, "Am7"), (72, 24, "Dm7"),
        (96, 24, "E"), (120, 24, "A"), (144, 24, "D"), (168, 24, "G")]


def test_parse_changes_repeat_no_chord_and_hold():
    assert spans(parse_changes("Dm7 G7 | % |")) == [
        (0, 48, "Dm7"), (48, 48, "G7"), (96, 48, "Dm7"), (144, 48, "G7")]
    assert spans(parse_changes("N.C. | C7 NC |")) == [(96, 48, "C7")]
    assert spans(parse_changes("C / / D | / Em7")) == [
        (0, 72, "C"), (72, 24, "D"), (96, 48, "D"), (144, 48, "Em7")]
    # The same chord written twice stays two changes.
    assert spans(parse_changes("F7 | F7")) == [(0, 96, "F7"), (96, 96, "F7")]


def test_parse_changes_layout_start_and_meter():
    text = "| F7 |\n| Bb7 ||\nC7\n"
    assert spans(parse_changes(text)) == [(0, 96, "F7"), (96, 96, "Bb7"), (192, 96, "C7")]
    assert spans(parse_changes("Dm7 G7 | C", bar_ticks=72, start=24)) == [
        (24, 48, "Dm7"), (72, 24, "G7"), (96, 72, "C")]
    assert parse_changes("") == () and parse_changes(" | | ") == ()


@pytest.mark.parametrize("text,error,message", [
    ("F7 | Bb7 | Hmaj7 |", ChordSymbolError, "bar 3: unknown chord symbol 'Hmaj7'"),
    ("| F7 | C7x", ChordSymbolError, "bar 2: unknown chord symbol 'C7x'"),
    ("% | F7", ValueError, "bar 1: '%' with no bar before it"),
    ("F7 | F7 % |", ValueError, "bar 2: '%' must stand alone"),
    ("/ F7", ValueError, "bar 1: '/' with no chord before it"),
])
def test_parse_changes_errors_name_the_bar(text, error, message):
    with pytest.raises(error, match=re.escape(message)):
        parse_changes(text)


def test_parse_changes_too_many_chords_for_the_bar():
    with pytest.raises(ValueError, match="bar 1: 3 chords do not fit"):
        parse_changes("C D E", bar_ticks=2)
    with pytest.raises(ValueError, match="bar_ticks"):
        parse_changes("C", bar_ticks=0)


@pytest.mark.parametrize("text", [
    "F7 | Bb7 | F7 | Cm7 F7",
    "C Am7 Dm7 | E A D G | N.C. C7 | C / / D",
    "Dm7 G7 | % | / Cmaj7 | Cmaj7",
    "C D E F G A B C",
])
def test_format_changes_round_trips(text):
    changes = parse_changes(text)
    written = format_changes(changes)
    assert parse_changes(written) == changes
    assert format_changes(parse_changes(written)) == written


def test_format_changes_exact_text():
    assert format_changes(parse_changes("F7 | Bb7 | % |")) == "F7 | Bb7 | Bb7"
    assert format_changes(parse_changes("C / / D")) == "C / D"  # 3 slots: 2 + 1 + 1 beats
    assert format_changes(parse_changes("Dm7 G7", bar_ticks=72), bar_ticks=72) == "Dm7 G7"
    c7 = parse_chord("C7")
    assert format_changes([ChordChange(0, 192, c7)]) == "C7 | C7"
    assert format_changes([ChordChange(96, 48, c7)]) == "N.C. | C7 N.C."
    eighth = [ChordChange(0, 12, c7)]  # eight slots of 12 ticks; "/" holds the silence
    assert format_changes(eighth) == "C7 N.C. / / / / / /"
    assert parse_changes(format_changes(eighth)) == tuple(eighth)
    assert format_changes([]) == ""


# ---------------------------------------------------------------- built-in progressions

BARS = {"blues": 12, "minor-blues": 12, "rhythm": 32, "ii-v-i": 16, "minor-ii-v-i": 8,
        "modal": 32, "autumn-cycle": 32, "cycle-of-fourths-aaba": 32}


def bar_symbols(text: str) -> list[list[str]]:
    """The symbols sounding in each bar (one list per bar) of 4/4 changes."""
    bars: list[list[str]] = []
    for c in parse_changes(text):
        while len(bars) <= c.start // 96:
            bars.append([])
        bars[c.start // 96].append(c.chord.symbol)
    return bars


def test_all_progressions_are_there_and_frozen():
    assert set(BARS) <= set(PROGRESSIONS)
    prog = PROGRESSIONS["blues"]
    assert (prog.name, prog.key) == ("blues", "F")
    with pytest.raises(dataclasses.FrozenInstanceError):
        prog.key = "Bb"  # type: ignore[misc]
    with pytest.raises(TypeError):
        PROGRESSIONS["mine"] = prog  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(BARS))
def test_progressions_fill_their_bars(name):
    changes = parse_changes(PROGRESSIONS[name].changes)
    assert max(c.end for c in changes) == BARS[name] * 96
    assert sum(c.duration for c in changes) == BARS[name] * 96  # no gaps
    assert all(a.end == b.start for a, b in zip(changes, changes[1:], strict=False))
    assert progression_changes(name) == PROGRESSIONS[name].changes


def test_progression_contents():
    blues = bar_symbols(PROGRESSIONS["blues"].changes)
    assert blues[0] == ["F7"] and blues[1] == ["Bb7"] and blues[10] == ["F7", "D7"]
    rhythm = bar_symbols(PROGRESSIONS["rhythm"].changes)
    assert [b[0] for b in rhythm[16:24]] == ["D7", "D7", "G7", "G7", "C7", "C7", "F7", "F7"]
    assert rhythm[:8] == rhythm[8:14] + rhythm[6:8] and rhythm[24:] == rhythm[8:16]
    modal = bar_symbols(PROGRESSIONS["modal"].changes)
    assert modal == [["Dm7"]] * 16 + [["Ebm7"]] * 8 + [["Dm7"]] * 8
    minor = [parse_chord(b[0]).quality for b in bar_symbols(PROGRESSIONS["minor-ii-v-i"].changes)]
    assert minor[:4] == ["m7b5", "7b9", "m6", "mmaj7"]
    keys = {parse_chord(b[0]).root for b in bar_symbols(PROGRESSIONS["ii-v-i"].changes)[2::4]}
    assert len(keys) >= 2


TONICS = ["C", "Db", "D", "Eb", "E", "F", "F#", "Gb", "G", "Ab", "A", "Bb", "B", "C#"]


@pytest.mark.parametrize("name", sorted(BARS))
def test_progressions_transpose_to_every_key(name):
    prog = PROGRESSIONS[name]
    minor = prog.key.endswith("m")
    original = parse_changes(prog.changes)
    home = NAMES[prog.key.rstrip("m")]
    for tonic in TONICS:
        for key in (tonic, tonic + "m") if minor else (tonic,):
            text = progression_changes(name, key)
            moved = parse_changes(text)
            shift = (NAMES[tonic] - home) % 12
            assert [(c.start, c.duration, c.chord.quality) for c in moved] == \
                   [(c.start, c.duration, c.chord.quality) for c in original]
            for a, b in zip(original, moved, strict=True):
                assert b.chord.pcs == tuple(sorted((pc + shift) % 12 for pc in a.chord.pcs))
            assert not re.search(r"[A-G](bb|##)", text), text


def test_transposed_progressions_are_spelt_in_the_new_key():
    assert bar_symbols(progression_changes("blues", "Bb"))[:4] == [
        ["Bb7"], ["Eb7"], ["Bb7"], ["Fm7", "Bb7"]]
    assert bar_symbols(progression_changes("blues", "E"))[:6] == [
        ["E7"], ["A7"], ["E7"], ["Bm7", "E7"], ["A7"], ["A#dim7"]]
    assert progression_changes("minor-blues", "A") == progression_changes("minor-blues", "Am")
    assert bar_symbols(progression_changes("minor-blues", "F#m"))[0] == ["F#m7"]
    assert bar_symbols(progression_changes("autumn-cycle", "Em"))[:4] == [
        ["Am7"], ["D7"], ["Gmaj7"], ["Cmaj7"]]


def test_progression_errors():
    with pytest.raises(ValueError, match="unknown progression 'nope'.*blues.*rhythm"):
        progression_changes("nope")
    with pytest.raises(ValueError, match="unknown key 'H'"):
        progression_changes("blues", "H")
    with pytest.raises(ValueError, match="major key"):
        progression_changes("blues", "Am")
    with pytest.raises(ValueError, match="minor key"):
        progression_changes("minor-blues", "A major")
