"""Generate solos over chord changes: pick the model, lay out the form, sample, add the band,
write every file asked for."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from jazzgen.errors import BundleError, ConfigError, GenerateError, ReadError
from jazzgen.generate.band import make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import (
    DEFAULT_NOTES,
    MAX_BARS,
    MAX_PRIMER_BARS,
    MAX_PRIMER_NOTES,
    Form,
    form_changes,
    repeat_form,
    solo_bars,
)
from jazzgen.generate.sampling import QuoteGuard, SampleConfig, SampleOverrides, sample
from jazzgen.io.midi import write_midi
from jazzgen.io.read import read_score
from jazzgen.model.novelty import QUOTES_FILE, load_quotes
from jazzgen.music import gm
from jazzgen.music.chords import ChordChange
from jazzgen.music.humanize import Performance, humanize
from jazzgen.music.notes import Score, TimeSignature, cut_changes, ticks_to_seconds
from jazzgen.music.quotes import QuoteIndex
from jazzgen.music.swing import swing_ticks
from jazzgen.output.render import Outputs, write_outputs

DEFAULT_MODEL = Path("models") / "default"
PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "data" / "wjazzd-lstm"


@dataclass(frozen=True)
class Request:
    """Everything a generation run can be asked for."""

    form: Form = field(default_factory=Form)
    seed: int = 0
    # a full SampleConfig, or the settings given laid over the bundle's calibrated ones
    sample: SampleConfig | SampleOverrides = field(default_factory=SampleOverrides)
    tempo: float | None = None
    num_outputs: int = 1
    primer: str | os.PathLike | None = None
    track: str | None = None  # melody track of the primer
    band: BandConfig | None = None  # None: the solo alone
    swing: float | None = None  # re-swing the solo's eighths to this ratio
    solo_program: int = gm.SOLO_PROGRAM
    outputs: Outputs = field(default_factory=Outputs)  # files beside each MIDI file
    max_copy: int | None = None  # longest quote of the training solos allowed, in notes
    humanize: float = 0.0  # timing and velocity variation of solo and band, 0 (none)..1
    over: str | os.PathLike | None = None  # a backing MIDI file to solo over (its tracks
    # are the band; see jazzgen.generate.over)

    def __post_init__(self) -> None:
        if self.num_outputs < 1:
            raise GenerateError(f"the number of outputs must be at least 1, got "
                                f"{self.num_outputs}")
        check_tempo(self.tempo)
        if not 0 <= self.humanize <= 1:
            raise GenerateError(f"humanize must be 0..1, got {self.humanize}")


@dataclass(frozen=True)
class Solo:
    """One generated solo: its score, its MIDI file and the other files written beside it."""

    score: Score
    midi: Path
    extras: tuple[Path, ...] = ()  # WAV, lead sheet, piano roll, as asked for
    longest_quote: int | None = None  # notes quoted verbatim from the training solos (None:
    # the bundle has no quote index)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file written for this solo, MIDI first."""
        return (self.midi, *self.extras)


