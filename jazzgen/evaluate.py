"""Measure the music: held-out likelihood against baselines, and music metrics of a set.

``evaluate_likelihood`` scores whole test pieces with the trained LSTM (full context, one
step per token, as sampling sees them) and with count baselines fitted on the same training
pieces, transposed as the model's training was: add-one unigram and interpolated
Kneser-Ney n-gram, its order chosen on validation pieces. ``evaluate_generated`` sets a
folder of generated solos beside a reference folder with the metrics of ``jazzgen.metrics``.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jazzgen import atomic
from jazzgen.config import TrainConfig
from jazzgen.dataset import Corpus, CorpusError, Progress, build_training_data, load_corpus
from jazzgen.encoding import CHORD_FEATURES, Encoded, Vocabulary, encode, note_count
from jazzgen.metrics import (
    SCALAR_FEATURES,
    VECTOR_FEATURES,
    MetricError,
    chord_progression_irregularity,
    compare_sets,
    copy_rate,
    grooving_similarity,
    harmony_scores,
    piece_features,
    pitch_class_entropy,
    two_sample_accuracy,
)
from jazzgen.ngram import NGramModel
from jazzgen.notes import Score

NGRAM_ORDERS = tuple(range(1, 8))
"""N-gram orders tried on the validation pieces (tokens; 7 tokens = 3 events of context)."""

HOLDOUT_FRACTION = 0.1
"""Share of training pieces held out to choose the n-gram order when no validation set is
given and the bundle trained without one."""

TOP_K = 5


class EvaluateError(ValueError):
    """Input that cannot be evaluated: a missing folder, or a set with no usable piece."""


def _load(folder: str | os.PathLike | None, what: str, progress: Progress | None) -> Corpus:
    """The corpus in ``folder``, or EvaluateError naming the set and the folder."""
    if folder is None or not Path(folder).exists():
        raise EvaluateError(f"{what} folder not found: {folder}")
    try:
        return load_corpus(folder, progress=progress)
    except CorpusError as exc:
        raise EvaluateError(f"{what} set: {exc}") from None


# ---------------------------------------------------------------- likelihood


@dataclass(frozen=True)
class Tally:
    """Sums over the scored targets of one model: NLL (nats), events (tokens), notes (pitch
    targets) and how many of those the model ranked first / in its top 5."""

    nll_sum: float
    events: int
    notes: int
    top1: int
    topk: int

    def row(self, name: str, label: str, extra: dict | None = None) -> ModelScore:
        """The per-event, per-note and accuracy measures of this tally."""
        nll, notes = self.nll_sum / self.events, self.notes or None
        return ModelScore(
            name=name, label=label, nll_event=nll,
            nll_note=self.nll_sum / notes if notes else None, perplexity=math.exp(nll),
            pitch_acc=self.top1 / notes if notes else None,
            pitch_top5=self.topk / notes if notes else None, extra=dict(extra or {}),
        )


@dataclass(frozen=True)
class ModelScore:
    """One model's row: NLL per event (token) and per note in nats, perplexity per event,
    next-pitch accuracy (top-1 and top-5 among pitch-or-rest tokens at pitch targets)."""

    name: str
    label: str
    nll_event: float
    nll_note: float | None
    perplexity: float
    pitch_acc: float | None
    pitch_top5: float | None
    extra: dict = field(default_factory=dict)


def _pitch_ranks(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rank of each target among candidate columns as a stable argsort would put it
    (higher scores first, ties broken by column): 0 means the target is the argmax."""
    t = scores[np.arange(len(targets)), targets][:, None]
    cols = np.arange(scores.shape[1])[None, :]
    return ((scores > t) | ((scores == t) & (cols < targets[:, None]))).sum(axis=1)


def _candidates(vocab: Vocabulary) -> slice:
    """Columns of the pitch-or-rest tokens (rest, then every pitch: contiguous ids)."""
    return slice(vocab.rest_id, vocab.first_duration_id)


