"""Generate solos over chord changes: pick the model, lay out the form, sample, add the band."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from jazzgen.band import BandConfig, make_band, swing_ticks
from jazzgen.bundle import BundleError
from jazzgen.notes import ChordChange, Score, TimeSignature, ticks_to_seconds
from jazzgen.sampling import SampleConfig, sample

DEFAULT_MODEL = Path("models") / "default"
DEFAULT_CHANGES = "blues"
PACKAGED_MODEL = Path(__file__).parent / "data" / "wjazzd-lstm"
MAX_BARS = 2000


class GenerateError(ValueError):
    """A generation request that cannot be carried out."""


@dataclass(frozen=True)
class Request:
    """Everything ``jazzgen generate`` can be asked for."""

    length: int | None = None  # sounding notes
    bars: int | None = None
    choruses: int | None = None
    chords: str | None = None  # changes as text, bars separated by |
    changes_name: str | None = None  # a built-in progression
    key: str | None = None
    seed: int = 0
    sample: SampleConfig = field(default_factory=SampleConfig)
    tempo: float | None = None
    num_outputs: int = 1
    primer: str | None = None
    band: BandConfig | None = None  # None: the solo alone
    swing: float | None = None  # re-swing the solo's eighths to this ratio
    solo_program: int = 66
    meter: tuple[int, int] = (4, 4)  # time signature of the changes (a jazz waltz: 3/4)
    track: str | None = None  # primer track

    def __post_init__(self) -> None:
        given = [x for x in (self.length, self.bars, self.choruses) if x is not None]
        if len(given) > 1:
            raise GenerateError("give only one of --length, --bars and --choruses")
        if any(x <= 0 for x in given):
            raise GenerateError("--length, --bars and --choruses must be positive")
        if self.chords and self.changes_name:
            raise GenerateError("give either --chords or --changes, not both")
        if self.num_outputs < 1:
            raise GenerateError("--num-outputs must be at least 1")
        if self.tempo is not None and not 20 <= self.tempo <= 400:
            raise GenerateError(f"--tempo must be 20..400 BPM, got {self.tempo}")


@dataclass(frozen=True)
class Result:
    """What was written."""

    paths: tuple[Path, ...]
    scores: tuple[Score, ...]
    model: Path
    changes_label: str
    seed: int


def resolve_model(model: str | os.PathLike | None) -> Path:
    """The bundle to use: the one named, else ./models/default, else the shipped model."""
    if model is not None:
        return Path(model)
    if DEFAULT_MODEL.is_dir():
        return DEFAULT_MODEL
    if PACKAGED_MODEL.is_dir():
        return PACKAGED_MODEL
    raise BundleError(f"no model at {DEFAULT_MODEL} and no shipped model in this install: "
                      f"run 'jazzgen train' first or pass --model DIR")


def form_changes(request: Request, bar_ticks: int) -> tuple[tuple[ChordChange, ...], int, str]:
    """One chorus of the requested changes, its length in bars, and a label for it."""
    from jazzgen.progressions import parse_changes, progression_changes

    if request.chords:
        text, label = request.chords, "the given changes"
        if request.key:
            raise GenerateError("--key transposes a built-in progression (--changes); "
                                "write --chords in the key you want")
    else:
        name = request.changes_name or DEFAULT_CHANGES
        try:
            text = progression_changes(name, request.key)
        except ValueError as exc:
            raise GenerateError(str(exc)) from None
        label = f"{name}" + (f" in {request.key}" if request.key else "")
    try:
        changes = parse_changes(text, bar_ticks=bar_ticks)
    except ValueError as exc:
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


def generate(model: str | os.PathLike | None, output: str | os.PathLike,
             request: Request) -> Result:
    """Sample ``request.num_outputs`` solos and write each as a MIDI file; returns the paths."""
    from jazzgen.bundle import load_bundle
    from jazzgen.midi_io import write_midi

    try:
        sig = TimeSignature(0, *request.meter)
    except ValueError as exc:
        raise GenerateError(str(exc)) from None
    bar = sig.bar_ticks
    form, form_bars, label = form_changes(request, bar)
    primer, primer_bars = None, 0
    if request.primer:
        primer, primer_bars = _load_primer(request.primer, request.track, bar)
    if request.bars or request.choruses:
        bars = request.bars or request.choruses * form_bars
        notes, end = None, (primer_bars + bars) * bar
    else:
        bars = None
        notes = request.length or 64
        end = None
    cover = bars if bars is not None else min(MAX_BARS, notes + form_bars)
    changes = repeat_form(form, form_bars, bar, cover, offset=primer_bars * bar)
    if primer is not None:
        changes = tuple(c for c in primer.changes if c.start < primer_bars * bar) + changes
    path = resolve_model(model)
    bundle = load_bundle(path)
    seeds = np.random.SeedSequence(request.seed).spawn(2 * request.num_outputs)
    lines = sample(bundle.net, bundle.vocab, changes, (sig,), seeds[::2], request.sample,
                   notes=notes, end=end if end is not None else cover * bar + primer_bars * bar,
                   primer=primer)
    tempo = request.tempo or bundle.default_tempo
    scores, paths = [], []
    for i, line in enumerate(lines):
        stop = end or (math.ceil(max((n.end for n in line), default=bar) / bar) * bar)
        score = Score(
            notes=line,
            changes=tuple(c if c.end <= stop else ChordChange(c.start, stop - c.start, c.chord)
                          for c in changes if c.start < stop),
            time_signatures=(sig,), tempo=tempo,
            title=f"jazzgen solo over {label}",
        )
        score = _arrange(score, request, stop, np.random.default_rng(seeds[2 * i + 1]))
        target = _numbered(Path(output), i, request.num_outputs)
        write_midi(score, target, solo_program=request.solo_program)
        scores.append(score)
        paths.append(target)
    return Result(tuple(paths), tuple(scores), path, label, request.seed)


def _arrange(score: Score, request: Request, end: int, rng: np.random.Generator) -> Score:
    """Swing the solo if asked and put the band under it (shifted for a count-in)."""
    if request.swing is not None:
        score = replace(score, notes=swing_ticks(score.notes, request.swing))
    if request.band is None:
        return score
    cfg = request.band
    shift = score.time_signatures[0].bar_ticks if cfg.count_in else 0
    if shift:
        score = replace(
            score,
            notes=tuple(replace(n, start=n.start + shift) for n in score.notes),
            changes=tuple(ChordChange(c.start + shift, c.duration, c.chord)
                          for c in score.changes),
        )
    parts = make_band(score.changes, score.time_signatures, end + shift, cfg, rng)
    return replace(score, parts=tuple(parts))


def _load_primer(path: str, track: str | None, bar: int) -> tuple[Score, int]:
    """The primer score and the whole bars it fills."""
    from jazzgen.scores import read_score

    try:
        primer = read_score(path, track=track)
    except ValueError as exc:
        raise GenerateError(f"primer {exc}") from None
    except OSError as exc:
        raise GenerateError(f"primer {path}: {exc.strerror or exc}") from None
    bars = max(1, math.ceil(max(n.end for n in primer.notes) / bar))
    return primer, bars


def _numbered(path: Path, i: int, n: int) -> Path:
    """``solo.mid`` for one output; ``solo-1.mid`` ... ``solo-n.mid`` for several."""
    if n == 1:
        return path
    return path.with_name(f"{path.stem}-{i + 1}{path.suffix or '.mid'}")


def describe(score: Score) -> str:
    """One line about a solo: notes, bars, seconds."""
    bar = score.time_signatures[0].bar_ticks
    return (f"{len(score.notes)} notes, {math.ceil(score.end / bar)} bars, "
            f"{ticks_to_seconds(score.end, score.tempo):.1f} s at {score.tempo:g} BPM")
