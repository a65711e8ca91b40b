"""The form a solo is played over: which changes, in which meter, for how long."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jazzgen.errors import ChangesError, GenerateError, InvalidValueError
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import TimeSignature
from jazzgen.music.progressions import parse_changes, progression_changes

DEFAULT_CHANGES = "blues"
"""The built-in progression played when no changes are given."""
DEFAULT_NOTES = 64
"""Sounding notes of a solo whose length is not given."""
MAX_BARS = 2000


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
        if self.chords and self.changes_name:
            raise GenerateError("give either written chords or a built-in progression, "
                                "not both")
        if self.chords and self.key:
            raise GenerateError("a key transposes a built-in progression; write the chords "
                                "in the key you want")

    def time_signature(self) -> TimeSignature:
        """The meter as a time signature at tick 0."""
        try:
            return TimeSignature(0, *self.meter)
        except InvalidValueError as exc:
            raise GenerateError(str(exc)) from None


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
    return changes, bars, label


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
