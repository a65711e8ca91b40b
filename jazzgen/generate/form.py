"""The form a solo is played over: which changes, in which meter, for how long."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jazzgen.errors import ChangesError, GenerateError, InvalidValueError
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, TimeSignature
from jazzgen.music.progressions import parse_changes, progression_changes

DEFAULT_CHANGES = "blues"
"""The built-in progression played when no changes are given."""
DEFAULT_NOTES = 64
"""Sounding notes of a solo whose length is not given."""
MAX_NOTES = 5000
"""Most sounding notes one solo may ask for (about 20 minutes of eighth notes at 120 BPM)."""
MAX_BARS = 2000
"""Most bars one solo may last (its primer's bars not counted)."""
MAX_BAR_BEATS = 8
"""Longest bar, in quarter notes (8/4, 16/8): the network embeds bar positions up to here."""
MAX_PRIMER_NOTES = 2000
"""Most notes and rests a primer may feed the network."""
MAX_PRIMER_BARS = 256
"""Longest primer, in bars from its start to its last note's end."""


@dataclass(frozen=True)
class Form:
    """What to play over and for how long: one of ``length`` (sounding notes), ``bars`` or
    ``choruses``; written ``chords`` or a built-in progression (``changes_name``, moved to
    ``key``); the ``meter`` as (numerator, denominator)."""

    length: int | None = None
    bars: int | None = None
    choruses: int | None = None
    chords: str | None = None
    changes_name: str | None = None
    key: str | None = None
    meter: tuple[int, int] = (4, 4)

    def __post_init__(self) -> None:
        given = [x for x in (self.length, self.bars, self.choruses) if x is not None]
        if len(given) > 1:
            raise GenerateError("give only one of a length in notes, bars or choruses")
        if any(x <= 0 for x in given):
            raise GenerateError(f"length, bars and choruses must be positive, got {given[0]}")
        if self.length is not None and self.length > MAX_NOTES:
            raise GenerateError(f"a solo may have at most {MAX_NOTES} notes, "
                                f"{self.length} were asked for")
        if self.bars is not None and self.bars > MAX_BARS:
            raise GenerateError(f"a solo may last at most {MAX_BARS} bars, "
                                f"{self.bars} were asked for")
        if self.chords is not None and not self.chords.strip(" \t\r\n|"):
            raise GenerateError("the written changes are empty (no chord symbols given)")
        if self.chords and self.changes_name:
            raise GenerateError("give either written chords or a built-in progression, "
                                "not both")
        if self.chords and self.key:
            raise GenerateError("a key transposes a built-in progression; write the chords "
                                "in the key you want")

    def time_signature(self) -> TimeSignature:
        """The meter as a time signature at tick 0."""
        try:
            sig = TimeSignature(0, *self.meter)
        except InvalidValueError as exc:
            raise GenerateError(str(exc)) from None
        if sig.bar_ticks > MAX_BAR_BEATS * TICKS_PER_BEAT:
            raise GenerateError(f"a bar of {sig.numerator}/{sig.denominator} is longer than "
                                f"the limit of {MAX_BAR_BEATS} quarter notes (8/4)")
        return sig


def form_changes(form: Form, bar_ticks: int) -> tuple[tuple[ChordChange, ...], int, str]:
    """One chorus of the form's changes, its length in bars, and a label for it."""
    if form.chords:
        text, label = form.chords, "the given changes"
    else:
        name = form.changes_name or DEFAULT_CHANGES
        try:
            text = progression_changes(name, form.key)
        except ChangesError as exc:
            raise GenerateError(str(exc)) from None
        label = f"{name}" + (f" in {form.key}" if form.key else "")
    try:
        changes = parse_changes(text, bar_ticks=bar_ticks)
    except InvalidValueError as exc:
        raise GenerateError(str(exc)) from None
    if not changes:
        raise GenerateError("the changes hold no chords")
    bars = math.ceil(max(c.end for c in changes) / bar_ticks)
    if bars > MAX_BARS:
        raise GenerateError(f"the changes last {bars} bars; the limit is {MAX_BARS}")
    return changes, bars, label


def solo_bars(form: Form, form_bars: int) -> int | None:
    """The solo's length in bars when the form gives one (bars or choruses), within
    :data:`MAX_BARS`; None when it is given in notes."""
    bars = form.bars or (form.choruses or 0) * form_bars or None
    if bars is not None and bars > MAX_BARS:
        raise GenerateError(f"{form.choruses} choruses of {form_bars} bars make {bars} bars; "
                            f"a solo may last at most {MAX_BARS}")
    return bars


def repeat_form(form: tuple[ChordChange, ...], form_bars: int, bar_ticks: int, bars: int,
                offset: int = 0) -> tuple[ChordChange, ...]:
    """The form repeated to fill ``bars`` bars, starting at tick ``offset``."""
    out = []
    total = bars * bar_ticks
    for k in range(math.ceil(bars / form_bars)):
        for c in form:
            start = k * form_bars * bar_ticks + c.start
            if start >= total:
                break
            out.append(ChordChange(start + offset, min(c.duration, total - start), c.chord))
    return tuple(out)
