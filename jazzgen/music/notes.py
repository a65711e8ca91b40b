"""Small, frozen value types for music, with all times in integer ticks.

A tick is 1/24 of a quarter-note beat (``TICKS_PER_BEAT``), so one 4/4 bar is 96 ticks.
That grid holds every rhythm jazz needs exactly: straight and swung (2:1) eighths,
eighth and sixteenth triplets, sixteenths and thirty-seconds. It is also the grid the
Weimar Jazz Database MusicXML files are written on, so nothing is rounded away.

Only ``jazzgen.io`` knows about mido or music21; every other stage works on these types.
Chords (``Chord``, ``ChordChange``) live in ``jazzgen.music.chords`` beside their symbols.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

from jazzgen.errors import InvalidValueError
from jazzgen.music.chords import Chord, ChordChange

TICKS_PER_BEAT = 24
"""Ticks per quarter-note beat."""

@dataclass(frozen=True, slots=True)
class Note:
    """One sounding note: MIDI pitch, start and duration in ticks, MIDI velocity."""

    pitch: int
    start: int
    duration: int
    velocity: int = 90

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise InvalidValueError(f"pitch must be 0..127, got {self.pitch}")
        if self.start < 0:
            raise InvalidValueError(f"start must be >= 0 ticks, got {self.start}")
        if self.duration <= 0:
            raise InvalidValueError(f"duration must be > 0 ticks, got {self.duration}")
        if not 1 <= self.velocity <= 127:
            raise InvalidValueError(f"velocity must be 1..127, got {self.velocity}")

    @property
    def end(self) -> int:
        """Tick at which the note stops sounding."""
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """A time signature taking effect at ``start`` ticks."""

    start: int
    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        if self.numerator <= 0 or self.denominator not in (1, 2, 4, 8, 16, 32):
            raise InvalidValueError(f"bad time signature {self.numerator}/{self.denominator}")

    @property
    def bar_ticks(self) -> int:
        """Length of one bar in ticks."""
        return self.numerator * TICKS_PER_BEAT * 4 // self.denominator


@dataclass(frozen=True, slots=True)
class Part:
    """An accompanying part (comping, bass, drums) written beside the melody."""

    name: str
    notes: tuple[Note, ...]
    program: int = 0
    channel: int = 0
    is_drum: bool = False


@dataclass(frozen=True)
class Score:
    """A melody with its chord changes, meter and tempo: the unit every stage passes on.

    ``notes`` is the monophonic melody sorted by start; ``changes`` are sorted and do not
    overlap; ``parts`` are accompaniment (written out, never learned from).
    """

    notes: tuple[Note, ...]
    changes: tuple[ChordChange, ...] = ()
    time_signatures: tuple[TimeSignature, ...] = (TimeSignature(0),)
    tempo: float = 120.0
    title: str = ""
    parts: tuple[Part, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.time_signatures or self.time_signatures[0].start != 0:
            raise InvalidValueError("a score needs a time signature at tick 0")
        if not 10.0 <= self.tempo <= 1000.0:
            raise InvalidValueError(f"tempo must be 10..1000 BPM, got {self.tempo}")

    @property
    def end(self) -> int:
        """Last tick of the music (notes or changes)."""
        ends = [n.end for n in self.notes] + [c.end for c in self.changes]
        return max(ends, default=0)

    def bar_position(self, tick: int) -> int:
        """Ticks since the start of the bar that ``tick`` falls in."""
        sig, sig_start = signature_at(self.time_signatures, tick)
        return (tick - sig_start) % sig.bar_ticks

    def bar_starts(self, end: int | None = None) -> list[int]:
        """Ticks at which bars begin, up to (not including) ``end``."""
        end = self.end if end is None else end
        starts: list[int] = []
        sigs = self.time_signatures
        for i, sig in enumerate(sigs):
            stop = sigs[i + 1].start if i + 1 < len(sigs) else end
            starts.extend(range(sig.start, min(stop, end), sig.bar_ticks))
        return starts

    def chord_at(self, tick: int) -> Chord | None:
        """The chord sounding at ``tick``, or None (no chord)."""
        return chord_at(self.changes, tick)

    def transpose(self, semitones: int) -> Score:
        """The score moved by ``semitones``; InvalidValueError if a note leaves 0..127."""
        notes = tuple(replace(n, pitch=n.pitch + semitones) for n in self.notes)
        changes = tuple(
            ChordChange(c.start, c.duration, c.chord.transpose(semitones)) for c in self.changes
        )
        return replace(self, notes=notes, changes=changes)


def signature_at(sigs: tuple[TimeSignature, ...] | list[TimeSignature], tick: int
                 ) -> tuple[TimeSignature, int]:
    """The time signature in force at ``tick`` (the first one before it starts) and the tick
    where its bars are counted from."""
    idx = max(0, bisect.bisect_right([s.start for s in sigs], tick) - 1)
    return sigs[idx], sigs[idx].start


def chord_at(changes: tuple[ChordChange, ...] | list[ChordChange], tick: int) -> Chord | None:
    """The chord sounding at ``tick`` in sorted ``changes``, or None."""
    idx = bisect.bisect_right([c.start for c in changes], tick) - 1
    if idx >= 0 and changes[idx].start <= tick < changes[idx].end:
        return changes[idx].chord
    return None


def monophonic(notes: list[Note] | tuple[Note, ...], merge_gap: int = 0) -> tuple[Note, ...]:
    """Reduce notes to a single line: the highest note at each onset, cut at the next onset.

    Gaps shorter than ``merge_gap`` ticks are closed by lengthening the earlier note (for
    unquantised performances, where tiny gaps are timing noise rather than rests).
    """
    by_start: dict[int, Note] = {}
    for n in notes:
        best = by_start.get(n.start)
        if best is None or n.pitch > best.pitch:
            by_start[n.start] = n
    line = [by_start[s] for s in sorted(by_start)]
    out: list[Note] = []
    for i, n in enumerate(line):
        if i + 1 < len(line):
            nxt = line[i + 1].start
            end = min(n.end, nxt)
            if 0 < nxt - end < merge_gap:
                end = nxt
            n = replace(n, duration=end - n.start)
        out.append(n)
    return tuple(out)


def ticks_to_seconds(ticks: int, tempo: float) -> float:
    """Duration in seconds of ``ticks`` at ``tempo`` quarter-note BPM."""
    return ticks / TICKS_PER_BEAT * 60.0 / tempo


def bar_spans(score: Score) -> list[tuple[int, int, int]]:
    """Every bar of ``score`` as (start, stop, beat) ticks, the last bar completed.

    The beat is a quarter note, or a dotted quarter in 6/8, 9/8 and 12/8.
    """
    starts = score.bar_starts(max(score.end, 1))
    sigs = [signature_at(score.time_signatures, t)[0] for t in starts]
    stops = starts[1:] + [starts[-1] + sigs[-1].bar_ticks]
    beats = [TICKS_PER_BEAT * 3 // 2 if s.denominator == 8 and s.numerator in (6, 9, 12)
             else TICKS_PER_BEAT for s in sigs]
    return list(zip(starts, stops, beats, strict=True))
