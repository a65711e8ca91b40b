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
import functools
import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

from jazzgen.errors import InvalidValueError
from jazzgen.music.chords import Chord, ChordChange

TICKS_PER_BEAT = 24
"""Ticks per quarter-note beat."""

MAX_SILENCE_BARS = 16
"""The longest silence a read piece keeps, in bars of the meter in force there, a bar
counting as at least 4 beats (so 2/4 or 1/4 meter keeps 64 beats, as 4/4 does).

Where nothing sounds in any part and no chord changes for longer than this (before the first
note, between notes, or before a time signature after the last one), :func:`cut_silence`
shortens the stretch to at most this many bars, by whole bars, so every later bar line keeps
its place in the bar, and moves everything after it earlier. A file whose delta times are
huge (a note after a 2**27-tick pause) then costs what its notes cost, not its empty bars."""

MAX_PIECE_BARS = 20_000
"""The most bars a read piece may last once its silences are cut (11 hours of 4/4 at 120
BPM, far beyond any solo), a bar longer than 8 beats counting as one per 8 beats: every later
stage's work grows with a piece's length, so a longer file (a note held for a million bars)
is refused as unreadable. See :func:`length_in_bars`."""


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

    @functools.cached_property
    def _signature_starts(self) -> list[int]:
        """Where each time signature starts, listed once (bar_position is asked per beat)."""
        return [s.start for s in self.time_signatures]

    def bar_position(self, tick: int) -> int:
        """Ticks since the start of the bar that ``tick`` falls in."""
        sig, sig_start = signature_at(self.time_signatures, tick, self._signature_starts)
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


def signature_at(sigs: tuple[TimeSignature, ...] | list[TimeSignature], tick: int,
                 starts: list[int] | None = None) -> tuple[TimeSignature, int]:
    """The time signature in force at ``tick`` (the first one before it starts) and the tick
    where its bars are counted from. ``starts`` (the signatures' starts) saves a caller that
    asks often the O(signatures) step of listing them."""
    starts = [s.start for s in sigs] if starts is None else starts
    idx = max(0, bisect.bisect_right(starts, tick) - 1)
    return sigs[idx], sigs[idx].start


def bar_meters(score: Score, end: int | None = None) -> list[tuple[int, TimeSignature]]:
    """``score.bar_starts(end)`` with the time signature of each bar, in O(signatures + bars)."""
    end = score.end if end is None else end
    sigs = score.time_signatures
    out: list[tuple[int, TimeSignature]] = []
    for i, sig in enumerate(sigs):
        stop = sigs[i + 1].start if i + 1 < len(sigs) else end
        out.extend((t, sig) for t in range(sig.start, min(stop, end), sig.bar_ticks))
    return out


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


def cut_notes(notes: list[Note] | tuple[Note, ...], stop: int) -> tuple[Note, ...]:
    """The notes that start before tick ``stop``, one still sounding there cut at it."""
    return tuple(n if n.end <= stop else replace(n, duration=stop - n.start)
                 for n in notes if n.start < stop)


def cut_changes(changes: tuple[ChordChange, ...], stop: int) -> tuple[ChordChange, ...]:
    """The changes that start before ``stop``, the last one cut there."""
    return tuple(c if c.end <= stop else ChordChange(c.start, stop - c.start, c.chord)
                 for c in changes if c.start < stop)


def cut_score(score: Score, stop: int) -> Score:
    """``score`` up to tick ``stop``: melody, parts and changes cut there."""
    return replace(score, notes=cut_notes(score.notes, stop),
                   changes=cut_changes(score.changes, stop),
                   parts=tuple(replace(p, notes=cut_notes(p.notes, stop)) for p in score.parts))


def ticks_to_seconds(ticks: int, tempo: float) -> float:
    """Duration in seconds of ``ticks`` at ``tempo`` quarter-note BPM."""
    return ticks / TICKS_PER_BEAT * 60.0 / tempo


def piece_end(score: Score) -> int:
    """Last tick of anything in ``score``: melody, changes and accompaniment parts."""
    return max([score.end] + [n.end for p in score.parts for n in p.notes])