def score_lstm(net, vocab: Vocabulary, pieces: Sequence[Encoded]) -> Tally:
    """Run every piece through ``net`` (a NumpyLSTM) from its BOS and score each next token.

    Pieces are stepped together, longest first; at step t only the pieces still running
    form the batch, so no step is spent on padding.
    """
    encs = sorted(pieces, key=len, reverse=True)
    lengths = np.array([len(e) for e in encs])
    b, steps = len(encs), int(lengths.max(initial=0))
    tokens = np.zeros((b, steps), np.int32)
    pos = np.zeros((b, steps), np.int32)
    roots = np.zeros((b, steps, 2), np.int32)
    pcs = np.zeros((b, steps, CHORD_FEATURES), np.uint8)
    for i, e in enumerate(encs):
        n = len(e)
        tokens[i, :n], pos[i, :n], roots[i, :n], pcs[i, :n] = e.tokens, e.pos, e.roots, e.pcs
    cand = _candidates(vocab)
    nll, events, top1, topk, n_pitch = 0.0, 0, 0, 0, 0
    state = net.initial_state(b)
    for t in range(steps - 1):
        live = int((lengths > t + 1).sum())  # pieces with a target after step t (a prefix)
        state = [(h[:live], c[:live]) for h, c in state]
        logits, state = net.step(tokens[:live, t], pos[:live, t], roots[:live, t],
                                 pcs[:live, t], state)
        target = tokens[:live, t + 1]
        logits = logits - logits.max(axis=1, keepdims=True)
        logz = np.log(np.exp(logits).sum(axis=1))
        nll += float((logz - logits[np.arange(live), target]).sum())
        events += live
        is_pitch = (target >= vocab.first_pitch_id) & (target < vocab.first_duration_id)
        if is_pitch.any():
            ranks = _pitch_ranks(logits[is_pitch, cand], target[is_pitch] - cand.start)
            top1 += int((ranks == 0).sum())
            topk += int((ranks < TOP_K).sum())
            n_pitch += int(is_pitch.sum())
    return Tally(nll, events, n_pitch, top1, topk)


def score_ngram(model: NGramModel, order: int, vocab: Vocabulary,
                pieces: Sequence[Encoded]) -> Tally:
    """Score every token after the BOS of each piece with ``model`` at ``order``."""
    seqs = [np.asarray(e.tokens) for e in pieces]
    events = sum(max(len(s) - 1, 0) for s in seqs)
    nll_sum = model.nll(seqs, order=order) * events
    cand = _candidates(vocab)
    top1 = topk = n_pitch = 0
    cache: dict[tuple[int, ...], np.ndarray] = {}  # contexts recur often (one for a unigram)
    for s in seqs:
        where = np.flatnonzero((s[1:] >= vocab.first_pitch_id)
                               & (s[1:] < vocab.first_duration_id)) + 1
        if not len(where):
            continue
        dists = []
        for i in where:
            # Only the last order - 1 tokens matter (padded at the start, as in training).
            ctx = tuple(s[max(0, i - order + 1):i].tolist())
            if ctx not in cache:
                cache[ctx] = model.next_distribution(ctx, order)[cand]
            dists.append(cache[ctx])
        dists = np.array(dists)
        ranks = _pitch_ranks(dists, s[where] - cand.start)
        top1 += int((ranks == 0).sum())
        topk += int((ranks < TOP_K).sum())
        n_pitch += len(where)
    return Tally(nll_sum, events, n_pitch, top1, topk)


