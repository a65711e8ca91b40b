"""Written parts for transposing instruments: how far above the sounding pitch a player
reads, the key and chord spelling that follow, the clef and the name on the part.

A tenor saxophone sounds a major ninth below what it reads, so its part is written a major
ninth (14 semitones, 8 letter steps) above concert pitch: concert Eb major is written in
F major, a concert Bb7 as C7. Parts are chosen by what the player holds (``tenor``,
``alto``, ``horn``) or by the key of a generic part (``C``, ``Bb``, ``Eb``, ``F``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from types import MappingProxyType

from jazzgen.errors import InvalidValueError
from jazzgen.music import gm
from jazzgen.music.chords import Chord, transpose_spelt

_STEP_SIZES = ((0,), (1, 2), (3, 4), (5, 6), (6, 7), (8, 9), (10, 11))
"""Semitones that an interval of 0..6 letter steps (unison..seventh) may span."""
CLEFS = ("treble", "bass", "")
"""A part's clef rule: always treble; bass unless the line sits high; "" by written range."""


@dataclass(frozen=True)
class WrittenPart:
    """How one instrument reads the solo: written pitch = sounding pitch + ``semitones``.

    ``steps`` is the same interval in letter names (a major ninth: 14 semitones, 8 steps),
    so keys and chord roots are spelt as the interval spells them; ``name`` goes on the part
    ("Tenor Saxophone in B♭"); ``clef`` is one of ``CLEFS``.
    """

    name: str
    semitones: int = 0
    steps: int = 0
    clef: str = ""

    def __post_init__(self) -> None:
        octaves, step = divmod(self.steps, 7)
        if self.steps < 0 or self.semitones - 12 * octaves not in _STEP_SIZES[step]:
            raise InvalidValueError(f"a part must be written 0 or more steps up, by an interval "
                                    f"of that many steps; got {self.semitones} semitones in "
                                    f"{self.steps} steps")
        if self.clef not in CLEFS:
            raise InvalidValueError(f"clef must be one of {CLEFS}, got {self.clef!r}")

    @property
    def transposing(self) -> bool:
        """Whether the part is written at another pitch than it sounds."""
        return self.semitones != 0

    def key(self, concert_fifths: int) -> tuple[int, int]:
        """The written key signature for a concert one (sharps > 0, flats < 0), and the letter
        steps that spell chord roots in it.

        Of two spellings the one with fewer accidentals wins: concert E major for a B♭ part
        is F# major (six sharps), concert B major is D♭ major (five flats) rather than C#.
        """
        fifths = concert_fifths + _interval_fifths(self.semitones, self.steps)
        # 12 fifths up is the same key a letter lower (C -> B#): respell with fewer accidentals.
        shift = -1 if fifths > 6 else 1 if fifths < -6 else 0
        return fifths + 12 * shift, (self.steps - shift) % 7

    def chord(self, chord: Chord, steps: int) -> Chord:
        """``chord`` as written: root and bass moved by the interval, letters by ``steps``."""
        if not self.transposing:
            return chord
        moved = chord.transpose(self.semitones)
        return replace(moved, symbol=transpose_spelt(chord.symbol, self.semitones, steps))

    def transpose_element(self) -> tuple[int, int, int]:
        """MusicXML ``<transpose>`` values (diatonic, chromatic, octave-change): what a reader
        adds to the written pitch to get the sounding one (a tenor part: -1, -2, -1)."""
        octaves, step = divmod(self.steps, 7)
        return -step, -(self.semitones - 12 * octaves), -octaves


def _interval_fifths(semitones: int, steps: int) -> int:
    """The interval's place on the line of fifths (a major second: 2, a major sixth: 3)."""
    for fifths in range(-6, 7):
        if (7 * fifths - semitones) % 12 == 0 and (4 * fifths - steps) % 7 == 0:
            return fifths
    raise InvalidValueError(f"no key moves by {semitones} semitones in {steps} steps")


CONCERT = WrittenPart("Solo")
"""The concert-pitch lead sheet, clef by range: what a part of no known instrument gets."""

