"""Choose a bundle's sampling settings on held-out solos, and store them in the bundle.

For every setting on a small grid (temperature of the pitch-or-rest tokens, temperature of
the duration tokens, top-p) the model plays one solo per held-out piece over that piece's
own changes, meter and length, for several seeds; the generated set's profile — mean H1, H4
and GS over pieces, and the pooled shares of on-beat chord tones and chord-or-scale tones —
is set against the same profile of the real pieces, and a classifier two-sample test (the
held-out accuracy of a logistic regression telling real 4-bar phrases from generated ones,
50% when it cannot) is run between them. Each gap is divided by its tolerance (5% of the
real value for H1, H4 and GS; 5 points for chord tones; 3 points for chord-or-scale tones;
10 points above 50% for the classifier: the goals the project holds its shipped model to)
and the setting with the smallest sum of squared scaled gaps, averaged over the seeds, wins.
The grid is then refined once: the eight settings half a grid step around the winner (pitch
and duration temperature, its top-p) are tried the same way, and the best of all wins.
The choice is written into the bundle's ``config.json`` (``meta.sampling``, what
``generate`` uses by default) with the whole table in ``calibration.json`` beside it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from jazzgen.corpus.loader import Progress
from jazzgen.errors import EvaluateError, MetricError
from jazzgen.evaluate.mgeval import two_sample_accuracy
from jazzgen.evaluate.report import PIECE_METRICS, pooled_harmony
from jazzgen.generate.sampling import SampleConfig, sample
from jazzgen.io import atomic
from jazzgen.music.notes import Score

# Centred on plain sampling (temperature 1, no top-p cut), the model's own distribution: a
# top-p cut removes the rare short values (1-3 ticks) and the rare leaps a real line has.
TEMPERATURES = (0.9, 1.0, 1.1)
DURATION_TEMPERATURES = (0.85, 1.0, 1.15)
TOP_PS = (0.95, 1.0)
TOLERANCES = {"H1": ("relative", 0.05), "H4": ("relative", 0.05), "GS": ("relative", 0.05),
              "chord_tones": ("points", 0.05), "chord_or_scale_tones": ("points", 0.03),
              "classifier": ("points", 0.10)}
"""How far each measure may be from the real pieces' before it counts as one unit of gap."""
CALIBRATION_FILE = "calibration.json"


def profile(scores: Sequence[Score]) -> dict[str, float]:
    """Mean H1, H4, GS over the pieces (where defined) and pooled on-beat harmony shares,
    measured as ``jazzgen evaluate`` measures them."""
    values: dict[str, list[float]] = {"H1": [], "H4": [], "GS": []}
    for name, fn in PIECE_METRICS:
        for s in scores if name in values else ():
            with contextlib.suppress(MetricError):  # too short for the measure
                values[name].append(float(fn(s)))
    harmony = pooled_harmony(scores)
    if harmony["chord_tone_share"] is None or not all(values.values()):
        raise EvaluateError("the pieces are too short, or have no chords, to measure")
    out = {k: float(np.mean(v)) for k, v in values.items()}
    out["chord_tones"] = float(harmony["chord_tone_share"])
    out["chord_or_scale_tones"] = float(harmony["chord_or_scale_share"])
    return out


def gap(generated: dict[str, float], real: dict[str, float]) -> float:
    """Sum of squared gaps, each in units of its tolerance (see :data:`TOLERANCES`); a
    measure missing from ``generated`` (a classifier with too few phrases) counts nothing."""
    total = 0.0
    for name, (kind, tol) in TOLERANCES.items():
        if generated.get(name) is None:
            continue
        scale = tol * real[name] if kind == "relative" else tol
        total += ((generated[name] - real[name]) / scale) ** 2
    return total


@dataclass(frozen=True)
class Trial:
    """One setting: the generated profile per seed, its mean, and the mean gap."""

    setting: SampleConfig
    profiles: tuple[dict[str, float], ...]
    mean: dict[str, float]
    gap: float
    gap_sd: float


