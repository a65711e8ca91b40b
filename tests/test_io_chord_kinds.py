"""MusicXML chord kinds name the chords jazz musicians write."""

from __future__ import annotations

import pytest

from jazzgen.io.chord_kinds import KIND_SUFFIX
from jazzgen.music.chords import parse_chord


@pytest.mark.parametrize("kind", sorted(KIND_SUFFIX))
def test_every_kind_reads_as_a_chord_symbol(kind):
    chord = parse_chord("C" + KIND_SUFFIX[kind])
    assert chord.root == 0 and 0 in chord.pcs and len(chord.pcs) >= 3


def test_kinds_give_the_chord_tones_their_names_promise():
    tones = {k: parse_chord("C" + KIND_SUFFIX[k]).pcs for k in KIND_SUFFIX}
    assert tones["dominant"] == tones["dominant-seventh"] == (0, 4, 7, 10)
    assert tones["half-diminished"] == (0, 3, 6, 10)
    assert tones["diminished-seventh"] == (0, 3, 6, 9)
    assert tones["minor-major-seventh"] == (0, 3, 7, 11)
    assert tones["suspended-fourth"] == (0, 5, 7)