@dataclass(frozen=True)
class LikelihoodReport:
    """Held-out likelihood of the LSTM and its baselines on the same test tokens."""

    rows: tuple[ModelScore, ...]
    test_pieces: int
    events: int
    notes: int
    train_pieces: int
    train_sequences: int
    train_tokens: int
    valid_pieces: int
    valid_source: str
    order_nll: dict[str, float]  # validation NLL per event for each n-gram order tried
    skipped: dict[str, int]  # files skipped per set
    test_in_train: int = 0  # test pieces whose melody is among the fitted training pieces

    def row(self, name: str) -> ModelScore:
        """The row of the model called ``name`` ("LSTM", "n-gram" or "unigram")."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict:
        """JSON-ready data."""
        return {**dataclasses.asdict(self), "rows": [dataclasses.asdict(r) for r in self.rows]}

    def table(self) -> str:
        """A fixed-width text table, one model per row."""
        lines = [
            f"Test set: {self.test_pieces} pieces, {self.events:,} events (tokens), "
            f"{self.notes:,} notes",
            f"Baselines fitted on {self.train_pieces} training pieces ({self.train_sequences} "
            f"sequences after transposition, {self.train_tokens:,} tokens); n-gram order "
            f"chosen on {self.valid_pieces} {self.valid_source} pieces",
            "",
            f"{'model':<22}{'NLL/event':>10}{'NLL/note':>10}{'perplexity':>12}"
            f"{'pitch acc':>11}{'pitch top-5':>13}",
        ]
        for r in self.rows:
            lines.append(f"{r.label:<22}{r.nll_event:>10.3f}{_num(r.nll_note, '.3f'):>10}"
                         f"{r.perplexity:>12.2f}{_num(r.pitch_acc, '.1%'):>11}"
                         f"{_num(r.pitch_top5, '.1%'):>13}")
        lines.append("NLL in nats; perplexity per event; pitch accuracy among rest and pitch "
                     "tokens where the next token is a pitch.")
        if self.test_in_train:
            lines.append(f"Warning: {self.test_in_train} test pieces are also training pieces, "
                         f"so these numbers overstate the models.")
        return "\n".join(lines)


def _num(value: float | None, fmt: str) -> str:
    """``value`` formatted, or "n/a" for None."""
    return "n/a" if value is None else format(value, fmt)


def _training_split(corpus: Corpus, vocab: Vocabulary, cfg: TrainConfig, hold_out: bool
                    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], tuple[str, ...]]:
    """Training token sequences transposed as the bundle's training was, the held-out
    pieces' tokens (untransposed), and the paths of the training pieces.

    Goes through ``build_training_data`` so the keys (and the seeded choice of keys per
    piece) are exactly the ones the LSTM saw; with ``hold_out`` the split is the bundle's own
    (its validation fraction and seed), so on the folder the model trained from the baselines
    see the very pieces the LSTM saw.
    """
    fraction = (cfg.validation_fraction or HOLDOUT_FRACTION) if hold_out else 0.0
    if len(corpus.pieces) < 2:
        fraction = 0.0
    data = build_training_data(corpus, vocab, dataclasses.replace(
        cfg, validation_fraction=fraction))
    return data.train_sequences, data.valid_sequences, data.train_pieces


def evaluate_likelihood(model_dir: str | os.PathLike, test_dir: str | os.PathLike,
                        train_dir: str | os.PathLike, valid_dir: str | os.PathLike | None = None,
                        progress: Progress | None = None) -> LikelihoodReport:
    """NLL per event and per note, perplexity and next-pitch accuracy on ``test_dir`` for
    the LSTM bundle, a unigram and a Kneser-Ney n-gram fitted on ``train_dir``."""
    from jazzgen.bundle import load_bundle

    if not Path(model_dir).exists():
        raise EvaluateError(f"model folder not found: {model_dir}")
    bundle = load_bundle(model_dir)
    vocab = bundle.vocab
    test = _load(test_dir, "test", progress)
    train = _load(train_dir, "training", progress)
    valid = _load(valid_dir, "validation", progress) if valid_dir is not None else None
    test_encs = [encode(s, vocab) for _, s in test.pieces]

    train_seqs, held_out, fitted = _training_split(train, vocab, bundle.train, valid is None)
    if valid is not None:
        valid_seqs = [encode(s, vocab).tokens for _, s in valid.pieces]
        n_valid, source = len(valid_seqs), "validation"
    elif held_out:
        valid_seqs, n_valid, source = list(held_out), len(held_out), "held-out training"
    else:  # a single training piece: nothing to hold out, so choose on what was fitted
        valid_seqs, n_valid, source = list(train_seqs), len(fitted), "training (none held out)"
    # One fit at the highest order scores every lower order exactly as a fit at that order.
    ngram = NGramModel.fit(train_seqs, len(vocab), max(NGRAM_ORDERS))
    order_nll = {k: ngram.nll(valid_seqs, order=k) for k in NGRAM_ORDERS}
    order = min(NGRAM_ORDERS, key=lambda k: (order_nll[k], k))

    cfg = bundle.model
    rows = (
        score_lstm(bundle.net, vocab, test_encs).row(
            "LSTM", f"LSTM {cfg.lstm_layers}x{cfg.lstm_size}",
            {"layers": cfg.lstm_layers, "units": cfg.lstm_size}),
        score_ngram(ngram, order, vocab, test_encs).row(
            "n-gram", f"{order}-gram Kneser-Ney", {"order": order}),
        score_ngram(ngram, 1, vocab, test_encs).row("unigram", "unigram add-one", {"order": 1}),
    )
    n_events = sum(len(e) - 1 for e in test_encs)
    n_notes = sum(note_count(e.tokens, vocab) for e in test_encs)
    fitted_paths = set(fitted)
    seen = {s.notes for p, s in train.pieces if p in fitted_paths}
    skipped = {"test": len(test.skipped), "training": len(train.skipped)}
    if valid is not None:
        skipped["validation"] = len(valid.skipped)
    return LikelihoodReport(
        rows=rows, test_pieces=len(test.pieces), events=n_events, notes=n_notes,
        train_pieces=len(fitted), train_sequences=len(train_seqs),
        train_tokens=int(sum(len(s) for s in train_seqs)), valid_pieces=n_valid,
        valid_source=source, order_nll={str(k): v for k, v in order_nll.items()},
        skipped=skipped, test_in_train=sum(s.notes in seen for _, s in test.pieces),
    )


# ---------------------------------------------------------------- generated vs reference


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
"""Names of ``metrics.NOTE_LENGTH_CLASSES``, in its order."""

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
    pooled = {"on_beat_notes": 0, "chord_tones": 0, "chord_or_scale_tones": 0}
    for s in scores:
        h = harmony_scores(s)
        for k in pooled:
            pooled[k] += int(h[k])
    n = pooled["on_beat_notes"]
    harmony = {**pooled, "chord_tone_share": pooled["chord_tones"] / n if n else None,
               "chord_or_scale_share": pooled["chord_or_scale_tones"] / n if n else None}
    return SetSummary(
        folder=corpus.root, pieces=len(scores), notes=corpus.note_count,
        skipped=len(corpus.skipped), stats=stats, harmony=harmony,
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
    features: dict[str, dict] | None  # metrics.compare_sets output, None when undefined
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
            lines.append(_line(label, _num(g.harmony[key], ".1%"), _num(r.harmony[key], ".1%")))
        feats = self.features or {}
        for name in (*SCALAR_FEATURES, *VECTOR_FEATURES):
            f = feats.get(name, {})
            stat = (g.stats[name].text(".2f"), r.stats[name].text(".2f")) \
                if name in g.stats else ("-", "-")
            lines.append(_line(name, *stat, _num(f.get("kl"), ".3f"), _num(f.get("oa"), ".3f")))
        if g.copy is not None and r.copy is not None:
            lines.append(_line("copied 8-interval runs", _num(g.copy["rate"], ".1%"),
                               _num(r.copy["rate"], ".1%")))
            lines.append(_line("longest copied run (notes)", str(g.copy["longest_run_notes"]),
                               str(r.copy["longest_run_notes"])))
        lines.append(_line("two-sample accuracy", _num(self.two_sample_accuracy, ".3f")))
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
    gen = _load(generated_dir, "generated", progress)
    ref = _load(reference_dir, "reference", progress)
    training = None
    if train_dir is not None:
        training = [s for _, s in _load(train_dir, "training", progress).pieces]
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