PARTS = MappingProxyType({
    "C": CONCERT,
    "Bb": WrittenPart("Solo in B♭", 2, 1, "treble"),
    "Eb": WrittenPart("Solo in E♭", 9, 5, "treble"),
    "F": WrittenPart("Solo in F", 7, 4, "treble"),
    "soprano": WrittenPart("Soprano Saxophone in B♭", 2, 1, "treble"),
    "alto": WrittenPart("Alto Saxophone in E♭", 9, 5, "treble"),
    "tenor": WrittenPart("Tenor Saxophone in B♭", 14, 8, "treble"),
    "baritone": WrittenPart("Baritone Saxophone in E♭", 21, 12, "treble"),
    "trumpet": WrittenPart("Trumpet in B♭", 2, 1, "treble"),
    "clarinet": WrittenPart("Clarinet in B♭", 2, 1, "treble"),
    "horn": WrittenPart("Horn in F", 7, 4, "treble"),
    "trombone": WrittenPart("Trombone", clef="bass"),
    "flute": WrittenPart("Flute", clef="treble"),
    "vibes": WrittenPart("Vibraphone", clef="treble"),
    "piano": WrittenPart("Piano"),
    "guitar": WrittenPart("Guitar", 12, 7, "treble"),
})
"""Parts by what the player says: a key (C = concert, Bb, Eb, F: a major 2nd, major 6th,
perfect 5th up) or an instrument, whose octave matters (tenor: a major 9th up; baritone: an
octave and a major 6th; guitar: an octave). Read-only."""

_MUTED_TRUMPET, _FRENCH_HORN = 59, 60
_PROGRAM_PARTS = MappingProxyType({
    gm.SOPRANO_SAX: "soprano", gm.ALTO_SAX: "alto", gm.TENOR_SAX: "tenor",
    gm.BARITONE_SAX: "baritone", gm.TRUMPET: "trumpet", _MUTED_TRUMPET: "trumpet",
    gm.TROMBONE: "trombone", _FRENCH_HORN: "horn", gm.CLARINET: "clarinet",
    gm.FLUTE: "flute", gm.VIBRAPHONE: "vibes",
})
"""General MIDI programs (0-based) whose player reads a part of ``PARTS``."""


def part_for_program(program: int | None) -> WrittenPart:
    """The part a General MIDI program's player reads (0-based programs; pianos and guitars
    by family); the concert part for any other program, or for None (unknown)."""
    if program in _PROGRAM_PARTS:
        return PARTS[_PROGRAM_PARTS[program]]
    if program is not None and 0 <= program < 8:
        return PARTS["piano"]
    if program in gm.GUITARS:
        return PARTS["guitar"]
    return CONCERT


def clef_for(part: WrittenPart, median: int) -> str:
    """The clef of a part whose written pitches have ``median`` (a MIDI number): "treble",
    "treble-8vb" or "bass"."""
    if part.clef == "treble":
        return "treble"
    if part.clef == "bass":  # trombone: bass clef, up to a line mostly above its staff
        return "treble" if median >= 65 else "bass"
    return "treble" if median >= 60 else "treble-8vb" if median >= 48 else "bass"


def music21_part(written: WrittenPart):
    """An empty music21 Part named for its player; a transposing one is marked as written
    (not sounding) pitch and carries the interval that MusicXML's <transpose> states."""
    from music21 import instrument, interval, stream

    # Fixed ids: music21 would draw random ones, and the same solo would give other bytes.
    part = stream.Part(id="P1")
    part.partName = written.name
    solo = instrument.Instrument(instrumentName=written.name)
    solo.partId, solo.instrumentId = "P1", "P1-I1"
    if written.transposing:
        # sounding = written + this interval: down by the part's steps and semitones
        solo.transposition = interval.intervalFromGenericAndChromatic(
            -(written.steps + 1), -written.semitones)
        part.atSoundingPitch = False
    part.insert(0, solo)
    return part


def one_transpose(xml: bytes) -> bytes:
    """MusicXML with only its first <transpose>: music21 repeats it in every measure, each
    time in an <attributes> of its own, where one at the start says it all."""
    head, end, rest = xml.partition(b"</transpose>")
    rest = re.sub(rb"\s*<transpose>.*?</transpose>", b"", rest, flags=re.S)
    return head + end + re.sub(rb"\s*<attributes>\s*</attributes>", b"", rest)
