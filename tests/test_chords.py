"""Tests for jazzgen.chords (symbols, transposition) and jazzgen.chord_scales (scales, chord
inference)."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest

from jazzgen.errors import ChordSymbolError
from jazzgen.music.chords import Chord, parse_chord, parse_chord_or_none, transpose_symbol
from jazzgen.music.inference import chord_from_pitches
from jazzgen.music.scales import SCALES, chord_family, chord_scale, scale_name
from jazzgen.music.spelling import pitch_class_name, root_name

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
NAMES = {n: i for i, n in enumerate(FLATS)} | {"C#": 1, "D#": 3, "F#": 6, "G#": 8, "A#": 10}


def pcs(names: str) -> tuple[int, ...]:
    """Sorted pitch classes from note names: pcs("C Eb G Bb")."""
    return tuple(sorted({NAMES[n] for n in names.split()}))


# ---------------------------------------------------------------- parsing

GOOD = [
    # symbol, quality, chord tones
    ("C", "maj", "C E G"), ("CM", "maj", "C E G"), ("Cmaj", "maj", "C E G"),
    ("Cm", "m", "C Eb G"), ("Cmin", "m", "C Eb G"), ("C-", "m", "C Eb G"),
    ("Cmaj7", "maj7", "C E G B"), ("CM7", "maj7", "C E G B"), ("CΔ", "maj7", "C E G B"),
    ("CΔ7", "maj7", "C E G B"), ("Cma7", "maj7", "C E G B"), ("C^7", "maj7", "C E G B"),
    ("Cm7", "m7", "C Eb G Bb"), ("Cmin7", "m7", "C Eb G Bb"), ("C-7", "m7", "C Eb G Bb"),
    ("Bb7", "7", "Bb D F Ab"), ("Eb7", "7", "Eb G Bb Db"), ("B-7", "m7", "B D F# A"),
    ("F#m7b5", "m7b5", "F# A C E"), ("Cø", "m7b5", "C Eb Gb Bb"), ("Cø7", "m7b5", "C Eb Gb Bb"),
    ("Ch7", "m7b5", "C Eb Gb Bb"),
    ("Cdim", "dim", "C Eb Gb"), ("Co", "dim", "C Eb Gb"), ("Cdim7", "dim7", "C Eb Gb A"),
    ("Co7", "dim7", "C Eb Gb A"), ("C#07", "dim7", "C# E G Bb"), ("C°7", "dim7", "C Eb Gb A"),
    ("C6", "6", "C E G A"), ("Cm6", "m6", "C Eb G A"), ("C6/9", "69", "C D E G A"),
    ("C69", "69", "C D E G A"), ("Cm69", "m69", "C D Eb G A"),
    ("C9", "9", "C E G Bb D"), ("Cm9", "m9", "C Eb G Bb D"), ("Cmaj9", "maj9", "C E G B D"),
    ("C11", "11", "C E G Bb D F"), ("Cm11", "m11", "C Eb G Bb D F"),
    ("C13", "13", "C E G Bb D A"), ("Cm13", "m13", "C Eb G Bb D F A"),
    ("C7b9", "7b9", "C E G Bb Db"), ("C7#9", "7#9", "C E G Bb D#"),
    ("C7#11", "7#11", "C E G Bb F#"), ("C7b13", "7b13", "C E G Bb Ab"),
    ("C7#5", "7#5", "C E G# Bb"), ("C7+", "7#5", "C E G# Bb"), ("Caug7", "7#5", "C E G# Bb"),
    ("C+7", "7#5", "C E G# Bb"), ("Caug", "aug", "C E G#"), ("C+", "aug", "C E G#"),
    ("C7alt", "7alt", "C Db Eb E Gb Ab Bb"), ("C7b5", "7b5", "C E Gb Bb"),
    ("Csus4", "sus4", "C F G"), ("Csus", "sus4", "C F G"), ("C7sus4", "7sus4", "C F G Bb"),
    ("C7sus", "7sus4", "C F G Bb"), ("Csus2", "sus2", "C D G"), ("C9sus4", "9sus4", "C F G Bb D"),
    ("CmMaj7", "mmaj7", "C Eb G B"), ("Cm(maj7)", "mmaj7", "C Eb G B"),
    ("Cm/maj7", "mmaj7", "C Eb G B"), ("C-Δ7", "mmaj7", "C Eb G B"),
    ("Cadd9", "add9", "C E G D"), ("Cmadd9", "madd9", "C Eb G D"),
    ("C13b9", "13b9", "C E G Bb Db A"), ("C7b9b13", "7b9b13", "C E G Bb Db Ab"),
    ("C9#11", "9#11", "C E G Bb D F#"), ("C7(b9,#11)", "7b9#11", "C E G Bb Db F#"),
    ("C7#5#9", "7#5#9", "C E G# Bb D#"), ("Cmaj7#11", "maj7#11", "C E G B F#"),
    ("Cmaj7#5", "maj7#5", "C E G# B"), ("C7(13)", "13", "C E G Bb D A"),
    ("Cmb6", "mb6", "C Eb G Ab"), ("C7b9sus", "7b9sus4", "C F G Bb Db"), ("C5", "5", "C G"),
    ("B♭7", "7", "Bb D F Ab"), ("F♯m7", "m7", "F# A C# E"), ("Cb7", "7", "B Eb Gb A"),
]


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


# ---------------------------------------------------------------- spelling and transposition


def test_pitch_class_and_root_names():
    assert pitch_class_name(10) == "Bb" and pitch_class_name(10, prefer_flats=False) == "A#"
    assert pitch_class_name(13) == "Db"
    assert [root_name(pc, "7") for pc in (1, 3, 6, 8, 10)] == ["Db", "Eb", "Gb", "Ab", "Bb"]
    assert [root_name(pc, "m7") for pc in (1, 3, 6, 8, 10)] == ["C#", "Eb", "F#", "G#", "Bb"]
    assert [root_name(pc, "dim7") for pc in (1, 3, 6, 8, 10)] == ["C#", "D#", "F#", "G#", "Bb"]
    assert root_name(6, "maj7") == "Gb"


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


# ---------------------------------------------------------------- chord scales

SCALE_OF = [
    ("Cmaj7", "ionian"), ("C6", "ionian"), ("C", "ionian"), ("Cmaj7#11", "lydian"),
    ("Caug", "whole tone"), ("Cmaj7#5", "lydian augmented"),
    ("C7", "mixolydian"), ("C13", "mixolydian"), ("C7sus4", "mixolydian"),
    ("C7#11", "lydian dominant"), ("C7#5", "whole tone"), ("C7b13", "mixolydian b13"),
    ("C7b9", "half-whole diminished"), ("C7#9", "half-whole diminished"),
    ("C13b9", "half-whole diminished"), ("C7b9b13", "phrygian dominant"),
    ("C7alt", "altered"), ("C7#5#9", "altered"),
    ("Cm7", "dorian"), ("Cm6", "dorian"), ("Cm9", "dorian"), ("Cm", "dorian"),
    ("CmMaj7", "melodic minor"), ("Cm7b9", "phrygian"), ("Cmb6", "aeolian"),
    ("Cm7b5", "locrian"), ("Cm9b5", "locrian #2"),
    ("Cdim7", "whole-half diminished"), ("Cdim", "whole-half diminished"),
    ("C7b9sus", "phrygian"),
]


@pytest.mark.parametrize("symbol,name", SCALE_OF)
def test_chord_scale_names(symbol, name):
    chord = parse_chord(symbol)
    assert scale_name(chord) == name
    assert chord_scale(chord) == SCALES[name]  # root C: semitones = pitch classes


@pytest.mark.parametrize("symbol", [s for s, _, _ in GOOD] + ["F/G", "Cmaj7/E"])
def test_chord_scale_holds_every_chord_tone_including_third_and_seventh(symbol):
    chord = parse_chord(symbol)
    scale = chord_scale(chord)
    assert scale[0] == chord.root
    assert len(set(scale)) == len(scale) in (6, 7, 8)
    rel = {(pc - chord.root) % 12 for pc in chord.pcs}
    third = [i for i in (3, 4) if i in rel]
    seventh = [i for i in (9, 10, 11) if i in rel]
    assert {(chord.root + i) % 12 for i in third + seventh} <= set(scale)
    assert set(chord.pcs) <= set(scale), (symbol, scale_name(chord))


def test_chord_scale_moves_with_the_root():
    for root in range(12):
        chord = parse_chord(root_name(root, "7") + "7")
        assert chord_scale(chord) == tuple((root + i) % 12 for i in SCALES["mixolydian"])


def test_chord_family():
    families = {s: chord_family(parse_chord(s)) for s in
                ("Cmaj7", "C7", "C7#9", "Cm7", "Cm7b5", "Cdim7", "C7sus4", "C6")}
    assert families == {"Cmaj7": "major", "C7": "dominant", "C7#9": "dominant", "Cm7": "minor",
                        "Cm7b5": "half-diminished", "Cdim7": "diminished", "C7sus4": "sus",
                        "C6": "major"}


# ---------------------------------------------------------------- chords from pitches

VOICINGS = [
    ("Bbmaj7", [58, 62, 65, 69]),                 # close position
    ("Cmaj7", [48, 55, 59, 64]),                  # drop 2
    ("Dm7", [38, 53, 57, 60, 64]),                # rootless A form (Dm9) over the bass D
    ("G7", [43, 53, 57, 59, 64]),                 # rootless B form (G13) over G
    ("Cmaj7", [36, 52, 55, 59, 62]),              # rootless Cmaj9 over C
    ("Bb7", [46, 56, 60, 62, 67]),                # rootless Bb13 over Bb
    ("Ebm7", [39, 54, 58, 61, 65]),               # rootless Ebm9 over Eb
    ("Emaj7", [40, 56, 59, 63, 66]),              # rootless Emaj9 over E
    ("G7", [43, 53, 59, 63, 68]),                 # altered: b7 3 #5 b9 over G
    ("E7", [40, 56, 62, 65, 67]),                 # E7b9 rootless over E
    ("G7", [43, 59, 65]), ("Dm7", [38, 53, 60]), ("Cmaj7", [36, 52, 59]),  # shells
    ("Dm7b5", [38, 53, 56, 60]), ("F#m7b5", [42, 57, 60, 64]), ("Bdim7", [47, 50, 53, 56]),
    ("C7", [36, 52, 58, 63]),                     # the "Hendrix" 7#9
    ("C7sus4", [36, 53, 55, 58]), ("G7sus4", [43, 53, 57, 60]),  # F/G
    ("C6", [36, 52, 55, 57]), ("Am7", [45, 48, 52, 55]), ("Cm6", [36, 51, 55, 57]),
    ("AmMaj7", [45, 48, 52, 56]), ("C#m7", [37, 52, 56, 59]), ("Caug", [48, 52, 56]),
    ("Cm", [48, 51, 55]), ("Eb", [51, 55, 58, 63]), ("C", [48, 52]),
    ("Cmaj7", [40, 43, 47, 48]),                  # first inversion: the root still wins
]


@pytest.mark.parametrize("expected,pitches", VOICINGS)
def test_chord_from_pitches_recovers_standard_voicings(expected, pitches):
    chord = chord_from_pitches(pitches)
    assert chord is not None and chord.symbol == expected
    assert parse_chord(expected) == chord


def test_chord_from_pitches_needs_two_pitch_classes_and_takes_any_iterable():
    assert chord_from_pitches([]) is None
    assert chord_from_pitches([60]) is None
    assert chord_from_pitches([48, 60, 72]) is None
    assert chord_from_pitches(p for p in (43, 59, 65)) == parse_chord("G7")
    assert chord_from_pitches({65, 59, 43}) == parse_chord("G7")


def test_chord_from_pitches_is_fast():
    rng = random.Random(1)
    sets = [[rng.randrange(30, 90) for _ in range(rng.randrange(2, 7))] for _ in range(5000)]
    t0 = time.perf_counter()
    for s in sets:
        chord_from_pitches(s)
    assert time.perf_counter() - t0 < 2.0  # measured about 0.03 s


def test_chord_from_pitches_matches_template_chords_in_every_key():
    for quality in ("7", "m7", "maj7", "m7b5", "6", "m6", "7sus4", "mMaj7", "dim", "m"):
        for root in range(12):
            chord = parse_chord(root_name(root, quality.lower()) + quality)
            pitches = [36 + root] + [60 + pc for pc in chord.pcs]
            assert chord_from_pitches(pitches) == chord, chord.symbol


# ---------------------------------------------------------------- real chord charts


def jazz_standards_symbols() -> dict[str, int]:
    """Symbol -> count over every tune in JazzStandards.json (skips when it is absent)."""
    path = CORPORA / "chords" / "JazzStandards.json"
    if not path.exists():
        pytest.skip(f"{path} not present (shared corpora are not part of the repo)")
    counts: dict[str, int] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Chords":
                    for sym in re.split(r"[|,]", value):
                        if sym:
                            counts[sym] = counts.get(sym, 0) + 1
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return counts


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


def test_jazz_standards_chords_come_back_from_their_voicings():
    counts = jazz_standards_symbols()
    hits = total = 0
    for symbol, n in counts.items():
        if "(" in symbol or "/" in symbol:
            continue
        chord = parse_chord(symbol)
        found = chord_from_pitches([36 + chord.root] + [60 + pc for pc in chord.pcs])
        total += n
        hits += n * (found.root == chord.root and chord_family(found) == chord_family(chord))
    assert hits / total > 0.99  # measured 0.9987 over about 54,000 chords
