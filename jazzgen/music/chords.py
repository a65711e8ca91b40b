"""Jazz chord symbols: parsing, respelling and transposition.

Symbols are read by a small table-driven parser, not music21's ``ChordSymbol``: music21 reads
``Bb7`` as a B chord and ``C-7`` as C-flat 7 without an error, gives ``C13b9`` a natural 9th,
rejects ``C7alt``/``CmMaj7``/``Cmaj9`` and accepts an empty string (all measured on music21 9).
The tests check our pitch classes against music21 on the symbols it does read right. Written
changes and built-in progressions are in ``jazzgen.music.progressions``; chord scales in
``jazzgen.music.scales``; chords from sounding pitches in ``jazzgen.music.inference``.

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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from jazzgen.errors import ChordSymbolError, InvalidValueError
from jazzgen.music.spelling import (
    ACCIDENTALS,
    LETTER_PC,
    LETTERS,
    pitch_class_name,
    root_name,
    shift_note,
)

NO_CHORD = "N.C."
"""Symbol used where no chord is sounding."""
MAX_SYMBOL_CHARS = 40
"""The longest chord symbol read, in characters (the longest in 1,400 jazz standards has 11):
a longer text, such as a lyric in a MIDI marker, is refused before it is parsed."""


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


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord as a jazz musician names it, independent of time.

    ``root`` and ``bass`` are pitch classes (0 = C); ``pcs`` are the chord's pitch classes,
    sorted, root included; ``quality`` is a normalised name such as ``"m7"`` or ``"7alt"``.
    """

    symbol: str
    root: int
    pcs: tuple[int, ...]
    quality: str = ""
    bass: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.root <= 11:
            raise InvalidValueError(f"chord root must be a pitch class 0..11, got {self.root}")
        if any(not 0 <= pc <= 11 for pc in self.pcs):
            raise InvalidValueError(f"chord pitch classes must be 0..11, got {self.pcs}")
        if self.bass is not None and not 0 <= self.bass <= 11:
            raise InvalidValueError(f"chord bass must be a pitch class 0..11, got {self.bass}")

    def transpose(self, semitones: int) -> Chord:
        """The same chord moved by ``semitones``, its symbol respelt by ``transpose_symbol``."""
        return Chord(
            symbol=transpose_symbol(self.symbol, semitones),
            root=(self.root + semitones) % 12,
            pcs=tuple(sorted((pc + semitones) % 12 for pc in self.pcs)),
            quality=self.quality,
            bass=None if self.bass is None else (self.bass + semitones) % 12,
        )


@dataclass(frozen=True, slots=True)
class ChordChange:
    """A chord sounding from ``start`` for ``duration`` ticks."""

    start: int
    duration: int
    chord: Chord

    def __post_init__(self) -> None:
        if self.start < 0 or self.duration <= 0:
            raise InvalidValueError(f"bad chord span start={self.start} duration={self.duration}")

    @property
    def end(self) -> int:
        """Tick at which the chord stops sounding."""
        return self.start + self.duration



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
    if len(text) > MAX_SYMBOL_CHARS:
        raise ChordSymbolError(f"unknown chord symbol {text[:MAX_SYMBOL_CHARS]!r}... (longer "
                               f"than {MAX_SYMBOL_CHARS} characters)", text)
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
    root = (LETTER_PC[m.group(1)] + ACCIDENTALS[m.group(2)]) % 12
    intervals, quality = _pcs_and_quality(parts)
    pcs = {(root + i) % 12 for i in intervals}
    bass = None
    if m.group(4):
        bass = (LETTER_PC[m.group(4)] + ACCIDENTALS[m.group(5)]) % 12
        pcs.add(bass)
    return Chord(symbol=text, root=root, pcs=tuple(sorted(pcs)), quality=quality, bass=bass)


def parse_chord_or_none(symbol: str) -> Chord | None:
    """Like ``parse_chord``, but ``N.C.``/``NC`` (no chord) gives None."""
    if _NO_CHORD_RE.match(symbol.strip()):
        return None
    return parse_chord(symbol)


# ---------------------------------------------------------------- transposition


def transpose_spelt(symbol: str, semitones: int, steps: int | None) -> str:
    """Move a symbol; letters move by ``steps`` (a key's spelling) or, if None, the root rule."""
    text = symbol.strip()
    if _NO_CHORD_RE.match(text) or semitones % 12 == 0 and not steps:
        return text
    chord = parse_chord(text)
    m = _PARTS_RE.match(text)
    assert m is not None  # parse_chord accepted it
    new_pc = (chord.root + semitones) % 12
    root = shift_note(m.group(1), m.group(2), semitones, steps) if steps is not None else None
    root = root or root_name(new_pc, chord.quality)
    out = root + m.group(3)
    if m.group(4):
        # Keep the bass's interval above the root: D/F# up a tone is E/G#, not E/Ab.
        bass_steps = LETTERS.index(root[0]) - LETTERS.index(m.group(1))
        bass = shift_note(m.group(4), m.group(5), semitones, bass_steps)
        out += "/" + (bass or pitch_class_name(chord.bass + semitones, "#" not in root))
    return out


def transpose_symbol(symbol: str, semitones: int) -> str:
    """``symbol`` moved by ``semitones``: the root respelt by ``root_name``, the suffix kept,
    a slash bass spelt at the same interval above the root. A move by octaves changes nothing.
    """
    return transpose_spelt(symbol, semitones, None)


def changes_from_marks(marks: Iterable[tuple[int, Chord | None]], end: int
                       ) -> tuple[ChordChange, ...]:
    """Changes from chord marks at ticks (None: no chord): each lasts until the next mark,
    the last one until ``end`` (at least one tick); marks are taken in tick order."""
    marks = sorted(marks, key=lambda m: m[0])
    out = []
    for i, (tick, chord) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else max(end, tick + 1)
        if chord is not None and stop > tick:
            out.append(ChordChange(tick, stop - tick, chord))
    return tuple(out)
