"""Jazz chord symbols: parsing, respelling, written changes, chord scales and chord inference.

Symbols are read by a small table-driven parser, not music21's ``ChordSymbol``: music21 reads
``Bb7`` as a B chord and ``C-7`` as C-flat 7 without an error, gives ``C13b9`` a natural 9th,
rejects ``C7alt``/``CmMaj7``/``Cmaj9`` and accepts an empty string (docs/gotchas.md). The tests
check our pitch classes against music21 on the symbols it does read right.

Decisions worth knowing:

- Roots are ``A``-``G`` with one ``b``/``#`` (``♭``/``♯`` too). A ``-`` after the root always
  means minor, as jazz writes it (``C-7`` = Cm7, ``B-7`` = Bm7); music21's ``B-`` flat spelling
  is not accepted, so convert music21 names with ``name.replace("-", "b")`` first.
- ``quality`` is a normalised name such as ``maj``, ``m7``, ``7b9``, ``m7b5``, ``dim7``, ``7#5``,
  ``mmaj7``, ``69``, ``7sus4``, ``7alt``. ``pcs`` holds every chord tone: extensions and
  alterations included, the slash bass included. A dominant 13th leaves out the 11th (an avoid
  note over a major third); a minor 13th keeps it. ``C7alt`` is C E Bb Db D# F# Ab (root, 3, b7,
  b9, #9, #11/b5, b13/#5; no natural 5th). ``C11`` keeps its third (C E G Bb D F).
- Aliases: ``M``/``ma7``/``Δ``/``^`` for major seventh, ``mi``/``min``/``-`` minor, ``o``/``°``
  diminished, ``ø``/``h`` half-diminished, ``+``/``aug`` augmented, ``sus`` = ``sus4``, and
  ``0`` for diminished (``C#07``) as the iReal-derived JazzStandards.json writes it. Natural
  extensions may not follow another number directly (``C79b13`` is refused: that is the Weimar
  Jazz Database's postfix notation, where ``9b`` means b9; ``C69`` is the one exception).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from jazzgen.notes import TICKS_PER_BEAT, Chord, ChordChange

LETTERS = "CDEFGAB"
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACC = {"": 0, "b": -1, "♭": -1, "#": 1, "♯": 1}
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

_NOTE = r"([A-G])([b#♭♯]?)"
_PARTS_RE = re.compile(rf"^{_NOTE}(.*?)(?:/{_NOTE})?$", re.S)
_MAJ_RE = re.compile(r"(maj|Maj|MAJ|ma(?=\d)|Ma(?=\d)|MA(?=\d)|M|Δ|∆|\^)(7|9|11|13)?")
_TRIAD_RE = re.compile(r"min|mi|m|-|dim|o|°|0|ø|Ø|h|aug|\+")
_BODY_RE = re.compile(r"7|9|11|13|6|5")
_MOD_RE = re.compile(
    r"(?P<alter>[b#♭♯+\-](?:5|6|9|11|13))|(?P<natural>9|11|13)|add(?P<add>2|4|6|9|11|13)"
    r"|sus(?P<sus>[24]?)|(?P<alt>alt)|(?P<aug>aug|\+)|(?P<sep>[(),])"
)
_ALTERS = {"b5": 6, "#5": 8, "b6": 8, "b9": 1, "#9": 3, "#11": 6, "b13": 8}
_TRIADS = {"m": "min", "mi": "min", "min": "min", "-": "min", "dim": "dim", "o": "dim",
           "°": "dim", "0": "dim", "ø": "half", "Ø": "half", "h": "half", "aug": "aug",
           "+": "aug"}
_NO_CHORD_RE = re.compile(r"^N\.?C\.?$", re.I)


class ChordSymbolError(ValueError):
    """A chord symbol that cannot be read; ``symbol`` holds the offending text."""

    def __init__(self, message: str, symbol: str = "") -> None:
        super().__init__(message)
        self.symbol = symbol


def _bad(symbol: str, hint: str = "") -> ChordSymbolError:
    """The error for an unreadable symbol, with a hint for the usual music21 mix-up."""
    if not hint and re.match(r"^[A-G]-", symbol):
        hint = " ('-' after the root means minor; write flats as 'b', e.g. 'Bb7')"
    return ChordSymbolError(f"unknown chord symbol {symbol!r}{hint}", symbol)


@dataclass
class _Parts:
    """What a suffix says, before it becomes pitch classes (internal, mutable while parsing)."""

    triad: str = "maj"  # maj, min, dim, half, aug
    seventh: str | None = None  # b7, maj7, dim7
    sixth: bool = False
    ext: int = 0  # 9, 11 or 13 from the written body (implies the lower ones)
    naturals: tuple[int, ...] = ()  # added 9/11/13
    alters: tuple[str, ...] = ()
    sus: str | None = None  # sus4 or sus2
    alt: bool = False
    power: bool = False


def _parse_suffix(suffix: str) -> _Parts:
    """Tokenise a chord suffix left to right; ValueError on anything unexpected."""
    p = _Parts()
    pos, body_done, seen_sep, depth, prev = 0, False, False, 0, ""
    while pos < len(suffix):
        rest = suffix[pos:]
        m = _MAJ_RE.match(rest) if not body_done else None
        if m:
            bare = m.group(2) is None and m.group(1) in ("maj", "Maj", "MAJ", "M")
            if not (bare and pos == 0):  # a bare "maj"/"M" first is just the major triad
                num = m.group(2)
                p.seventh, p.ext = "maj7", int(num) if num in ("9", "11", "13") else 0
            body_done = not (bare and pos == 0)
            pos, prev = pos + m.end(), m.group(0)
            continue
        m = _TRIAD_RE.match(rest) if pos == 0 else None
        if m:
            p.triad, pos, prev = _TRIADS[m.group(0)], m.end(), ""  # "C07" is C dim7
            continue
        m = _BODY_RE.match(rest) if not body_done and not seen_sep else None
        if m:
            tok = m.group(0)
            if prev[-1:].isdigit():
                raise ValueError("number after number")
            if tok == "6":
                p.sixth = True
            elif tok == "5":
                p.power = True
            else:
                p.seventh, p.ext = "b7", (0 if tok == "7" else int(tok))
            body_done, pos, prev = True, pos + len(tok), tok
            continue
        m = _MOD_RE.match(rest)
        if not m:
            raise ValueError(f"cannot read {rest!r}")
        tok = m.group(0)
        if m.group("alter"):
            name = tok.translate(str.maketrans("♭♯+-", "b##b"))
            if name not in _ALTERS or name in p.alters:
                raise ValueError(f"bad alteration {tok!r}")
            p.alters += (name,)
        elif m.group("natural"):
            if prev[-1:].isdigit() and not (prev == "6" and tok == "9"):
                raise ValueError("number after number")
            p.naturals += (int(tok),)
        elif m.group("add"):
            p.naturals += ({"2": 9, "4": 11, "6": 13}.get(m.group("add"), int(m.group("add"))),)
        elif m.group("sus") is not None:
            if p.sus:
                raise ValueError("two sus")
            p.sus = "sus2" if m.group("sus") == "2" else "sus4"
        elif m.group("alt"):
            if p.alt:
                raise ValueError("two alt")
            p.alt = True
        elif m.group("aug"):
            if "#5" in p.alters:
                raise ValueError("two #5")
            p.alters += ("#5",)
        else:
            seen_sep = True
            depth += {"(": 1, ")": -1, ",": 0}[tok]
            if depth < 0:
                raise ValueError("unbalanced parentheses")
        pos, prev = pos + len(tok), tok
    _check(p, depth)
    return p


def _check(p: _Parts, depth: int) -> None:
    """Reject combinations that no chord chart means."""
    if depth:
        raise ValueError("unbalanced parentheses")
    if p.power and (p.triad != "maj" or p.alters or p.naturals or p.sus or p.alt):
        raise ValueError("a power chord takes nothing else")
    if p.sus and p.triad in ("min", "dim", "half"):
        raise ValueError("sus with a minor third")
    if p.triad == "half" and p.seventh == "maj7":
        raise ValueError("half-diminished major seventh")
    if p.alt and (p.triad != "maj" or p.seventh == "maj7" or p.alters or p.ext or p.naturals
                  or p.sixth):
        raise ValueError("alt takes no other alterations")


def _pcs_and_quality(p: _Parts) -> tuple[frozenset[int], str]:
    """Intervals above the root and the normalised quality name."""
    minor3 = p.triad in ("min", "dim", "half")
    seventh = p.seventh
    if p.triad == "half" or p.alt:
        seventh = "b7"
    if p.triad == "dim" and seventh == "b7" and not p.ext:
        seventh = "dim7"  # "dim7"/"o7": the 7 of a diminished chord is the double-flat 7th
    fifth = {"dim": {6}, "half": {6}, "aug": {8}}.get(p.triad, {7})
    if "b5" in p.alters or "#5" in p.alters:
        fifth = (fifth - {7}) | {_ALTERS[a] for a in ("b5", "#5") if a in p.alters}
    ext = p.ext
    naturals = set(p.naturals)
    if seventh and naturals:  # C7(13) reads as C13
        ext, naturals = max(ext, *naturals), set()
    iv = {0} | fifth
    if p.sus:
        iv.add(5 if p.sus == "sus4" else 2)
    elif not p.power:
        iv.add(3 if minor3 else 4)
    iv |= {None: set(), "b7": {10}, "maj7": {11}, "dim7": {9}}[seventh]
    if p.sixth:
        iv.add(9)
    implied = {9: {9}, 11: {9, 11}, 13: {9, 13} | ({11} if minor3 else set())}.get(ext, set())
    blocked = {9: {"b9", "#9"}, 11: {"#11"}, 13: {"b13"}}
    for n in implied | naturals:
        if not blocked[n] & set(p.alters):
            iv.add({9: 2, 11: 5, 13: 9}[n])
    iv |= {_ALTERS[a] for a in p.alters}
    if p.alt:
        iv = {0, 1, 3, 4, 6, 8, 10}
    return frozenset(iv), _quality_name(p, minor3, seventh, fifth, ext, naturals)


def _quality_name(p: _Parts, minor3: bool, seventh: str | None, fifth: set[int], ext: int,
                  naturals: set[int]) -> str:
    """Normalised quality: triad/seventh core, then alterations, adds and sus in fixed order."""
    if p.power:
        return "5"
    if p.alt:
        return "7alt"
    n = str(ext or 7)
    dim = minor3 and fifth == {6}
    aug = not minor3 and not p.sus and fifth == {8}
    alters = [] if dim or aug else [a for a, i in (("b5", 6), ("#5", 8)) if i in fifth]
    alters += [a for a in ("b6", "b9", "#9", "#11", "b13") if a in p.alters]
    if dim and seventh == "dim7":
        core = "dim7" + (f"add{ext}" if ext else "")
    elif dim and seventh == "b7":
        core = f"m{n}b5"
    elif aug and seventh:
        core = ("maj" if seventh == "maj7" else "") + n + "#5"
    else:
        core = "dim" if dim else "aug" if aug else "m" if minor3 else ""
        if seventh == "b7":
            core += n
        elif seventh == "maj7":
            core += "maj" + n
        elif seventh == "dim7":
            core += "dim7"
        elif p.sixth:
            core += "69" if 9 in naturals else "6"
            naturals = naturals - {9}
    name = core + "".join(alters) + "".join(f"add{x}" for x in sorted(naturals))
    name += p.sus or ""
    # "C" + "b5" would read as a C-flat chord, so a bare alteration keeps a "maj" in front.
    return "maj" + name if not name or name[0] in "b#" else name


@lru_cache(maxsize=8192)
def parse_chord(symbol: str) -> Chord:
    """A Chord from a jazz chord symbol such as ``Bb7``, ``C-7``, ``F#m7b5`` or ``C7/E``."""
    text = symbol.strip()
    if _NO_CHORD_RE.match(text):
        raise ChordSymbolError(f"unknown chord symbol {text!r} (no chord: use "
                               "parse_chord_or_none)", text)
    m = _PARTS_RE.match(text)
    if not m:
        raise _bad(text)
    suffix = m.group(3).replace("6/9", "69")
    suffix = re.sub(r"/(?=maj|Maj|M|Δ|∆|\^)", "", suffix)  # Cm/maj7, as iReal exports write it
    if "/" in suffix:
        raise _bad(text)
    try:
        parts = _parse_suffix(suffix)
    except ValueError:
        raise _bad(text) from None
    root = (_LETTER_PC[m.group(1)] + _ACC[m.group(2)]) % 12
    intervals, quality = _pcs_and_quality(parts)
    pcs = {(root + i) % 12 for i in intervals}
    bass = None
    if m.group(4):
        bass = (_LETTER_PC[m.group(4)] + _ACC[m.group(5)]) % 12
        pcs.add(bass)
    return Chord(symbol=text, root=root, pcs=tuple(sorted(pcs)), quality=quality, bass=bass)


