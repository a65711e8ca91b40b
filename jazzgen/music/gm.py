"""General MIDI numbers jazzgen writes: the drum channel and the programs it names.

Program numbers are 0-based, as in the MIDI byte (GM's "Tenor Sax" is patch 67, byte 66).
"""

from __future__ import annotations

DRUM_CHANNEL = 9
"""MIDI channel 10 (0-based 9): General MIDI percussion."""

ACOUSTIC_GRAND = 0
ELECTRIC_PIANO = 4
VIBRAPHONE = 11
DRAWBAR_ORGAN = 16
JAZZ_GUITAR = 26
ACOUSTIC_BASS = 32
TRUMPET = 56
TROMBONE = 57
SOPRANO_SAX = 64
ALTO_SAX = 65
TENOR_SAX = 66
BARITONE_SAX = 67
CLARINET = 71
FLUTE = 73

GUITARS = range(24, 32)
"""Programs of the guitar family (a comping part on one is called "Guitar")."""

SOLO_PROGRAM = TENOR_SAX
"""The solo's sound unless another is asked for."""