@dataclass(frozen=True)
class Calibration:
    """Every setting tried, best first, against the real pieces' profile."""

    trials: tuple[Trial, ...]
    real: dict[str, float]
    pieces: int
    seeds: int

    @property
    def best(self) -> SampleConfig:
        """The chosen setting."""
        return self.trials[0].setting

    def to_dict(self) -> dict:
        """JSON-ready data: the method, the real profile and every trial."""
        return {"method": __doc__.split("\n\n")[1].replace("\n", " "),
                "tolerances": {k: list(v) for k, v in TOLERANCES.items()},
                "pieces": self.pieces, "seeds": self.seeds, "real": self.real,
                "chosen": self.best.to_dict(),
                "trials": [{**asdict(t), "setting": t.setting.to_dict()} for t in self.trials]}

    def merged(self, other: Calibration) -> Calibration:
        """Both calibrations' trials ranked together (same pieces, seeds and real profile)."""
        trials = sorted(self.trials + other.trials, key=lambda t: t.gap)
        return Calibration(tuple(trials), self.real, self.pieces, self.seeds)

    def table(self) -> str:
        """The trials as a fixed-width table, best first, the real profile on top."""
        names = list(TOLERANCES)
        head = f"{'temp':>5}{'dur':>6}{'top-p':>7}" + "".join(f"{n[:10]:>11}" for n in names)
        lines = [f"Calibrated on {self.pieces} pieces x {self.seeds} seeds "
                 f"(gap: squared distance in tolerance units)", head + f"{'gap':>12}",
                 f"{'real':>18}" + "".join(f"{self.real[n]:>11.3f}" for n in names)]
        for t in self.trials:
            s = t.setting
            lines.append(f"{s.temperature:>5.2f}{s.duration_temperature or s.temperature:>6.2f}"
                         f"{s.top_p:>7.2f}" + "".join(_cell(t.mean[n]) for n in names)
                         + f"{t.gap:>7.2f}±{t.gap_sd:<4.2f}")
        return "\n".join(lines)


def _cell(value: float | None) -> str:
    """A table cell: the value to 3 decimals, or n/a."""
    return f"{value:>11.3f}" if value is not None else f"{'n/a':>11}"


def grid(temperatures: Sequence[float] = TEMPERATURES,
         duration_temperatures: Sequence[float] = DURATION_TEMPERATURES,
         top_ps: Sequence[float] = TOP_PS) -> list[SampleConfig]:
    """Every combination, as sampling configs."""
    return [SampleConfig(temperature=t, top_p=p, duration_temperature=d)
            for t, d, p in itertools.product(temperatures, duration_temperatures, top_ps)]


def neighbours(best: SampleConfig, settings: Sequence[SampleConfig]) -> list[SampleConfig]:
    """The settings half a grid step around ``best`` in pitch and in duration temperature
    (each step the smallest spacing of that axis in ``settings``; an axis with one value
    stays put), with ``best``'s top-p, leaving out ``best`` and any setting already tried."""
    def offsets(values: set[float]) -> list[float]:
        if len(values) < 2:
            return [0.0]
        half = float(np.diff(sorted(values)).min()) / 2
        return [-half, 0.0, half]

    def key(s: SampleConfig) -> tuple[float, float, float]:
        return s.temperature, s.for_durations().temperature, s.top_p

    tried = {key(s) for s in settings}
    out = []
    for dt, dd in itertools.product(offsets({s.temperature for s in settings}),
                                    offsets({key(s)[1] for s in settings})):
        t, d = round(best.temperature + dt, 4), round(key(best)[1] + dd, 4)
        if t > 0 and d > 0 and (t, d, best.top_p) not in tried:
            out.append(SampleConfig(temperature=t, top_p=best.top_p, duration_temperature=d))
    return out


def play_over(net, vocab, pieces: Sequence[Score], setting: SampleConfig, seeds: int
              ) -> list[list[Score]]:
    """For each seed, one solo per piece over its changes, meter and length."""
    out: list[list[Score]] = [[] for _ in range(seeds)]
    for i, piece in enumerate(pieces):
        end = max(n.end for n in piece.notes)
        streams = [np.random.SeedSequence([k, i]) for k in range(seeds)]
        lines = sample(net, vocab, piece.changes, piece.time_signatures, streams, setting,
                       end=end)
        for k, line in enumerate(lines):
            out[k].append(Score(notes=line, changes=piece.changes,
                                time_signatures=piece.time_signatures, tempo=piece.tempo))
    return out