def parse_chord_or_none(symbol: str) -> Chord | None:
    """Like ``parse_chord``, but ``N.C.``/``NC`` (no chord) gives None."""
    if _NO_CHORD_RE.match(symbol.strip()):
        return None
    return parse_chord(symbol)


# ---------------------------------------------------------------- spelling and transposition


def pitch_class_name(pc: int, prefer_flats: bool = True) -> str:
    """The name of pitch class ``pc`` (0 = C), with flats (``Bb``) or sharps (``A#``)."""
    return (FLAT_NAMES if prefer_flats else SHARP_NAMES)[pc % 12]


def root_name(pc: int, quality: str = "") -> str:
    """A root spelt the way chord charts usually write it for this quality.

    Black keys take flats (Db Eb Gb Ab Bb), except C#, F#, G# for chords with a minor third
    (C#m7, F#m7b5) and C#, D#, F#, G# for diminished ones (the passing C#dim7, D#dim7).
    """
    pc %= 12
    if quality.startswith("dim"):
        sharps = {1, 3, 6, 8}
    elif quality.startswith("m") and not quality.startswith("maj"):
        sharps = {1, 6, 8}
    else:
        sharps = set()
    return pitch_class_name(pc, prefer_flats=pc not in sharps)


def _shift_note(letter: str, acc: str, semitones: int, steps: int) -> str | None:
    """The note ``steps`` letters and ``semitones`` higher, or None if it needs a double
    accidental."""
    pc = (_LETTER_PC[letter] + _ACC[acc] + semitones) % 12
    new = LETTERS[(LETTERS.index(letter) + steps) % 7]
    diff = (pc - _LETTER_PC[new] + 6) % 12 - 6
    return new + {-1: "b", 0: "", 1: "#"}[diff] if -1 <= diff <= 1 else None


