"""jazzgen.music.chords: chord symbols read into pitch classes, slash basses, transposition."""

from __future__ import annotations

import re

import pytest
from builders import GOOD, NAMES, jazz_standards_symbols, pcs

from jazzgen.errors import ChordSymbolError
from jazzgen.music.chords import Chord, parse_chord, parse_chord_or_none, transpose_symbol

# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize("symbol,quality,tones", GOOD)
def test_parse_chord_pitch_classes_and_quality(symbol, quality, tones):
    chord = parse_chord(symbol)
    assert chord.pcs == pcs(tones)
    assert chord.quality == quality
    assert chord.root == NAMES[tones.split()[0]]
    assert chord.bass is None
    assert chord.symbol == symbol


@pytest.mark.parametrize("symbol,quality,tones", GOOD)
def test_quality_names_read_back_as_themselves(symbol, quality, tones):
    again = parse_chord("C" + quality)
    assert again.quality == quality
    shift = parse_chord(symbol).root
    assert tuple(sorted((pc + shift) % 12 for pc in again.pcs)) == pcs(tones)


@pytest.mark.parametrize("symbol,root,bass,tones", [
    ("Cmaj7/E", "C", "E", "C E G B"),
    ("C7/E", "C", "E", "C E G Bb"),
    ("F/A", "F", "A", "F A C"),
    ("F/G", "F", "G", "F A C G"),  # a bass outside the chord sounds, so it is a chord tone
    ("Bb7/D", "Bb", "D", "Bb D F Ab"),
    ("Cm7/Bb", "C", "Bb", "C Eb G Bb"),
    ("C6/9/E", "C", "E", "C D E G A"),
    ("Cm/maj7/A", "C", "A", "C Eb G B A"),
])
def test_slash_chords_keep_the_bass(symbol, root, bass, tones):
    chord = parse_chord(symbol)
    assert (chord.root, chord.bass, chord.pcs) == (NAMES[root], NAMES[bass], pcs(tones))


def test_symbol_is_kept_as_written_and_parses_are_cached():
    assert parse_chord("  C-7 ").symbol == "C-7"
    assert parse_chord("Bb13") is parse_chord("Bb13")


@pytest.mark.parametrize("bad", [
    "Hmaj7", "C7x", "Cfoo", "", "   ", "|", "c7", "C 7", "7", "Cmm7", "C7b9b9", "Cmsus4",
    "Cm7alt", "C7alt#9", "C(b9", "C7)", "C79b13", "Cj7", "C7//E", "C/", "C7/H", "Cb11x",
    "C#13#13", "Csus4sus", "C75", "C2", "Cm5", "%",
])
def test_junk_raises_naming_the_symbol(bad):
    with pytest.raises(ChordSymbolError, match=re.escape(f"unknown chord symbol {bad.strip()!r}")):
        parse_chord(bad)


def test_chord_symbol_error_is_a_value_error_with_the_symbol():
    with pytest.raises(ValueError) as info:
        parse_chord("Hmaj7")
    assert str(info.value) == "unknown chord symbol 'Hmaj7'"
    assert info.value.symbol == "Hmaj7"


def test_music21_flat_spelling_gets_a_hint():
    with pytest.raises(ChordSymbolError, match="write flats as 'b'"):
        parse_chord("B-m7")


def test_no_chord():
    for text in ("N.C.", "NC", " n.c. ", "N.C"):
        assert parse_chord_or_none(text) is None
    assert parse_chord_or_none("C7") == parse_chord("C7")
    with pytest.raises(ChordSymbolError, match="parse_chord_or_none"):
        parse_chord("N.C.")
    with pytest.raises(ChordSymbolError, match="'Hmaj7'"):
        parse_chord_or_none("Hmaj7")


M21_AGREES = ["", "m", "7", "maj7", "m7", "m7b5", "dim", "dim7", "6", "m6", "9", "m9", "11",
              "m11", "m13", "7b9", "7#9", "7#11", "9#11", "7b9b13", "7#5#9", "7sus4", "sus2",
              "+", "7+", "maj7#11", "add9", "7/E"]