def calibrate(net, vocab, pieces: Sequence[Score], settings: Sequence[SampleConfig],
              seeds: int = 3, progress: Callable[[int, int], None] | None = None
              ) -> Calibration:
    """Try every setting on ``pieces`` (real solos with chords) and rank them."""
    pieces = [p for p in pieces if p.notes and p.changes]
    if not pieces:
        raise EvaluateError("calibration needs held-out pieces with notes and chord changes")
    if seeds < 1 or not settings:
        raise EvaluateError("calibration needs at least one seed and one setting")
    real = {**profile(pieces), "classifier": 0.5}
    trials = []
    for k, setting in enumerate(settings):
        runs = [{**profile(s), "classifier": _classifier(pieces, s, seed)}
                for seed, s in enumerate(play_over(net, vocab, pieces, setting, seeds))]
        gaps = [gap(r, real) for r in runs]
        mean = {n: _mean([r[n] for r in runs]) for n in TOLERANCES}
        trials.append(Trial(setting, tuple(runs), mean, float(np.mean(gaps)),
                            float(np.std(gaps))))
        if progress is not None:
            progress(k + 1, len(settings))
    trials.sort(key=lambda t: t.gap)
    return Calibration(tuple(trials), real, len(pieces), seeds)


def _classifier(real: Sequence[Score], generated: Sequence[Score], seed: int) -> float | None:
    """The two-sample test's accuracy, or None when the pieces have too few phrases."""
    try:
        return two_sample_accuracy(real, generated, seed)
    except MetricError:
        return None


def _mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are not None (None if there are none)."""
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def store(bundle_dir: str | os.PathLike, result: Calibration) -> list[Path]:
    """Write the chosen setting into the bundle's config.json (``meta.sampling``) and the
    whole table to calibration.json, each atomically; returns both paths."""
    bundle_dir = Path(bundle_dir)
    cfg_path = bundle_dir / "config.json"
    try:
        config = json.loads(cfg_path.read_text())
    except (OSError, ValueError) as exc:
        raise EvaluateError(f"cannot read {cfg_path}: {exc}") from None
    config.setdefault("meta", {})["sampling"] = result.best.to_dict()
    return [atomic.write_text(cfg_path, json.dumps(config, indent=2) + "\n"),
            atomic.write_text(bundle_dir / CALIBRATION_FILE,
                              json.dumps(result.to_dict(), indent=1) + "\n")]


def run_calibration(model_dir: str | os.PathLike, corpus_dir: str | os.PathLike | None,
                    settings: Sequence[SampleConfig], seeds: int = 3, write: bool = True,
                    progress: Callable[[int, int], None] | None = None,
                    reading: Progress | None = None, refine: bool = True
                    ) -> tuple[Calibration, list[Path]]:
    """Calibrate the bundle at ``model_dir`` on ``corpus_dir`` (default: the validation
    files its corpus.json records) and, with ``write``, store the result in the bundle.
    With ``refine`` the winner's :func:`neighbours` are tried too. ``progress(done, total)``
    follows the settings tried (the refinement as a second run of reports), ``reading`` the
    files read."""
    from jazzgen.evaluate.sets import bundle_files, load_set
    from jazzgen.model.bundle import load_bundle

    if not Path(model_dir).exists():
        raise EvaluateError(f"model folder not found: {model_dir}")
    bundle = load_bundle(model_dir)
    if corpus_dir is None:
        _, valid = bundle_files(model_dir, reading, read_train=False)
        if valid is None:
            raise EvaluateError(f"{model_dir} records no validation files: give a folder of "
                                f"held-out solos")
    else:
        valid = load_set(corpus_dir, "calibration", reading)
    pieces = [s for _, s in valid.pieces]
    result = calibrate(bundle.net, bundle.vocab, pieces, settings, seeds, progress)
    extra = neighbours(result.best, settings) if refine else []
    if extra:
        result = result.merged(calibrate(bundle.net, bundle.vocab, pieces, extra, seeds,
                                         progress))
    return result, store(model_dir, result) if write else []