def _transpose(symbol: str, semitones: int, steps: int | None) -> str:
    """Move a symbol; letters move by ``steps`` (a key's spelling) or by the root rule."""
    text = symbol.strip()
    if _NO_CHORD_RE.match(text) or semitones % 12 == 0 and not steps:
        return text
    chord = parse_chord(text)
    m = _PARTS_RE.match(text)
    assert m is not None  # parse_chord accepted it
    new_pc = (chord.root + semitones) % 12
    root = _shift_note(m.group(1), m.group(2), semitones, steps) if steps is not None else None
    root = root or root_name(new_pc, chord.quality)
    out = root + m.group(3)
    if m.group(4):
        # Keep the bass's interval above the root: D/F# up a tone is E/G#, not E/Ab.
        bass_steps = LETTERS.index(root[0]) - LETTERS.index(m.group(1))
        bass = _shift_note(m.group(4), m.group(5), semitones, bass_steps)
        out += "/" + (bass or pitch_class_name(chord.bass + semitones, "#" not in root))
    return out


def transpose_symbol(symbol: str, semitones: int) -> str:
    """``symbol`` moved by ``semitones``: the root respelt by ``root_name``, the suffix kept,
    a slash bass spelt at the same interval above the root. A move by octaves changes nothing.
    """
    return _transpose(symbol, semitones, None)


