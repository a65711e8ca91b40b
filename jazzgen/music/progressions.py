"""Written chord changes (``"F7 | Bb7 | % | Cm7 F7 |"``) and the built-in progressions.

Symbols are read by ``jazzgen.music.chords``; this module lays them out in bars and ticks, writes
changes back as text, and transposes the built-in progressions with a key's spelling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from jazzgen.errors import ChangesError, ChordSymbolError
from jazzgen.music.chords import ChordChange, parse_chord_or_none, transpose_spelt
from jazzgen.music.notes import TICKS_PER_BEAT
from jazzgen.music.spelling import ACCIDENTALS, FLAT_NAMES, LETTER_PC, LETTERS


def _slot_lengths(n: int, bar_ticks: int) -> list[int]:
    """Ticks of ``n`` chord slots in a bar: whole beats, the earlier slots longer.

    Two chords in 4/4 take two beats each, three take 2 + 1 + 1, four one each; with more
    chords than beats the bar is split into equal ticks (the earlier ones a tick longer).
    """
    beats = bar_ticks // TICKS_PER_BEAT if bar_ticks % TICKS_PER_BEAT == 0 else 0
    unit, units = (TICKS_PER_BEAT, beats) if beats >= n else (1, bar_ticks)
    if n > units:
        raise ChangesError(f"{n} chords do not fit in a bar of {bar_ticks} ticks")
    base, extra = divmod(units, n)
    return [(base + (i < extra)) * unit for i in range(n)]


def parse_changes(text: str, bar_ticks: int = 96, start: int = 0) -> tuple[ChordChange, ...]:
    """Chord changes from text such as ``"F7 | Bb7 | % | Cm7 F7 |"``, times in ticks.

    Bars are split by ``|`` or a line break (empty bars are skipped). Chords in a bar share it
    by ``_slot_lengths``; ``/`` holds the chord before it for one more slot (at the start of a
    bar, the last chord of the previous bar); ``%`` repeats the previous bar; ``N.C.`` is a slot
    with no chord. Every written chord gives its own ChordChange.
    """
    if bar_ticks <= 0 or start < 0:
        raise ChangesError(f"bad bar_ticks={bar_ticks} or start={start}")
    bars = [seg.split() for seg in re.split(r"[|\n]", text)]
    out: list[ChordChange] = []
    prev: list[str] | None = None
    for number, tokens in enumerate((b for b in bars if b), 1):
        if tokens == ["%"]:
            if prev is None:
                raise ChangesError(f"bar {number}: '%' with no bar before it to repeat")
            tokens = prev
        elif "%" in tokens:
            raise ChangesError(f"bar {number}: '%' must stand alone in its bar")
        if tokens[0] == "/":
            if prev is None:
                raise ChangesError(f"bar {number}: '/' with no chord before it")
            tokens = [next(t for t in reversed(prev) if t != "/")] + tokens[1:]
        try:
            lengths = _slot_lengths(len(tokens), bar_ticks)
        except ChangesError as exc:
            raise ChangesError(f"bar {number}: {exc}") from None
        tick = start + (number - 1) * bar_ticks
        for tok, length in zip(tokens, lengths, strict=True):
            if tok == "/":
                last = out[-1] if out else None
                if last is not None and last.end == tick:
                    out[-1] = ChordChange(last.start, last.duration + length, last.chord)
            else:
                try:
                    chord = parse_chord_or_none(tok)
                except ChordSymbolError as exc:
                    raise ChordSymbolError(f"bar {number}: {exc}", tok) from None
                if chord is not None:
                    out.append(ChordChange(tick, length, chord))
            tick += length
        prev = tokens
    return tuple(out)


def format_changes(changes: Iterable[ChordChange], bar_ticks: int = 96, start: int = 0) -> str:
    """Changes as text, ``"F7 | Bb7 | F7 | Cm7 F7"``: the inverse of ``parse_changes``.

    Uneven splits are written with ``/`` slots and gaps as ``N.C.``; a chord that crosses a
    bar line is written again in the next bar (so it comes back as two changes).
    """
    spans = sorted((c for c in changes if c.end > start), key=lambda c: c.start)
    if not spans:
        return ""
    end = max(c.end for c in spans)
    bars = []
    first = 0  # index of the first change that has not ended before this bar
    for b0 in range(start, end, bar_ticks):
        b1 = b0 + bar_ticks
        while spans[first].end <= b0:
            first += 1
        stop = first
        while stop < len(spans) and spans[stop].start < b1:
            stop += 1
        here_spans = spans[first:stop]
        # Segments of the bar: (offset, symbol or None), a new one at each chord start or end.
        cuts = {b0} | {t for c in here_spans for t in (c.start, c.end) if b0 < t < b1}
        segs: list[tuple[int, str | None]] = []
        for t in sorted(cuts):
            here = next((c for c in here_spans if c.start <= t < c.end), None)
            sym = here.chord.symbol if here is not None else None
            if segs and segs[-1][1] == sym and (here is None or here.start < t):
                continue  # the same chord (or silence) going on
            segs.append((t - b0, sym))
        bars.append(_write_bar(segs, bar_ticks))
    return " | ".join(bars)


def _write_bar(segs: list[tuple[int, str | None]], bar_ticks: int) -> str:
    """The fewest slots whose boundaries hold every segment start, written out."""
    starts = {s for s, _ in segs}
    for n in range(len(segs), bar_ticks + 1):
        try:
            lengths = _slot_lengths(n, bar_ticks)
        except ChangesError:
            continue
        offsets = [sum(lengths[:i]) for i in range(n)]
        if starts <= set(offsets):
            names = dict(segs)
            return " ".join(
                (names[o] or "N.C.") if o in names else "/" for o in offsets
            )
    raise ChangesError(f"cannot write segments {segs} in a bar of {bar_ticks} ticks")


# ---------------------------------------------------------------- built-in progressions


@dataclass(frozen=True)
class Progression:
    """A chord progression written out in ``key`` (``"F"``, ``"Cm"``), bars split by ``|``."""

    name: str
    description: str
    key: str
    changes: str


def _prog(name: str, description: str, key: str, *lines: str) -> tuple[str, Progression]:
    """A named Progression, written four bars to a line."""
    return name, Progression(name, description, key, "\n".join(lines))


_A_RHYTHM = ("Bb6 G7 | Cm7 F7 | Dm7 G7 | Cm7 F7 |", "Fm7 Bb7 | Eb7 Edim7 | Bb6 G7 | Cm7 F7 |")
_A_RHYTHM_END = ("Bb6 G7 | Cm7 F7 | Dm7 G7 | Cm7 F7 |", "Fm7 Bb7 | Eb7 Edim7 | Cm7 F7 | Bb6 |")
_DIATONIC_A = ("Cmaj7 | Fmaj7 | Bm7b5 | E7b9 |", "Am7 | D7 | Dm7 G7 | Cmaj7 |")
_MODAL_8 = "Dm7 | % | % | % |\n% | % | % | % |"

PROGRESSIONS: Mapping[str, Progression] = MappingProxyType(dict([
    _prog("blues", "12-bar jazz blues", "F",
          "F7 | Bb7 | F7 | Cm7 F7 |", "Bb7 | Bdim7 | F7 | Am7 D7 |", "Gm7 | C7 | F7 D7 | Gm7 C7 |"),
    _prog("minor-blues", "12-bar minor blues", "Cm",
          "Cm7 | Fm7 | Cm7 | Cm7 |", "Fm7 | Fm7 | Cm7 | Cm7 |", "Ab7 | G7alt | Cm7 | Dm7b5 G7b9 |"),
    _prog("rhythm", "rhythm changes: 32-bar AABA, bridge D7 G7 C7 F7", "Bb",
          *_A_RHYTHM, *_A_RHYTHM_END, "D7 | D7 | G7 | G7 |", "C7 | C7 | F7 | F7 |", *_A_RHYTHM_END),
    _prog("ii-v-i", "major ii-V-I down in whole steps: C, Bb, Ab, Gb (16 bars)", "C",
          "Dm7 | G7 | Cmaj7 | Cmaj7 |", "Cm7 | F7 | Bbmaj7 | Bbmaj7 |",
          "Bbm7 | Eb7 | Abmaj7 | Abmaj7 |", "Abm7 | Db7 | Gbmaj7 | Gbmaj7 |"),
    _prog("minor-ii-v-i", "minor ii-V-i in C minor, then in G minor (8 bars)", "Cm",
          "Dm7b5 | G7b9 | Cm6 | CmMaj7 |", "Am7b5 | D7b9 | Gm6 | GmMaj7 |"),
    _prog("modal", "modal vamp: 32-bar AABA, 16 bars Dm7, 8 Ebm7, 8 Dm7", "Dm",
          _MODAL_8, _MODAL_8, "Ebm7 | % | % | % |\n% | % | % | % |", _MODAL_8),
    _prog("autumn-cycle", "32-bar AABC on the diatonic cycle of fourths: ii-V-I to Bb, "
          "ii-V-i to G minor", "Gm",
          "Cm7 | F7 | Bbmaj7 | Ebmaj7 |", "Am7b5 | D7b9 | Gm6 | Gm6 |",
          "Cm7 | F7 | Bbmaj7 | Ebmaj7 |", "Am7b5 | D7b9 | Gm6 | Gm6 |",
          "Am7b5 | D7b9 | Gm6 | Gm6 |", "Cm7 | F7 | Bbmaj7 | Ebmaj7 |",
          "Am7b5 | D7b9 | Gm7 C7 | Fm7 Bb7 |", "Ebmaj7 | Am7b5 D7b9 | Gm6 | Gm6 |"),
    _prog("cycle-of-fourths-aaba", "32-bar AABA: the diatonic cycle of fourths in C, bridge "
          "with ii-V-Is to IV and bIII", "C",
          "Cmaj7 | Fmaj7 | Bm7b5 | E7b9 |", "Am7 | D7 | Dm7 | G7 |", *_DIATONIC_A,
          "Gm7 | C7 | Fmaj7 | Fmaj7 |", "Fm7 | Bb7 | Ebmaj7 | Dm7 G7 |", *_DIATONIC_A),
]))
"""The built-in progressions by name (read-only)."""

_KEY_RE = re.compile(r"^([A-G])([b#♭♯]?)\s*(m|min|minor|-|maj|major|M)?$")


def _parse_key(key: str) -> tuple[str, str, bool | None]:
    """A key's tonic letter, accidental and mode (True minor, False major, None unsaid)."""
    m = _KEY_RE.match(key.strip())
    if not m:
        names = ", ".join(FLAT_NAMES + ("C#", "F#"))
        raise ChangesError(f"unknown key {key!r}: write a tonic ({names}), "
                         "with 'm' for a minor key (e.g. 'Eb', 'Am')")
    mode = None if m.group(3) is None else m.group(3) in ("m", "min", "minor", "-")
    return m.group(1), m.group(2), mode