def test_pitch_classes_agree_with_music21_where_it_reads_jazz_right():
    harmony = pytest.importorskip("music21.harmony")
    for root in ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"):
        for suffix in M21_AGREES:
            ours = parse_chord(root + suffix)
            # music21 spells flats with '-' and would misread 'Bb7' as a B chord.
            theirs = harmony.ChordSymbol(root.replace("b", "-") + suffix)
            assert ours.pcs == tuple(sorted({p.pitchClass for p in theirs.pitches})), root + suffix


def test_music21_and_we_differ_where_documented():
    # A dominant 13th leaves out the 11th; 13b9 has no natural 9th (music21 gives both).
    assert parse_chord("C13").pcs == pcs("C D E G A Bb")
    assert parse_chord("C13b9").pcs == pcs("C Db E G A Bb")


# ---------------------------------------------------------------- transposition


@pytest.mark.parametrize("symbol,semitones,expected", [
    ("C7", 1, "Db7"), ("C7", -2, "Bb7"), ("Cm7", 1, "C#m7"), ("Cm7", 6, "F#m7"),
    ("Em7b5", 4, "G#m7b5"), ("Cdim7", 3, "D#dim7"), ("Cmaj7", 6, "Gbmaj7"),
    ("D/F#", 2, "E/G#"), ("C7/E", 1, "Db7/F"), ("F/A", 1, "Gb/Bb"), ("Ab/C", 4, "C/E"),
    ("Bb7", 12, "Bb7"), ("A#7", 0, "A#7"), ("C-7", 3, "Eb-7"), ("C7(b9,#11)", 5, "F7(b9,#11)"),
    ("F#m7b5", -1, "Fm7b5"), (" G13 ", 2, "A13"), ("N.C.", 3, "N.C."),
])
def test_transpose_symbol(symbol, semitones, expected):
    assert transpose_symbol(symbol, semitones) == expected


@pytest.mark.parametrize("symbol", ["Bb7", "C-7", "F#m7b5", "Cmaj7/E", "C7alt", "Ebm6",
                                    "D7b9/F#", "Gsus4", "Abmaj7#11", "C#07"])
def test_transpose_round_trips_in_every_interval(symbol):
    chord = parse_chord(symbol)
    for n in range(-11, 12):
        moved = parse_chord(transpose_symbol(symbol, n))
        assert moved.pcs == tuple(sorted((pc + n) % 12 for pc in chord.pcs))
        assert moved.quality == chord.quality
        assert moved.root == (chord.root + n) % 12
        back = parse_chord(transpose_symbol(moved.symbol, -n))
        assert (back.root, back.pcs, back.bass) == (chord.root, chord.pcs, chord.bass)


def test_chord_transpose_uses_our_spelling():
    moved = parse_chord("Bb7/D").transpose(2)
    assert moved == Chord("C7/E", 0, pcs("C E G Bb"), "7", 4)


def test_transpose_rejects_junk():
    with pytest.raises(ChordSymbolError, match="'Hmaj7'"):
        transpose_symbol("Hmaj7", 2)


# ---------------------------------------------------------------- real chord charts


def test_every_jazz_standards_chord_reads():
    counts = jazz_standards_symbols()
    # Parenthesised symbols are iReal's alternate chords ("C7(Gm7)"), not chord symbols.
    plain = {s: n for s, n in counts.items() if "(" not in s}
    failed = [s for s in plain if _fails(s)]
    assert sum(plain.values()) > 50_000
    assert failed == []


def _fails(symbol: str) -> bool:
    """True when ``symbol`` does not parse."""
    try:
        parse_chord_or_none(symbol)
    except ChordSymbolError:
        return True
    return False


def test_a_text_longer_than_any_chord_symbol_is_refused_before_parsing():
    import time

    from jazzgen.music.chords import MAX_SYMBOL_CHARS

    assert parse_chord("Bbmaj7#11/F").bass == 5
    began = time.perf_counter()
    for text in ("C" + "add9" * 250_000, "C" + "(" * 10 ** 6):  # once quadratic: minutes
        with pytest.raises(ChordSymbolError, match=f"longer than {MAX_SYMBOL_CHARS} char"):
            parse_chord(text)
    assert time.perf_counter() - began < 1.0
