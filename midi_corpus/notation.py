"""The corpus source notation (``midi_corpus/src/*.txt``): parsing and checking.

Described for musicians in ``midi_corpus/README.md``. Durations are kept as written (straight);
``build.py`` applies swing and writes MIDI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jazzgen.music.chords import parse_chord
from jazzgen.music.notes import TICKS_PER_BEAT

BAR_TICKS = 4 * TICKS_PER_BEAT
PROGRESSIONS = (
    "jazz-blues",
    "minor-blues",
    "rhythm-changes",
    "major-ii-v-i",
    "minor-ii-v-i",
    "modal",
    "aaba-standard",
)
_PITCH = re.compile(r"^([a-g])(##|#|bb|b)?(\d)$")
_DURATION = re.compile(r"^(1|2|4|8|16|32)(\.?)(t?)$")
_TOKEN = re.compile(r"\{[^}]*\}\S*|\S+")
_COMMENT = re.compile(r"(^|\s)#.*$")  # "#" after a space: "g#4" is a pitch
_STEPS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_ACCIDENTALS = {None: 0, "#": 1, "##": 2, "b": -1, "bb": -2}


class CorpusSourceError(ValueError):
    """A corpus source file that cannot be compiled; the message names file, line and bar."""


@dataclass(frozen=True)
class Event:
    """One written note or rest: ``pitch`` None for a rest, ``ticks`` as written (straight)."""

    pitch: int | None
    ticks: int
    tie: bool = False
    accent: bool = False
    ghost: bool = False


@dataclass(frozen=True)
class Bar:
    """One written solo bar with the source line it came from."""

    events: tuple[Event, ...]
    line: int


@dataclass(frozen=True)
class Tune:
    """A parsed source file: header fields, the chord form and the solo choruses."""

    path: Path
    title: str
    tempo: float
    swing: bool
    program: int
    key: str
    progression: str
    form: tuple[tuple[str, ...], ...]
    choruses: tuple[tuple[Bar, ...], ...] = field(default=())

    @property
    def note_count(self) -> int:
        """Notes the solo sounds (a tied continuation is not a new note)."""
        events = [e for ch in self.choruses for bar in ch for e in bar.events]
        tied = [i > 0 and events[i - 1].tie for i in range(len(events))]
        return sum(1 for e, t in zip(events, tied, strict=True) if e.pitch is not None and not t)


def _fail(path: Path, line: int, msg: str) -> CorpusSourceError:
    return CorpusSourceError(f"{path.name}:{line}: {msg}")


def parse_duration(text: str) -> int:
    """Written length in ticks of a duration like ``8``, ``4.``, ``8t`` or ``16t``."""
    m = _DURATION.match(text)
    if not m:
        raise CorpusSourceError(f"bad duration {text!r}")
    ticks = BAR_TICKS // int(m.group(1))
    if m.group(2):
        ticks = ticks * 3 // 2
    if m.group(3):
        ticks = ticks * 2 // 3
    if ticks <= 0:
        raise CorpusSourceError(f"duration {text!r} is shorter than one tick")
    return ticks


def parse_pitch(text: str) -> int:
    """MIDI pitch of a name like ``eb5`` or ``f#4`` (``c4`` is middle C, 60)."""
    m = _PITCH.match(text)
    if not m:
        raise CorpusSourceError(f"bad pitch {text!r}")
    return (int(m.group(3)) + 1) * 12 + _STEPS[m.group(1)] + _ACCIDENTALS[m.group(2)]


def _parse_note(text: str, ticks: int, tie: bool) -> Event:
    """One pitch or rest with its optional ``>`` accent or ``(...)`` ghost marking."""
    accent = text.startswith(">")
    text = text.lstrip(">")
    ghost = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    pitch = None if text == "r" else parse_pitch(text)
    return Event(pitch, ticks, tie and pitch is not None, accent, ghost)


def parse_bar(text: str) -> tuple[Event, ...]:
    """The events of one bar's text, e.g. ``c5/8 d5/8 {e5 g5 bb5}/8t r/4``."""
    events: list[Event] = []
    for token in _TOKEN.findall(text):
        body, sep, dur = token.rpartition("/")
        if not sep or not body:
            raise CorpusSourceError(f"event {token!r} needs a /duration")
        tie = dur.endswith("~")
        ticks = parse_duration(dur.rstrip("~"))
        if body.startswith("{"):
            names = body.strip("{}").split()
            for i, name in enumerate(names):
                events.append(_parse_note(name, ticks, tie and i == len(names) - 1))
        else:
            events.append(_parse_note(body, ticks, tie))
    return tuple(events)


