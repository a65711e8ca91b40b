"""A piano-roll PNG of a solo: notes, bar lines, chord names, the band in lighter colours."""

from __future__ import annotations

import os
from pathlib import Path

from jazzgen.errors import RenderError
from jazzgen.io import atomic
from jazzgen.music.notes import TICKS_PER_BEAT, Score, bar_spans

_PART_COLOURS = (("Bass", "#6fbf73"), ("Guitar", "#e0b050"))
_COMP_COLOUR, _SOLO_COLOUR = "#7fb3e0", "#c0392b"


def piano_roll_png(score: Score, width: int = 1600, height: int = 600, dpi: int = 100) -> bytes:
    """PNG bytes of the piano roll that ``write_piano_roll`` writes."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.transforms import blended_transform_factory

    if width < 200 or height < 150:
        raise RenderError(f"piano roll must be at least 200x150 pixels, got {width}x{height}")
    beat = float(TICKS_PER_BEAT)
    bars = bar_spans(score)
    ends = [n.end for p in score.parts for n in p.notes]
    total = max([bars[-1][1], *ends]) / beat
    pitched = [p for p in score.parts if not p.is_drum and p.notes]
    drums = [n for p in score.parts if p.is_drum for n in p.notes]
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    strip = 0.05 if drums else 0.0
    ax = fig.add_axes((0.055, 0.09 + strip, 0.935, 0.74 - strip))
    for p in pitched:  # band first, pale, so the solo sits on top
        colour = dict(_PART_COLOURS).get(p.name, _COMP_COLOUR)
        ax.barh([n.pitch for n in p.notes], [n.duration / beat for n in p.notes], 0.8,
                [n.start / beat for n in p.notes], color=colour, alpha=0.45, lw=0, label=p.name)
    ax.barh([n.pitch for n in score.notes], [n.duration / beat for n in score.notes], 0.9,
            [n.start / beat for n in score.notes], color=_SOLO_COLOUR, edgecolor="#6e1f17",
            lw=0.4, label="Solo")
    pitches = [n.pitch for n in score.notes] + [n.pitch for p in pitched for n in p.notes]
    lo, hi = (min(pitches) - 2, max(pitches) + 2) if pitches else (58, 84)
    ax.set_xlim(0, total)
    ax.set_ylim(lo - 0.5, hi + 0.5)
    octaves = [p for p in range(lo, hi + 1) if p % 12 == 0]
    ax.set_yticks(octaves, [f"C{p // 12 - 1}" for p in octaves], fontsize=8)
    for p in octaves:
        ax.axhline(p - 0.5, color="#dddddd", lw=0.6, zorder=0)
    for a, _, _ in bars:
        ax.axvline(a / beat, color="#888888", lw=0.6, zorder=0.5)
    _chord_labels(ax, score, total, width * 0.935, blended_transform_factory(ax.transData,
                                                                           ax.transAxes))
    bottom = ax
    if drums:  # a thin strip of drum hits under the roll, taller for louder hits
        bottom = fig.add_axes((0.055, 0.09, 0.935, strip * 0.8), sharex=ax)
        bottom.vlines([n.start / beat for n in drums], 0,
                      [0.3 + n.velocity / 180 for n in drums], color="#777777", lw=0.6)
        bottom.set_ylim(0, 1)
        bottom.set_yticks([0.5], ["drums"], fontsize=7)
        ax.tick_params(axis="x", labelbottom=False)
    step = max(1, round(len(bars) * 60 / (width * 0.93)))  # a bar number every ~60 px or more
    bottom.set_xticks([a / beat for a, _, _ in bars[::step]],
                      [str(i + 1) for i in range(0, len(bars), step)], fontsize=8)
    bottom.set_xlabel("bar", fontsize=8, labelpad=2)
    sig = score.time_signatures[0]
    fig.text(0.055, 0.965, score.title or "jazzgen solo", fontsize=13, weight="bold", va="top")
    fig.text(0.055, 0.915, f"\u2669 = {score.tempo:g}   {sig.numerator}/{sig.denominator}   "
             f"{len(bars)} bars", fontsize=9, va="top", color="#444444")
    fig.legend(loc="upper right", ncols=4, fontsize=8, frameon=False, bbox_to_anchor=(0.99, 0.98))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _chord_labels(ax, score: Score, total: float, axis_px: float, transform) -> None:
    """Chord names above the roll, skipping those that would overlap the previous one."""
    size = 8 if axis_px / max(total, 1) > 12 else 7
    px_per_beat = axis_px / max(total, 1e-9)
    free_from = -1e9
    for c in score.changes:
        x = c.start / TICKS_PER_BEAT
        if x * px_per_beat < free_from:
            continue
        ax.text(x + 0.05, 1.01, c.chord.symbol, transform=transform, fontsize=size,
                va="bottom", ha="left", clip_on=False)
        free_from = x * px_per_beat + 0.62 * size * len(c.chord.symbol) + 4


def write_piano_roll(score: Score, path: str | os.PathLike, width: int = 1600,
                     height: int = 600) -> Path:
    """Write a piano-roll PNG of ``width`` x ``height`` pixels: solo, band, bars, chords."""
    return atomic.write_bytes(path, piano_roll_png(score, width, height))