# ---------------------------------------------------------------- written changes


def _slot_lengths(n: int, bar_ticks: int) -> list[int]:
    """Ticks of ``n`` chord slots in a bar: whole beats, the earlier slots longer.

    Two chords in 4/4 take two beats each, three take 2 + 1 + 1, four one each; with more
    chords than beats the bar is split into equal ticks (the earlier ones a tick longer).
    """
    beats = bar_ticks // TICKS_PER_BEAT if bar_ticks % TICKS_PER_BEAT == 0 else 0
    unit, units = (TICKS_PER_BEAT, beats) if beats >= n else (1, bar_ticks)
    if n > units:
        raise ValueError(f"{n} chords do not fit in a bar of {bar_ticks} ticks")
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
        raise ValueError(f"bad bar_ticks={bar_ticks} or start={start}")
    bars = [seg.split() for seg in re.split(r"[|\n]", text)]
    out: list[ChordChange] = []
    prev: list[str] | None = None
    for number, tokens in enumerate((b for b in bars if b), 1):
        if tokens == ["%"]:
            if prev is None:
                raise ValueError(f"bar {number}: '%' with no bar before it to repeat")
            tokens = prev
        elif "%" in tokens:
            raise ValueError(f"bar {number}: '%' must stand alone in its bar")
        if tokens[0] == "/":
            if prev is None:
                raise ValueError(f"bar {number}: '/' with no chord before it")
            tokens = [next(t for t in reversed(prev) if t != "/")] + tokens[1:]
        try:
            lengths = _slot_lengths(len(tokens), bar_ticks)
        except ValueError as exc:
            raise ValueError(f"bar {number}: {exc}") from None
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
        except ValueError:
            continue
        offsets = [sum(lengths[:i]) for i in range(n)]
        if starts <= set(offsets):
            names = dict(segs)
            return " ".join(
                (names[o] or "N.C.") if o in names else "/" for o in offsets
            )
    raise ValueError(f"cannot write segments {segs} in a bar of {bar_ticks} ticks")


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
        raise ValueError(f"unknown key {key!r}: write a tonic ({names}), "
                         "with 'm' for a minor key (e.g. 'Eb', 'Am')")
    mode = None if m.group(3) is None else m.group(3) in ("m", "min", "minor", "-")
    return m.group(1), m.group(2), mode


