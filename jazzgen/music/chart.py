"""A piece's chord changes as a chart: bars split by "|", four to a line, in the syntax that
``--chords`` reads (``jazzgen.music.progressions``), or as JSON with each chord's start beat.

A chord held over a bar line is written again in the next bar (never ``%``), a bar with no
chord is ``N.C.``, so bar numbers stay those of the piece and the text parses back to the
same changes (a last chord ending inside its bar is held to the bar's end).
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass

from jazzgen.errors import InvalidValueError
from jazzgen.music.chords import NO_CHORD, ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Score, TimeSignature, bar_meters
from jazzgen.music.progressions import format_changes

SYMBOLS = "chord symbols"
"""Source of changes read from the file's own chord symbols."""
INFERRED = "inferred"
"""Source of changes inferred from the file's accompaniment (``jazzgen.music.inference``)."""
BARS_PER_LINE = 4


@dataclass(frozen=True)
class Chart:
    """Chord ``changes`` (ticks) in the meter of ``time_signatures``, the piece's ``tempo``
    (BPM), where they came from (``SYMBOLS`` or ``INFERRED``) and, for inferred ones, the
    names of the ``parts`` they were inferred from."""

    changes: tuple[ChordChange, ...]
    time_signatures: tuple[TimeSignature, ...] = (TimeSignature(0),)
    tempo: float = 120.0
    source: str = SYMBOLS
    parts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.source not in (SYMBOLS, INFERRED):
            raise InvalidValueError(f"a chart's source is {SYMBOLS!r} or {INFERRED!r}, "
                                    f"got {self.source!r}")

    def _spans(self) -> list[tuple[int, int]]:
        """(start, stop) ticks of each bar, from the first to the one the last chord ends in."""
        if not self.changes:
            return []
        end = max(c.end for c in self.changes)
        bars = bar_meters(Score((), time_signatures=self.time_signatures), end)
        starts = [t for t, _ in bars]
        last, sig = bars[-1]
        later = [s.start for s in self.time_signatures if s.start > last]  # cuts the bar short
        return list(zip(starts, starts[1:] + [min([last + sig.bar_ticks] + later)], strict=True))

    def bars(self) -> list[str]:
        """Each bar's chords as ``--chords`` writes them (``"Cm7 F7"``, ``"N.C."``)."""
        spans = self._spans()
        if not spans:
            return []
        changes = list(self.changes)
        last = changes[-1]  # held to the end of its bar
        changes[-1] = ChordChange(last.start, max(last.end, spans[-1][1]) - last.start, last.chord)
        out, first = [], 0  # the first change not over before this bar (changes are sorted)
        for b0, b1 in spans:
            while changes[first].end <= b0:
                first += 1
            here = []
            for c in changes[first:]:
                if c.start >= b1:
                    break
                start = max(c.start, b0)
                here.append(ChordChange(start, min(c.end, b1) - start, c.chord))
            out.append(format_changes(here, b1 - b0, b0) if here else NO_CHORD)
        return out

    def text(self) -> str:
        """The chart, ``BARS_PER_LINE`` bars a line, each bar followed by ``|``."""
        bars = self.bars()
        return "\n".join(" | ".join(bars[i:i + BARS_PER_LINE]) + " |"
                         for i in range(0, len(bars), BARS_PER_LINE))

    def describe(self) -> str:
        """Where the changes came from, in words."""
        if self.source == SYMBOLS:
            return "chords from the file's chord symbols"
        return f"inferred from the accompaniment ({', '.join(self.parts).lower()})"

    def to_json(self) -> dict:
        """Bars, chords (symbol, bar from 1, start and length in quarter-note beats from the
        piece's start), meter, tempo, source and parts, as JSON-ready values."""
        starts = [b0 for b0, _ in self._spans()]

        def beats(ticks: int) -> float:
            return round(ticks / TICKS_PER_BEAT, 4)

        return {
            "source": self.source,
            "parts": list(self.parts),
            "tempo": self.tempo,
            "meter": _meter(self.time_signatures[0]),
            "time_signatures": [{"beat": beats(s.start), "meter": _meter(s)}
                                for s in self.time_signatures],
            "bars": self.bars(),
            "chords": [{"symbol": c.chord.symbol, "bar": bisect.bisect_right(starts, c.start),
                        "beat": beats(c.start), "beats": beats(c.duration)}
                       for c in self.changes],
        }

    def json(self) -> str:
        """:meth:`to_json` as indented JSON text."""
        return json.dumps(self.to_json(), indent=2)


def chart_of(score: Score, source: str = SYMBOLS, parts: tuple[str, ...] = ()) -> Chart:
    """The chart of ``score``'s changes, meter and tempo."""
    return Chart(score.changes, score.time_signatures, score.tempo, source, parts)


def _meter(sig: TimeSignature) -> str:
    """``"4/4"``."""
    return f"{sig.numerator}/{sig.denominator}"