def _parse_changes(value: str, path: Path, lineno: int) -> list[tuple[str, ...]]:
    """Bars of a ``changes:`` line; every symbol is checked by ``jazzgen.music.chords``."""
    bars = []
    for cell in value.strip("|").split("|"):
        symbols = tuple(cell.split())
        if not symbols or BAR_TICKS % len(symbols):
            raise _fail(path, lineno, f"bad changes bar {cell.strip()!r}")
        for symbol in symbols:
            try:
                parse_chord(symbol)
            except ValueError as err:
                raise _fail(path, lineno, f"bad chord symbol {symbol!r}: {err}") from err
        bars.append(symbols)
    return bars


def _parse_bars(line: str, path: Path, lineno: int, chorus: int, done: int) -> list[Bar]:
    """The bars written on one ``|``-line; ``done`` bars of this chorus come before it."""
    bars = []
    for chunk in line.strip("|").split("|"):
        try:
            bars.append(Bar(parse_bar(chunk), lineno))
        except CorpusSourceError as err:
            where = f"chorus {chorus} bar {done + len(bars) + 1}"
            raise _fail(path, lineno, f"{where}: {err}") from err
    return bars


def parse_text(text: str, path: Path) -> Tune:
    """Parse a whole source file; raises CorpusSourceError naming file:line and bar."""
    head: dict[str, str] = {}
    form: list[tuple[str, ...]] = []
    choruses: list[list[Bar]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        if line.startswith("|"):
            if not choruses:
                raise _fail(path, lineno, "solo bars before the first 'chorus' line")
            choruses[-1] += _parse_bars(line, path, lineno, len(choruses), len(choruses[-1]))
        elif line.lower().startswith("chorus"):
            choruses.append([])
        elif ":" in line:
            name, value = (s.strip() for s in line.split(":", 1))
            if name == "changes":
                form += _parse_changes(value, path, lineno)
            else:
                head[name] = value
        else:
            raise _fail(path, lineno, f"cannot read line {line!r}")
    tune = _make_tune(path, head, form, choruses)
    _check_bars(tune)
    return tune


def _make_tune(
    path: Path, head: dict[str, str], form: list[tuple[str, ...]], choruses: list[list[Bar]]
) -> Tune:
    """Check the header fields and build the Tune."""
    missing = [k for k in ("title", "tempo", "progression", "key") if k not in head]
    if missing or not form or not choruses:
        raise CorpusSourceError(f"{path.name}: needs title, tempo, progression, key, "
                                f"changes and at least one chorus (missing {missing})")
    if head.get("time", "4/4") != "4/4":
        raise CorpusSourceError(f"{path.name}: only time: 4/4 is supported, got {head['time']}")
    swing = head.get("swing", "2:1")
    if swing not in ("2:1", "straight"):
        raise CorpusSourceError(f"{path.name}: swing must be 2:1 or straight, got {swing!r}")
    if head["progression"] not in PROGRESSIONS:
        raise CorpusSourceError(f"{path.name}: unknown progression {head['progression']!r}")
    return Tune(
        path=path,
        title=head["title"],
        tempo=float(head["tempo"]),
        swing=swing == "2:1",
        program=int(head.get("program", "66")),
        key=head["key"],
        progression=head["progression"],
        form=tuple(form),
        choruses=tuple(tuple(c) for c in choruses),
    )


def _check_bars(tune: Tune) -> None:
    """Every chorus has the form's bar count and every bar fills exactly 4/4."""
    for c, chorus in enumerate(tune.choruses, start=1):
        for b, bar in enumerate(chorus, start=1):
            total = sum(e.ticks for e in bar.events)
            if total != BAR_TICKS:
                raise _fail(tune.path, bar.line, f"chorus {c} bar {b}: durations add up to "
                            f"{total} ticks, a 4/4 bar needs {BAR_TICKS}")
        if len(chorus) != len(tune.form):
            line = chorus[-1].line if chorus else 0
            raise _fail(tune.path, line, f"chorus {c} has {len(chorus)} bars, "
                        f"the form has {len(tune.form)}")


def parse_file(src: Path) -> Tune:
    """Read and parse one source file."""
    src = Path(src)
    return parse_text(src.read_text(encoding="utf-8"), src)