def progression_changes(name: str, key: str | None = None) -> str:
    """The changes of built-in progression ``name``, transposed to ``key`` if given.

    A minor-key progression takes a minor key or just its tonic (``"A"`` or ``"Am"``); a
    major-key one a major key. Chords are respelt the way the new key writes them.
    """
    if name not in PROGRESSIONS:
        raise ValueError(f"unknown progression {name!r}; choose from {', '.join(PROGRESSIONS)}")
    prog = PROGRESSIONS[name]
    if key is None:
        return prog.changes
    src_letter, src_acc, src_minor = _parse_key(prog.key)
    letter, acc, minor = _parse_key(key)
    if minor is not None and minor != src_minor:
        raise ValueError(f"progression {name!r} is in a {'minor' if src_minor else 'major'} "
                         f"key ({prog.key}); got key {key!r}")
    semitones = (_LETTER_PC[letter] + _ACC[acc]) - (_LETTER_PC[src_letter] + _ACC[src_acc])
    steps = LETTERS.index(letter) - LETTERS.index(src_letter)
    return "".join(
        tok if not tok.strip() or tok in ("|", "%", "/") else _transpose(tok, semitones, steps)
        for tok in re.split(r"(\s+|\|)", prog.changes)
    )


# ---------------------------------------------------------------- chord scales