def bar_count(score: Score, end: int | None = None) -> int:
    """``len(score.bar_starts(end))``, counted per time signature, without listing the bars."""
    end = score.end if end is None else end
    sigs = score.time_signatures
    count = 0
    for i, sig in enumerate(sigs):
        stop = min(sigs[i + 1].start if i + 1 < len(sigs) else end, end)
        if stop > sig.start:
            count += -(-(stop - sig.start) // sig.bar_ticks)
    return count


def length_in_bars(score: Score) -> int:
    """How long ``score`` is, as :data:`MAX_PIECE_BARS` counts: its bars up to the end of
    every part, or its length in bars of 8/4 if that is more (very long bars)."""
    end = max(piece_end(score), 1)
    return max(bar_count(score, end), -(-end // (8 * TICKS_PER_BEAT)))


def cut_silence(score: Score, max_bars: int = MAX_SILENCE_BARS) -> Score:
    """``score`` with every silence longer than ``max_bars`` bars cut to at most that many
    (see :data:`MAX_SILENCE_BARS`); the score itself when there is none.

    Notes of every part, chord changes and time signatures after a cut move earlier by the
    ticks cut; time signatures inside a silence keep their own bars, nearest the music after
    it first, and one left no room is dropped (so a silence with meter changes may keep part
    of a bar more). Costs O(n log n) in notes and events, never a step per tick or bar of
    silence.
    """
    if max_bars < 1:
        raise InvalidValueError(f"the longest silence must be >= 1 bar, got {max_bars}")
    sigs = score.time_signatures
    sig_starts = [s.start for s in sigs]
    spans = sorted([(n.start, n.end) for n in score.notes]
                   + [(n.start, n.end) for p in score.parts for n in p.notes]
                   + [(t, t) for c in score.changes for t in (c.start, c.end)])
    cuts: list[tuple[int, int]] = []  # removed [start, stop) ticks, in order
    reach = 0  # where the sound so far ends
    short = max_bars * 4 * TICKS_PER_BEAT  # no silence this short needs a cut in any meter
    for start, end in spans:
        if start - reach > short:
            cuts += _silence_cuts(sigs, sig_starts, reach, start, max_bars)
        reach = max(reach, end)
    if sig_starts[-1] - reach > short:  # a meter change after the music: the silence to it
        cuts += _silence_cuts(sigs, sig_starts, reach, sig_starts[-1], max_bars)
    if not cuts:
        return score
    firsts = [a for a, _ in cuts]
    before = [0]  # ticks removed before each cut
    for a, b in cuts:
        before.append(before[-1] + b - a)

    def at(tick: int) -> int:
        k = bisect.bisect_right(firsts, tick) - 1
        return tick if k < 0 else tick - before[k] - min(tick, cuts[k][1]) + cuts[k][0]

    def moved(notes: tuple[Note, ...]) -> tuple[Note, ...]:
        return tuple(Note(n.pitch, at(n.start), n.duration, n.velocity) for n in notes)

    changes = tuple(ChordChange(at(c.start), at(c.end) - at(c.start), c.chord)
                    for c in score.changes)
    kept = {at(s.start): s for s in sigs}  # a signature moved onto a later one gives way
    return replace(score, notes=moved(score.notes), changes=changes,
                   time_signatures=tuple(replace(s, start=t) for t, s in kept.items()),
                   parts=tuple(replace(p, notes=moved(p.notes)) for p in score.parts))


def _silence_cuts(sigs: tuple[TimeSignature, ...], sig_starts: list[int], start: int, stop: int,
                  max_bars: int) -> list[tuple[int, int]]:
    """The [start, stop) ticks to remove from the silence ``start``..``stop`` so that it lasts
    at most ``max_bars`` bars (of at least 4 beats): whole bars from the end of each stretch
    of one time signature, the stretch nearest ``stop`` keeping its bars first. A stretch
    left no room goes whole if it begins with its time signature; the first one, whose bars
    began before the silence, keeps the part of a bar that puts the next change on a bar
    line."""
    lo = bisect.bisect_right(sig_starts, start)
    hi = bisect.bisect_left(sig_starts, stop)
    if lo == hi:  # one meter throughout (the usual case): whole bars off the end
        bar = sigs[lo - 1].bar_ticks
        over = stop - start - max_bars * max(bar, 4 * TICKS_PER_BEAT)
        return [(stop - bar * -(-over // bar), stop)] if over > 0 else []
    edges = [start, *sig_starts[lo:hi], stop]
    meters = [signature_at(sigs, start, sig_starts)[0], *sigs[lo:hi]]
    budget: int | Fraction = max_bars  # bars left; a Fraction once a stretch took part of one
    out = []
    for i in reversed(range(len(meters))):
        length, bar = edges[i + 1] - edges[i], meters[i].bar_ticks
        unit = max(bar, 4 * TICKS_PER_BEAT)  # what one bar of the budget allows
        cut = min(length, bar * max(0, math.ceil(Fraction(length - budget * unit, bar))))
        if i == 0 and meters[0].start != start:  # its bars began before the silence: keep
            cut = min(cut, bar * (length // bar))  # the next meter change on a bar line
        if cut:
            out.append((edges[i + 1] - cut, edges[i + 1]))
        if i:
            budget = max(Fraction(0), budget - Fraction(length - cut, unit))
    return out[::-1]


def bar_spans(score: Score) -> list[tuple[int, int, int]]:
    """Every bar of ``score`` as (start, stop, beat) ticks, the last bar completed.

    The beat is a quarter note, or a dotted quarter in 6/8, 9/8 and 12/8.
    """
    bars = bar_meters(score, max(score.end, 1))
    starts, sigs = [t for t, _ in bars], [sig for _, sig in bars]
    stops = starts[1:] + [starts[-1] + sigs[-1].bar_ticks]
    beats = [TICKS_PER_BEAT * 3 // 2 if s.denominator == 8 and s.numerator in (6, 9, 12)
             else TICKS_PER_BEAT for s in sigs]
    return list(zip(starts, stops, beats, strict=True))
