"""jazzgen.music.scales: the chord scale and family of every chord quality."""

from __future__ import annotations

import pytest
from builders import GOOD

from jazzgen.music.chords import parse_chord
from jazzgen.music.scales import SCALES, chord_family, chord_scale, scale_name
from jazzgen.music.spelling import root_name

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