SCALES: Mapping[str, tuple[int, ...]] = MappingProxyType({
    "ionian": (0, 2, 4, 5, 7, 9, 11), "lydian": (0, 2, 4, 6, 7, 9, 11),
    "lydian augmented": (0, 2, 4, 6, 8, 9, 11), "whole tone": (0, 2, 4, 6, 8, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10), "lydian dominant": (0, 2, 4, 6, 7, 9, 10),
    "mixolydian b13": (0, 2, 4, 5, 7, 8, 10), "half-whole diminished": (0, 1, 3, 4, 6, 7, 9, 10),
    "phrygian dominant": (0, 1, 4, 5, 7, 8, 10), "altered": (0, 1, 3, 4, 6, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10), "melodic minor": (0, 2, 3, 5, 7, 9, 11),
    "aeolian": (0, 2, 3, 5, 7, 8, 10), "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11), "locrian": (0, 1, 3, 5, 6, 8, 10),
    "locrian #2": (0, 2, 3, 5, 6, 8, 10), "whole-half diminished": (0, 2, 3, 5, 6, 8, 9, 11),
})
"""Scales as semitones above the root."""

# Candidate scales per chord family, most usual first.
_FAMILY_SCALES = {
    "major": ("ionian", "lydian", "whole tone", "lydian augmented"),
    "dominant": ("mixolydian", "lydian dominant", "whole tone", "mixolydian b13",
                 "half-whole diminished", "phrygian dominant", "altered"),
    "minor": ("dorian", "melodic minor", "aeolian", "phrygian", "harmonic minor"),
    "half-diminished": ("locrian", "locrian #2"),
    "diminished": ("whole-half diminished",),
    "sus": ("mixolydian", "mixolydian b13", "phrygian", "ionian"),
}


def chord_family(chord: Chord) -> str:
    """major, dominant, minor, half-diminished, diminished or sus, from the chord's intervals."""
    iv = {(pc - chord.root) % 12 for pc in chord.pcs}
    if 4 in iv:
        return "dominant" if 10 in iv else "major"
    if 3 in iv:
        if 6 in iv and 7 not in iv:
            return "half-diminished" if 10 in iv else "diminished"
        return "minor"
    return "sus"


def scale_name(chord: Chord) -> str:
    """The name of the chord's usual scale (see ``chord_scale``)."""
    return _scale_name(chord.root, chord.pcs)


@lru_cache(maxsize=4096)
def _scale_name(root: int, pcs: tuple[int, ...]) -> str:
    """First scale of the family that holds every chord tone, else the family's first."""
    chord = Chord("", root, pcs)
    iv = {(pc - root) % 12 for pc in pcs}
    names = _FAMILY_SCALES[chord_family(chord)]
    return next((n for n in names if iv <= set(SCALES[n])), names[0])


def chord_scale(chord: Chord) -> tuple[int, ...]:
    """Pitch classes of the chord's usual scale, root first, in scale order.

    Of each family's scales (``_FAMILY_SCALES``) the first that holds every chord tone wins:
    maj7/6 ionian, maj7#11 lydian, aug whole tone; 7/9/13/7sus mixolydian, 7#11 lydian
    dominant, 7#5 whole tone, 7b13 mixolydian b13, 7b9/7#9/13b9 half-whole diminished,
    7b9b13 phrygian dominant, 7alt/7#5#9 altered; m/m7/m6/m9 dorian, mMaj7 melodic minor,
    m7b9 phrygian; m7b5 locrian (m9b5 locrian #2); dim/dim7 whole-half diminished.
    """
    name = _scale_name(chord.root, chord.pcs)
    return tuple((chord.root + i) % 12 for i in SCALES[name])


# ---------------------------------------------------------------- chords from pitches