@dataclass(frozen=True)
class Result:
    """What a generation run wrote: the solos, with the model, changes and seed they came
    from (the seed makes the run again)."""

    model: Path
    changes_label: str
    seed: int
    solos: tuple[Solo, ...] = ()
    sampling: SampleConfig = field(default_factory=SampleConfig)  # the settings drawn with
    remarks: tuple[str, ...] = ()  # what a person should know: settings left unused, ...

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file written, solo by solo."""
        return tuple(p for s in self.solos for p in s.paths)


def resolve_model(model: str | os.PathLike | None) -> Path:
    """The bundle to use: the one named, else ./models/default, else the shipped model."""
    if model is not None:
        return Path(model)
    if DEFAULT_MODEL.is_dir():
        return DEFAULT_MODEL
    if PACKAGED_MODEL.is_dir():
        return PACKAGED_MODEL
    raise BundleError(f"no model at {DEFAULT_MODEL} and no shipped model in this install: "
                      f"train one first or name a model bundle")


def generate(model: str | os.PathLike | None, output: str | os.PathLike,
             request: Request, progress: Callable[[int, int], None] | None = None) -> Result:
    """Sample ``request.num_outputs`` solos, write each as MIDI (and the other outputs asked
    for) at ``output`` (numbered when there are several); returns what was written.
    ``progress(done, total)`` is called before the first solo's files are written and after
    each solo's. A request ``over`` a backing file is for
    :func:`jazzgen.generate.over.generate_over`."""
    from jazzgen.model.bundle import load_bundle

    if request.over is not None:
        raise GenerateError("a solo over a backing file is made by "
                            "jazzgen.generate.over.generate_over")
    request.outputs.check()  # fail before sampling when the synthesizer is missing
    sig = request.form.time_signature()
    bar = sig.bar_ticks
    form, form_bars, label = form_changes(request.form, bar)
    primer, primer_bars = None, 0
    if request.primer:
        primer, primer_bars = load_primer(request.primer, request.track, bar)
    bars = solo_bars(request.form, form_bars)
    notes = None if bars else request.form.length or DEFAULT_NOTES
    cover = bars if bars is not None else min(MAX_BARS, notes + form_bars)
    end = (primer_bars + bars) * bar if bars else None
    changes = repeat_form(form, form_bars, bar, cover, offset=primer_bars * bar)
    if primer is not None:
        changes = tuple(c for c in primer.changes if c.start < primer_bars * bar) + changes
    path = resolve_model(model)
    bundle = load_bundle(path)
    check_meter(bundle, sig)
    seeds = np.random.SeedSequence(request.seed).spawn(2 * request.num_outputs)
    sampling = request.sample.over(calibrated_sampling(bundle))
    quotes = load_quotes(path)
    guard = quote_guard(quotes, request.max_copy, path)
    lines = sample(bundle.net, bundle.vocab, changes, (sig,), seeds[::2], sampling,
                   notes=notes, end=end if end is not None else (cover + primer_bars) * bar,
                   primer=primer, guard=guard)
    tempo = request.tempo or bundle.default_tempo
    solos = []
    report = progress or (lambda _done, _total: None)
    report(0, len(lines))
    for i, line in enumerate(lines):
        stop = end or (math.ceil(max((n.end for n in line), default=bar) / bar) * bar)
        score = Score(notes=line, changes=cut_changes(changes, stop), time_signatures=(sig,),
                      tempo=tempo, title=f"jazzgen solo over {label}")
        score, played = _arrange(score, request, stop,
                                 np.random.default_rng(seeds[2 * i + 1]))
        target = write_midi(score, numbered(Path(output), i, request.num_outputs),
                            solo_program=request.solo_program, performance=played)
        quoted = None if quotes is None else quotes.longest([n.pitch for n in line])
        solos.append(Solo(score, target, tuple(write_outputs(target, request.outputs, score)),
                          quoted))
        report(i + 1, len(lines))
    return Result(path, label, request.seed, tuple(solos), sampling)


def quote_guard(quotes: QuoteIndex | None, max_copy: int | None,
                path: Path) -> QuoteGuard | None:
    """The quote guard for ``--max-copy``; GenerateError when the bundle has no index."""
    if max_copy is None:
        return None
    if quotes is None:
        raise GenerateError(f"{path} has no index of its training solos ({QUOTES_FILE}), so "
                            f"quotes cannot be limited; retrain it with this jazzgen")
    try:
        return QuoteGuard(quotes, max_copy)
    except ConfigError as exc:
        raise GenerateError(str(exc)) from None


def calibrated_sampling(bundle) -> SampleConfig:
    """The sampling settings stored in the bundle (``meta.sampling`` in its config.json, as
    calibration writes them), else the built-in defaults."""
    stored = bundle.meta.get("sampling")
    if stored is None:
        return SampleConfig()
    keys = {"temperature", "top_p", "duration_temperature"}
    if not isinstance(stored, dict) or not set(stored) <= keys:
        raise BundleError(f"{bundle.path / 'config.json'}: meta.sampling must be an object "
                          f"with keys among {sorted(keys)}, got {stored!r}")
    try:
        return SampleConfig(**{k: v for k, v in stored.items() if v is not None})
    except (ConfigError, TypeError) as exc:
        raise BundleError(f"{bundle.path / 'config.json'}: meta.sampling: {exc}") from None


def _arrange(score: Score, request: Request, end: int,
             rng: np.random.Generator) -> tuple[Score, Performance | None]:
    """Swing the solo if asked, put the band under it (shifted for a count-in; swinging at
    the tempo's ratio unless one is given; listening to the solo if its config says so), and
    how to play it all when humanizing (None: as written)."""
    if request.swing is not None:
        score = replace(score, notes=swing_ticks(score.notes, request.swing))
    if request.band is not None:
        cfg = request.band.at_tempo(score.tempo)
        shift = score.time_signatures[0].bar_ticks if cfg.count_in else 0
        if shift:
            score = replace(
                score,
                notes=tuple(replace(n, start=n.start + shift) for n in score.notes),
                changes=tuple(ChordChange(c.start + shift, c.duration, c.chord)
                              for c in score.changes),
            )
        parts = make_band(score.changes, score.time_signatures, end + shift, cfg, rng,
                          solo=score.notes if cfg.listen else None)
        score = replace(score, parts=tuple(parts))
    return score, humanize(score, request.humanize, feel_rng(rng))


def feel_rng(rng: np.random.Generator) -> np.random.Generator:
    """The humanizer's stream of a solo's arrangement stream ``rng``: its child 3 (the
    band's instruments spawn 0-2), named by spawn key, so it is the same with or without a
    band and no note drawn changes."""
    seq = rng.bit_generator.seed_seq
    return np.random.default_rng(np.random.SeedSequence(seq.entropy,
                                                        spawn_key=(*seq.spawn_key, 3)))


def check_tempo(tempo: float | None) -> None:
    """GenerateError for a requested tempo outside 20..400 BPM (None: none requested)."""
    if tempo is not None and not 20 <= tempo <= 400:
        raise GenerateError(f"tempo must be 20..400 BPM, got {tempo}")


def check_meter(bundle, sig: TimeSignature, where: str = "") -> None:
    """GenerateError when a bar of ``sig`` is longer than the bar positions ``bundle``
    knows; ``where`` ("in song.mid") says where the meter came from."""
    if sig.bar_ticks > bundle.vocab.cfg.positions:
        place = f" {where}" if where else ""
        raise GenerateError(f"a bar of {sig.numerator}/{sig.denominator}{place} is longer than "
                            f"the {bundle.vocab.cfg.positions} bar positions this model knows")


def read_solo(path: str | os.PathLike, track: str | None, what: str) -> Score:
    """A solo read from a file, or a GenerateError that calls it ``what`` ("primer")."""
    try:
        return read_score(path, track=track)
    except ReadError as exc:
        raise GenerateError(f"{what} {exc}") from None
    except OSError as exc:
        raise GenerateError(f"{what} {path}: {exc.strerror or exc}") from None


def load_primer(path: str | os.PathLike, track: str | None, bar: int) -> tuple[Score, int]:
    """The primer score and the whole bars it fills."""
    primer = read_solo(path, track, "primer")
    bars = max(1, math.ceil(max(n.end for n in primer.notes) / bar))
    if bars > MAX_PRIMER_BARS:
        raise GenerateError(f"primer {Path(path).name} lasts {bars} bars; the limit is "
                            f"{MAX_PRIMER_BARS}")
    if len(primer.notes) > MAX_PRIMER_NOTES:
        raise GenerateError(f"primer {Path(path).name} has {len(primer.notes)} notes; the "
                            f"limit is {MAX_PRIMER_NOTES}")
    return primer, bars


def numbered(path: Path, i: int, n: int) -> Path:
    """``solo.mid`` for one output; ``solo-1.mid`` ... ``solo-n.mid`` for several."""
    if n == 1:
        return path
    return path.with_name(f"{path.stem}-{i + 1}{path.suffix or '.mid'}")


def describe(score: Score) -> str:
    """One line about a solo: notes, bars, seconds."""
    bar = score.time_signatures[0].bar_ticks
    return (f"{len(score.notes)} notes, {math.ceil(score.end / bar)} bars, "
            f"{ticks_to_seconds(score.end, score.tempo):.1f} s at {score.tempo:g} BPM")
