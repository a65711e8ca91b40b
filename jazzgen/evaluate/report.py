"""Music metrics of a folder of generated solos beside a reference folder.

``evaluate_generated`` summarises each set with the MusDr metrics and harmony shares of
``jazzgen.evaluate.musdr``, compares the sets with MGEval's features
(``jazzgen.evaluate.mgeval``), measures
copying from a training folder, and runs a classifier two-sample test.
"""

from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.corpus.loader import Corpus, Progress
from jazzgen.errors import MetricError
from jazzgen.evaluate.mgeval import (
    SCALAR_FEATURES,
    VECTOR_FEATURES,
    compare_sets,
    piece_features,
    two_sample_accuracy,
)
from jazzgen.evaluate.musdr import (
    chord_progression_irregularity,
    copy_rate,
    grooving_similarity,
    harmony_scores,
    pitch_class_entropy,
)
from jazzgen.evaluate.sets import cell, load_set
from jazzgen.io import atomic
from jazzgen.music.notes import Score


@dataclass(frozen=True)
class Stat:
    """Mean and standard deviation of a per-piece metric over a set (n pieces where it is
    defined), or None with the reason it is undefined for every piece."""

    mean: float | None
    std: float | None
    n: int
    reason: str = ""

    def text(self, fmt: str = ".3f") -> str:
        """"mean ± std", or "n/a"."""
        if self.mean is None:
            return "n/a"
        return f"{self.mean:{fmt}} ± {self.std:{fmt}}"


def _h1(score: Score) -> float:
    return pitch_class_entropy(score, 1)


def _h4(score: Score) -> float:
    return pitch_class_entropy(score, 4)


PIECE_METRICS = (("H1", _h1), ("H4", _h4), ("GS", grooving_similarity),
                 ("CPI", chord_progression_irregularity))
"""Per-piece MusDr metrics averaged over a set, by name."""

LENGTH_LABELS = ("1", "1/2", "1/4", "1/8", "1/16", "1/2.", "1/4.", "1/8.", "1/16.",
                 "1/2t", "1/4t", "1/8t")
"""Names of ``mgeval.NOTE_LENGTH_CLASSES``, in its order."""

MAX_INTERVAL = 12  # the interval histogram pools leaps of an octave or more in its end bins


def _stat(values: Sequence[float | None], reasons: Sequence[str]) -> Stat:
    """A Stat over the defined values; the first reason when there are none."""
    vals = [v for v in values if v is not None]
    if not vals:
        return Stat(None, None, 0, reasons[0] if reasons else "no pieces")
    return Stat(float(np.mean(vals)), float(np.std(vals)), len(vals))


@dataclass(frozen=True)
class SetSummary:
    """One set's size, per-piece metric means, pooled harmony counts and copying."""

    folder: str
    pieces: int
    notes: int
    skipped: int
    stats: dict[str, Stat]
    harmony: dict[str, float | int | None]
    copy: dict[str, float | int | None] | None  # metrics.copy_rate against training


def pooled_harmony(scores: Sequence[Score]) -> dict[str, float | int | None]:
    """On-beat notes, chord tones and chord-or-scale tones summed over ``scores``, and the
    two shares of the pooled counts (None when no note starts on a beat under a chord)."""
    pooled = {"on_beat_notes": 0, "chord_tones": 0, "chord_or_scale_tones": 0}
    for s in scores:
        h = harmony_scores(s)
        for k in pooled:
            pooled[k] += int(h[k])
    n = pooled["on_beat_notes"]
    return {**pooled, "chord_tone_share": pooled["chord_tones"] / n if n else None,
            "chord_or_scale_share": pooled["chord_or_scale_tones"] / n if n else None}


def _summarise(corpus: Corpus, training: Sequence[Score] | None) -> SetSummary:
    """Metrics of every piece of ``corpus``, summarised over the set."""
    scores = [s for _, s in corpus.pieces]
    stats = {}
    for name, fn in PIECE_METRICS:
        values, reasons = [], []
        for s in scores:
            try:
                v = fn(s)
            except MetricError as exc:
                reasons.append(str(exc))
                continue
            values.append(v)
            if v is None:
                reasons.append("no chord symbols")
        stats[name] = _stat(values, reasons)
    feats = [piece_features(s) for s in scores]
    for name in SCALAR_FEATURES:
        stats[name] = _stat([float(f[name]) for f in feats], [])
    return SetSummary(
        folder=corpus.root, pieces=len(scores), notes=corpus.note_count,
        skipped=len(corpus.skipped), stats=stats, harmony=pooled_harmony(scores),
        copy=None if training is None else copy_rate(scores, training),
    )


def _histograms(scores: Sequence[Score]) -> dict[str, list[float]]:
    """Per-piece normalised histograms averaged over the set (as MGEval's set means)."""
    out: dict[str, list[np.ndarray]] = {"pitch class": [], "note length": [], "IOI": [],
                                        "interval": []}
    for s in scores:
        f = piece_features(s)
        out["pitch class"].append(f["pitch_class_histogram"])
        out["note length"].append(f["note_length_histogram"])
        out["IOI"].append(f["ioi_histogram"])
        steps = np.clip(np.diff([n.pitch for n in s.notes]), -MAX_INTERVAL, MAX_INTERVAL)
        hist = np.bincount(steps + MAX_INTERVAL, minlength=2 * MAX_INTERVAL + 1).astype(float)
        out["interval"].append(hist / max(hist.sum(), 1.0))
    return {k: [float(x) for x in np.mean(v, axis=0)] for k, v in out.items()}