def progression_changes(name: str, key: str | None = None) -> str:
    """The changes of built-in progression ``name``, transposed to ``key`` if given.

    A minor-key progression takes a minor key or just its tonic (``"A"`` or ``"Am"``); a
    major-key one a major key. Chords are respelt the way the new key writes them.
    """
    if name not in PROGRESSIONS:
        raise ChangesError(f"unknown progression {name!r}; choose from {', '.join(PROGRESSIONS)}")
    prog = PROGRESSIONS[name]
    if key is None:
        return prog.changes
    src_letter, src_acc, src_minor = _parse_key(prog.key)
    letter, acc, minor = _parse_key(key)
    if minor is not None and minor != src_minor:
        raise ChangesError(f"progression {name!r} is in a {'minor' if src_minor else 'major'} "
                         f"key ({prog.key}); got key {key!r}")
    semitones = ((LETTER_PC[letter] + ACCIDENTALS[acc])
                 - (LETTER_PC[src_letter] + ACCIDENTALS[src_acc]))
    steps = LETTERS.index(letter) - LETTERS.index(src_letter)
    return "".join(
        tok if not tok.strip() or tok in ("|", "%", "/")
        else transpose_spelt(tok, semitones, steps)
        for tok in re.split(r"(\s+|\|)", prog.changes)
    )


def progression_listing(key: str | None = None) -> list[str]:
    """Every built-in progression as text lines: name, description and key, then its bars
    (four to a line), moved to ``key`` when given."""
    lines = []
    for name, prog in PROGRESSIONS.items():
        text = progression_changes(name, key)
        lines.append(f"{name:<22} {prog.description} (in {key or prog.key})")
        lines.extend(f"    {line.strip()}" for line in text.strip().splitlines())
    return lines
