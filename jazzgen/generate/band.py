"""The backing band written under a solo: comping, walking bass and swing drums.

Works on ``jazzgen.music`` values only (integer ticks, 24 per beat). All randomness comes
from the ``numpy.random.Generator`` passed in, so the same seed gives the same band.

Count-in: ticks cannot be negative, so with ``BandConfig(count_in=True)`` the drums click
the beats of bar ``[0, count_in_ticks(sigs))`` and the groove starts after it. The caller
must already have shifted the solo and the changes one bar later (``make_band`` refuses
changes that start inside the count-in bar). The clicks come in the "Drums" part even when
``drums=False``, since the soloist needs them either way.

Listening: given the solo's notes, comping and drums follow its density (the rule is in
:mod:`jazzgen.generate.dynamics`); without them the band plays as it always has.
"""

from __future__ import annotations

import numpy as np

from jazzgen.errors import BandError
from jazzgen.generate.band_config import BASS_CHANNEL, COMP_CHANNEL, BandConfig
from jazzgen.generate.bass import bass_notes
from jazzgen.generate.comping import comp_notes
from jazzgen.generate.drums import SIDE_STICK, drum_notes
from jazzgen.generate.dynamics import listen
from jazzgen.music import gm
from jazzgen.music.chords import NO_CHORD, ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Part, TimeSignature


def _grid(sigs: tuple[TimeSignature, ...], end: int) -> list[tuple[int, int, int]]:
    """Bars before ``end`` as (start, length, beat length) in ticks."""
    if not sigs or sigs[0].start != 0:
        raise BandError("the band needs a time signature at tick 0")
    bars = []
    for i, sig in enumerate(sigs):
        stop = sigs[i + 1].start if i + 1 < len(sigs) else end
        if stop <= sig.start and i + 1 < len(sigs):
            raise BandError(f"time signatures unsorted at tick {sigs[i + 1].start}")
        beat = TICKS_PER_BEAT * 4 // sig.denominator
        starts = range(sig.start, min(stop, end), sig.bar_ticks)
        bars.extend((s, sig.bar_ticks, beat) for s in starts)
    return bars


def count_in_ticks(time_signatures: tuple[TimeSignature, ...]) -> int:
    """Length of the count-in bar: the first bar of the first time signature."""
    if not time_signatures:
        raise BandError("the band needs a time signature at tick 0")
    return time_signatures[0].bar_ticks


def _clean_changes(changes: tuple[ChordChange, ...], end: int) -> list[ChordChange]:
    """Changes cut to ``end``, without no-chord entries; raises on overlap or disorder."""
    out: list[ChordChange] = []
    for c in changes:
        if out and c.start < out[-1].end:
            raise BandError(f"chord changes overlap or are unsorted at tick {c.start}")
        if c.start < end and c.chord.pcs and c.chord.symbol != NO_CHORD:
            out.append(ChordChange(c.start, min(c.end, end) - c.start, c.chord))
    return out


def make_band(
    changes: tuple[ChordChange, ...],
    time_signatures: tuple[TimeSignature, ...],
    end: int,
    config: BandConfig,
    rng: np.random.Generator,
    solo: tuple[Note, ...] | None = None,
) -> tuple[Part, ...]:
    """Comping, walking-bass and drum Parts over ``changes`` for the span [0, end); with the
    ``solo``'s notes, comping and drums listen to it (``dynamics``)."""
    if end < 0:
        raise BandError(f"end must be >= 0 ticks, got {end}")
    if config.swing is None:
        raise BandError("the band's swing follows the tempo: fix it with BandConfig.at_tempo "
                        "before the band plays")
    bars = _grid(time_signatures, end)
    cleaned = _clean_changes(changes, end)
    lead = count_in_ticks(time_signatures) if config.count_in else 0
    if cleaned and cleaned[0].start < lead:
        raise BandError(
            f"count-in needs changes shifted past tick {lead}, got one at {cleaned[0].start}"
        )
    # One child stream per instrument, so switching one off never changes the others.
    comp_rng, bass_rng, drum_rng = rng.spawn(3)
    beats = [t for s, length, beat in bars for t in range(s, s + length, beat)]
    windows = None if solo is None else listen(solo, bars)
    parts = []
    if config.piano:
        name = "Guitar" if config.comp_program in gm.GUITARS else "Piano"
        notes = comp_notes(cleaned, bars, config.swing, config, comp_rng, windows)
        parts.append(Part(name, _sorted(notes), config.comp_program, COMP_CHANNEL))
    if config.bass:
        notes = bass_notes(cleaned, beats, config.swing, config, bass_rng)
        parts.append(Part("Bass", _sorted(notes), config.bass_program, BASS_CHANNEL))
    if config.drums or config.count_in:
        groove = [b for b in bars if b[0] >= lead] if config.drums else []
        drums = drum_notes(groove, end, config.swing, config, drum_rng, windows)
        click_beat = TICKS_PER_BEAT * 4 // time_signatures[0].denominator
        clicks = [
            Note(SIDE_STICK, t, min(6, end - t), 95 if t == 0 else 80)
            for t in range(0, min(lead, end), click_beat)
        ]
        parts.append(Part("Drums", _sorted(clicks + drums), 0, gm.DRUM_CHANNEL, is_drum=True))
    return tuple(parts)


def _sorted(notes: list[Note]) -> tuple[Note, ...]:
    """Notes ordered by start, then pitch."""
    return tuple(sorted(notes, key=lambda n: (n.start, n.pitch)))