HISTOGRAM_LABELS = {
    "pitch class": ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"),
    "note length": LENGTH_LABELS,
    "IOI": LENGTH_LABELS,
    "interval": ("<=-12", *(f"{i:+d}" if i else "0" for i in range(1 - MAX_INTERVAL,
                                                                   MAX_INTERVAL)), ">=+12"),
}


@dataclass(frozen=True)
class MusicReport:
    """Generated solos beside reference solos: MusDr metrics, harmony, MGEval set
    comparison (KL/OA), copying from the training set and a two-sample test."""

    generated: SetSummary
    reference: SetSummary
    features: dict[str, dict] | None  # mgeval.compare_sets output, None when undefined
    features_reason: str
    two_sample_accuracy: float | None
    two_sample_reason: str
    histograms: dict[str, dict]  # name -> labels, generated, reference
    seed: int
    train_pieces: int | None

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return dataclasses.asdict(self)

    def table(self) -> str:
        """A readable table: metric | generated | reference | KL | OA."""
        g, r = self.generated, self.reference
        lines = [f"Generated: {g.pieces} pieces, {g.notes:,} notes ({g.folder})",
                 f"Reference: {r.pieces} pieces, {r.notes:,} notes ({r.folder})", "",
                 _line("metric", "generated", "reference", "KL", "OA")]
        labels = {"H1": "pitch-class entropy H1", "H4": "pitch-class entropy H4",
                  "GS": "grooving similarity GS", "CPI": "chord progression irreg. CPI"}
        for key, label in labels.items():
            lines.append(_line(label, g.stats[key].text(), r.stats[key].text()))
        for key, label in (("chord_tone_share", "chord tones on beats"),
                           ("chord_or_scale_share", "chord/scale tones on beats")):
            lines.append(_line(label, cell(g.harmony[key], ".1%"), cell(r.harmony[key], ".1%")))
        feats = self.features or {}
        for name in (*SCALAR_FEATURES, *VECTOR_FEATURES):
            f = feats.get(name, {})
            stat = (g.stats[name].text(".2f"), r.stats[name].text(".2f")) \
                if name in g.stats else ("-", "-")
            lines.append(_line(name, *stat, cell(f.get("kl"), ".3f"), cell(f.get("oa"), ".3f")))
        if g.copy is not None and r.copy is not None:
            lines.append(_line("copied 8-interval runs", cell(g.copy["rate"], ".1%"),
                               cell(r.copy["rate"], ".1%")))
            lines.append(_line("longest copied run (notes)", str(g.copy["longest_run_notes"]),
                               str(r.copy["longest_run_notes"])))
        lines.append(_line("two-sample accuracy", cell(self.two_sample_accuracy, ".3f")))
        lines.append("")
        lines.append("KL/OA: reference intra-set distances vs generated-reference distances "
                     "(OA 1 = alike); two-sample 0.5 = indistinguishable.")
        if self.features is None:
            lines.append(f"KL/OA n/a: {self.features_reason}")
        if self.two_sample_accuracy is None:
            lines.append(f"two-sample accuracy n/a: {self.two_sample_reason}")
        if g.copy is None:
            lines.append("copying n/a: no training folder given")
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike) -> Path:
        """Write a PNG of the four histograms, generated vs reference bars, atomically."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(12, 7.5), layout="constrained")
        FigureCanvasAgg(fig)
        for ax, (name, h) in zip(fig.subplots(2, 2).ravel(), self.histograms.items(),
                                 strict=True):
            x = np.arange(len(h["labels"]))
            ax.bar(x - 0.2, h["generated"], 0.4, label=f"generated ({self.generated.pieces})")
            ax.bar(x + 0.2, h["reference"], 0.4, label=f"reference ({self.reference.pieces})")
            ax.set_xticks(x, h["labels"], fontsize=7 if len(x) > 12 else 9)
            ax.set_title(f"{name} histogram")
            ax.set_ylabel("share")
            ax.legend(fontsize=8)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        return atomic.write_bytes(path, buf.getvalue())


def _line(label: str, gen: str = "", ref: str = "", kl: str = "", oa: str = "") -> str:
    """One fixed-width table row."""
    return f"{label:<30}{gen:>18}{ref:>18}{kl:>9}{oa:>8}".rstrip()


def evaluate_generated(generated_dir: str | os.PathLike, reference_dir: str | os.PathLike,
                       train_dir: str | os.PathLike | None = None, seed: int = 0,
                       progress: Progress | None = None) -> MusicReport:
    """Music metrics of the solos in ``generated_dir`` beside those in ``reference_dir``
    (and copying from the ``train_dir`` solos when given)."""
    gen = load_set(generated_dir, "generated", progress)
    ref = load_set(reference_dir, "reference", progress)
    training = None
    if train_dir is not None:
        training = [s for _, s in load_set(train_dir, "training", progress).pieces]
    gen_scores = [s for _, s in gen.pieces]
    ref_scores = [s for _, s in ref.pieces]
    features, features_reason = None, ""
    try:
        features = compare_sets(gen_scores, ref_scores)
    except MetricError as exc:
        features_reason = str(exc)
    accuracy, accuracy_reason = None, ""
    try:
        accuracy = two_sample_accuracy(ref_scores, gen_scores, seed)
    except MetricError as exc:
        accuracy_reason = str(exc)
    g_hist, r_hist = _histograms(gen_scores), _histograms(ref_scores)
    return MusicReport(
        generated=_summarise(gen, training), reference=_summarise(ref, training),
        features=features, features_reason=features_reason,
        two_sample_accuracy=accuracy, two_sample_reason=accuracy_reason,
        histograms={k: {"labels": list(HISTOGRAM_LABELS[k]), "generated": g_hist[k],
                        "reference": r_hist[k]} for k in g_hist},
        seed=seed, train_pieces=None if training is None else len(training),
    )