# Inference templates: (quality, {interval: role}, tensions). Roles: R root, T third (or the
# 4th of a sus chord), F plain fifth, X altered fifth that defines the chord, S 7th or 6th.
# Tensions are extra notes the chord takes without becoming another chord.
_TEMPLATES = (
    ("7", {0: "R", 4: "T", 7: "F", 10: "S"}, {1, 2, 3, 6, 8, 9}),
    ("m7", {0: "R", 3: "T", 7: "F", 10: "S"}, {2, 5, 9}),
    ("maj7", {0: "R", 4: "T", 7: "F", 11: "S"}, {2, 6, 9}),
    ("m7b5", {0: "R", 3: "T", 6: "X", 10: "S"}, {2, 5, 8}),
    ("dim7", {0: "R", 3: "T", 6: "X", 9: "S"}, {2, 5, 8, 11}),
    ("6", {0: "R", 4: "T", 7: "F", 9: "S"}, {2, 6}),
    ("m6", {0: "R", 3: "T", 7: "F", 9: "S"}, {2, 5, 11}),
    ("mmaj7", {0: "R", 3: "T", 7: "F", 11: "S"}, {2, 5, 9}),
    ("7sus4", {0: "R", 5: "T", 7: "F", 10: "S"}, {1, 2, 8, 9}),
    ("maj", {0: "R", 4: "T", 7: "F"}, {2, 6}),
    ("m", {0: "R", 3: "T", 7: "F"}, {2, 5}),
    ("sus4", {0: "R", 5: "T", 7: "F"}, {2}),
    ("dim", {0: "R", 3: "T", 6: "X"}, {2, 5, 8}),
    ("aug", {0: "R", 4: "T", 8: "X"}, {2, 6}),
)
_SUFFIX = {"maj": "", "mmaj7": "mMaj7"}
_PRESENT = {"R": 2.0, "T": 2.0, "F": 0.5, "X": 1.5, "S": 1.5}
_MISSING = {"R": -1.0, "T": -2.5, "F": -0.2, "X": -1.5, "S": -1.5}
_TENSION, _FOREIGN = -0.4, -1.5  # an extra note that is a tension / that is not
_BASS_ROOT, _BASS_OTHER = 2.0, -0.5  # the lowest note is the root / is not a chord tone


@lru_cache(maxsize=1)
def _template_tables() -> tuple:
    """Score tables over 12 roots x templates: constant, per-pitch-class and per-bass terms."""
    import numpy as np

    n = 12 * len(_TEMPLATES)
    const, weight, bass = np.zeros(n), np.zeros((n, 12)), np.zeros((n, 12))
    names = []
    for t, (quality, roles, tensions) in enumerate(_TEMPLATES):
        for root in range(12):
            row = t * 12 + root
            names.append((root, quality))
            for iv in range(12):
                pc = (root + iv) % 12
                if iv in roles:
                    const[row] += _MISSING[roles[iv]]
                    weight[row, pc] = _PRESENT[roles[iv]] - _MISSING[roles[iv]]
                else:
                    weight[row, pc] = _TENSION if iv in tensions else _FOREIGN
                bass[row, pc] = _BASS_ROOT if iv == 0 else 0.0 if iv in roles else _BASS_OTHER
            const[row] -= 0.001 * t  # ties go to the template listed first
    for a in (const, weight, bass):
        a.flags.writeable = False
    return tuple(names), const, weight, bass


@lru_cache(maxsize=65536)
def _infer(mask: int, bass: int) -> Chord:
    """The best template chord for a 12-bit pitch-class mask and a bass pitch class."""
    import numpy as np

    names, const, weight, bass_table = _template_tables()
    present = np.array([(mask >> pc) & 1 for pc in range(12)], dtype=float)
    root, quality = names[int(np.argmax(const + weight @ present + bass_table[:, bass]))]
    return parse_chord(root_name(root, quality) + _SUFFIX.get(quality, quality))


def chord_from_pitches(pitches: Iterable[int]) -> Chord | None:
    """The chord that sounding MIDI ``pitches`` most likely spell, or None (< 2 pitch classes).

    Template matching over 12 roots x 14 qualities (triads, sixths, sevenths, sus, dim, aug):
    the 3rd and 7th count most, a missing 5th or root little, extra tensions (9, 11, 13,
    altered notes on a dominant) little, and the lowest note is favoured as the root. The
    answer is a plain template chord: no slash bass (a lowest note is often a passing bass
    note), extensions tolerated but not named.
    """
    ps = list(pitches)
    mask = 0
    for p in ps:
        mask |= 1 << (p % 12)
    if mask.bit_count() < 2:
        return None
    return _infer(mask, min(ps) % 12)
