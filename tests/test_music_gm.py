"""jazzgen.music.gm: the General MIDI numbers jazzgen writes are the 0-based bytes of the GM
program table and the percussion channel."""

from __future__ import annotations

from jazzgen.music import gm

# GM Level 1 sound set, as printed (1-based patch numbers).
GM_PATCHES = {
    "ACOUSTIC_GRAND": 1, "ELECTRIC_PIANO": 5, "VIBRAPHONE": 12, "DRAWBAR_ORGAN": 17,
    "JAZZ_GUITAR": 27, "ACOUSTIC_BASS": 33, "TRUMPET": 57, "TROMBONE": 58,
    "SOPRANO_SAX": 65, "ALTO_SAX": 66, "TENOR_SAX": 67, "BARITONE_SAX": 68,
    "CLARINET": 72, "FLUTE": 74,
}


def test_programs_are_the_gm_patches_less_one():
    assert {name: getattr(gm, name) + 1 for name in GM_PATCHES} == GM_PATCHES
    assert all(0 <= getattr(gm, name) <= 127 for name in GM_PATCHES)


def test_drum_channel_guitars_and_the_default_solo_sound():
    assert gm.DRUM_CHANNEL == 9  # channel 10 as people count
    assert gm.JAZZ_GUITAR in gm.GUITARS and len(gm.GUITARS) == 8  # GM patches 25..32
    assert gm.ACOUSTIC_GRAND not in gm.GUITARS and gm.ACOUSTIC_BASS not in gm.GUITARS
    assert gm.SOLO_PROGRAM == gm.TENOR_SAX
