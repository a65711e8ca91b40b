"""Measure a model's held-out likelihood against count baselines.

``evaluate_likelihood`` scores whole test pieces with the trained LSTM (full context, one
step per token, as sampling sees them) and with count baselines fitted on the same training
pieces, transposed as the model's training was: add-one unigram and interpolated
Kneser-Ney n-gram, its order chosen on validation pieces. Generated solos are set beside
reference solos by ``jazzgen.evaluate.report``.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jazzgen.corpus.loader import Corpus, Progress
from jazzgen.errors import EvaluateError
from jazzgen.evaluate.ngram import NGramModel, select_order
from jazzgen.evaluate.sets import bundle_files, cell, load_set
from jazzgen.model.config import TrainConfig
from jazzgen.model.encoding import Features, Vocabulary, encode, note_count
from jazzgen.model.network import NumpyLSTM
from jazzgen.model.windows import build_training_data

NGRAM_ORDERS = tuple(range(1, 8))
"""N-gram orders tried on the validation pieces (tokens; 7 tokens = 3 events of context)."""

HOLDOUT_FRACTION = 0.1
"""Share of training pieces held out to choose the n-gram order when no validation set is
given and the bundle trained without one."""

TOP_K = 5


# ---------------------------------------------------------------- likelihood


@dataclass(frozen=True)
class StreamTally:
    """Sums over the targets of one stream (pitch-or-rest tokens, or duration tokens), each
    scored among the tokens the grammar allows there: NLL (nats), targets, and how many the
    model ranked first / in its top 5."""

    nll_sum: float = 0.0
    count: int = 0
    top1: int = 0
    topk: int = 0

    def add(self, scores: np.ndarray, targets: np.ndarray, log_probs: bool) -> StreamTally:
        """This tally plus rows ``scores`` [n, allowed] (logits, or probabilities when not
        ``log_probs``) with ``targets`` [n] as column indices."""
        if not len(targets):
            return self
        if log_probs:
            z = scores - scores.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        else:
            logp = np.log(scores / scores.sum(axis=1, keepdims=True))
        ranks = _pitch_ranks(scores, targets)
        return StreamTally(self.nll_sum - float(logp[np.arange(len(targets)), targets].sum()),
                           self.count + len(targets), self.top1 + int((ranks == 0).sum()),
                           self.topk + int((ranks < TOP_K).sum()))

    def score(self) -> StreamScore | None:
        """Mean NLL, perplexity, top-1 and top-5 accuracy; None with no targets."""
        if not self.count:
            return None
        nll = self.nll_sum / self.count
        return StreamScore(nll, math.exp(nll), self.top1 / self.count, self.topk / self.count,
                           self.count)


@dataclass(frozen=True)
class StreamScore:
    """One stream's measures (pitch with rests, or duration): NLL in nats per target and
    its perplexity, over the grammar's allowed tokens; top-1 and top-5 accuracy."""

    nll: float
    perplexity: float
    top1: float
    top5: float
    targets: int


@dataclass(frozen=True)
class Tally:
    """Sums over the scored targets of one model: NLL (nats), events (tokens), notes (pitch
    targets) and how many of those the model ranked first / in its top 5; and the two
    streams scored on their own."""

    nll_sum: float
    events: int
    notes: int
    top1: int
    topk: int
    pitch: StreamTally = StreamTally()
    duration: StreamTally = StreamTally()

    def row(self, name: str, label: str, extra: dict | None = None) -> ModelScore:
        """The per-event, per-note, per-stream and accuracy measures of this tally."""
        nll, notes = self.nll_sum / self.events, self.notes or None
        return ModelScore(
            name=name, label=label, nll_event=nll,
            nll_note=self.nll_sum / notes if notes else None, perplexity=math.exp(nll),
            pitch_acc=self.top1 / notes if notes else None,
            pitch_top5=self.topk / notes if notes else None, extra=dict(extra or {}),
            pitch=self.pitch.score(), duration=self.duration.score(),
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
    pitch: StreamScore | None = None  # the pitch-or-rest stream (MINGUS's pitch model)
    duration: StreamScore | None = None  # the duration stream


def _pitch_ranks(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rank of each target among candidate columns as a stable argsort would put it
    (higher scores first, ties broken by column): 0 means the target is the argmax."""
    t = scores[np.arange(len(targets)), targets][:, None]
    cols = np.arange(scores.shape[1])[None, :]
    return ((scores > t) | ((scores == t) & (cols < targets[:, None]))).sum(axis=1)


@dataclass
class _Ranked:
    """What both scorers count over their targets: next-pitch ranks at pitch targets, and
    each stream among its allowed tokens. ``scores`` are logits or probabilities."""

    vocab: Vocabulary
    log_probs: bool
    notes: int = 0
    top1: int = 0
    topk: int = 0
    pitch: StreamTally = StreamTally()
    duration: StreamTally = StreamTally()

    def add(self, scores: np.ndarray, target: np.ndarray) -> None:
        """Count rows ``scores`` [n, V] whose next tokens are ``target`` [n]."""
        cand, durs = self.vocab.events, slice(self.vocab.first_duration_id, len(self.vocab))
        is_pitch = self.vocab.pitch_mask(target)
        if is_pitch.any():
            ranks = _pitch_ranks(scores[is_pitch, cand], target[is_pitch] - cand.start)
            self.top1 += int((ranks == 0).sum())
            self.topk += int((ranks < TOP_K).sum())
            self.notes += int(is_pitch.sum())
        is_event = (target >= cand.start) & (target < cand.stop)
        self.pitch = self.pitch.add(scores[is_event, cand], target[is_event] - cand.start,
                                    self.log_probs)
        is_dur = target >= durs.start
        self.duration = self.duration.add(scores[is_dur, durs], target[is_dur] - durs.start,
                                          self.log_probs)

    def tally(self, nll_sum: float, events: int) -> Tally:
        """The Tally of these counts with the joint NLL sum over ``events`` targets."""
        return Tally(nll_sum, events, self.notes, self.top1, self.topk, self.pitch,
                     self.duration)


def score_lstm(net: NumpyLSTM, vocab: Vocabulary, pieces: Sequence[Features]) -> Tally:
    """Run every piece through ``net`` from its BOS and score each next token.

    Pieces are stepped together, longest first; at step t only the pieces still running
    form the batch, so no step is spent on padding.
    """
    encs = sorted(pieces, key=len, reverse=True)
    lengths = np.array([len(e) for e in encs])
    b, steps = len(encs), int(lengths.max(initial=0))
    feats = Features.empty((b, steps))
    for i, e in enumerate(encs):
        feats.put((i, slice(0, len(e))), e)
    ranked = _Ranked(vocab, log_probs=True)
    nll, events = 0.0, 0
    state = net.initial_state(b)
    for t in range(steps - 1):
        live = int((lengths > t + 1).sum())  # pieces with a target after step t (a prefix)
        state = [(h[:live], c[:live]) for h, c in state]
        logits, state = net.step(feats[:live, t], state,
                                 feats.tokens[:live, t - 1] if t else None)
        target = feats.tokens[:live, t + 1]
        logits = logits - logits.max(axis=1, keepdims=True)
        logz = np.log(np.exp(logits).sum(axis=1))
        nll += float((logz - logits[np.arange(live), target]).sum())
        events += live
        ranked.add(logits, target)
    return ranked.tally(nll, events)


def score_ngram(model: NGramModel, order: int, vocab: Vocabulary,
                pieces: Sequence[Features]) -> Tally:
    """Score every token after the BOS of each piece with ``model`` at ``order``."""
    seqs = [np.asarray(e.tokens) for e in pieces]
    events = sum(max(len(s) - 1, 0) for s in seqs)
    nll_sum = model.nll(seqs, order=order) * events
    ranked = _Ranked(vocab, log_probs=False)
    cache: dict[tuple[int, ...], np.ndarray] = {}  # contexts recur often (one for a unigram)
    for s in seqs:
        if len(s) < 2:
            continue
        dists = []
        for i in range(1, len(s)):
            # Only the last order - 1 tokens matter (padded at the start, as in training).
            ctx = tuple(s[max(0, i - order + 1):i].tolist())
            if ctx not in cache:
                cache[ctx] = model.next_distribution(ctx, order)
            dists.append(cache[ctx])
        ranked.add(np.array(dists), s[1:])
    return ranked.tally(nll_sum, events)


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
            lines.append(f"{r.label:<22}{r.nll_event:>10.3f}{cell(r.nll_note, '.3f'):>10}"
                         f"{r.perplexity:>12.2f}{cell(r.pitch_acc, '.1%'):>11}"
                         f"{cell(r.pitch_top5, '.1%'):>13}")
        lines += ["", "Per stream, each target scored among the tokens the grammar allows "
                  "there (as sampling draws):",
                  f"{'model':<22}{'pitch NLL':>10}{'pitch ppl':>10}{'top-1':>8}{'top-5':>8}"
                  f"{'dur NLL':>10}{'dur ppl':>9}{'top-1':>8}{'top-5':>8}"]
        for r in self.rows:
            p, d = r.pitch, r.duration
            lines.append(
                f"{r.label:<22}{cell(p and p.nll, '.3f'):>10}{cell(p and p.perplexity, '.2f'):>10}"
                f"{cell(p and p.top1, '.1%'):>8}{cell(p and p.top5, '.1%'):>8}"
                f"{cell(d and d.nll, '.3f'):>10}{cell(d and d.perplexity, '.2f'):>9}"
                f"{cell(d and d.top1, '.1%'):>8}{cell(d and d.top5, '.1%'):>8}")
        lines.append("NLL in nats; perplexity per event; pitch accuracy among rest and pitch "
                     "tokens where the next token is a pitch; the pitch stream includes rests.")
        if self.test_in_train:
            lines.append(f"Warning: {self.test_in_train} test pieces are also training pieces, "
                         f"so these numbers overstate the models.")
        return "\n".join(lines)


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
                        train_dir: str | os.PathLike | None = None,
                        valid_dir: str | os.PathLike | None = None,
                        progress: Progress | None = None) -> LikelihoodReport:
    """NLL per event and per note, perplexity and next-pitch accuracy on ``test_dir`` for
    the LSTM bundle, a unigram and a Kneser-Ney n-gram fitted on ``train_dir``.

    Without ``train_dir`` the baselines are fitted on the files the bundle records it
    trained on (and the n-gram order chosen on its validation files, when it had some).
    """
    from jazzgen.model.bundle import load_bundle

    if not Path(model_dir).exists():
        raise EvaluateError(f"model folder not found: {model_dir}")
    bundle = load_bundle(model_dir)
    vocab = bundle.vocab
    test = load_set(test_dir, "test", progress)
    if train_dir is None:
        train, valid = bundle_files(model_dir, progress)
        valid = valid if valid_dir is None else load_set(valid_dir, "validation", progress)
    else:
        train = load_set(train_dir, "training", progress)
        valid = load_set(valid_dir, "validation", progress) if valid_dir is not None else None
    test_encs = [encode(s, vocab) for _, s in test.pieces]
    train_seqs, held_out, fitted = _training_split(train, vocab, bundle.train, valid is None)
    if valid is not None:
        valid_seqs = [encode(s, vocab).tokens for _, s in valid.pieces]
        n_valid, source = len(valid_seqs), "validation"
    elif held_out:
        valid_seqs, n_valid, source = list(held_out), len(held_out), "held-out training"
    else:  # a single training piece: nothing to hold out, so choose on what was fitted
        valid_seqs, n_valid, source = list(train_seqs), len(fitted), "training (none held out)"
    choice = select_order(train_seqs, valid_seqs, len(vocab), NGRAM_ORDERS)
    cfg = bundle.model
    rows = (
        score_lstm(bundle.net, vocab, test_encs).row(
            "LSTM", f"LSTM {cfg.lstm_layers}x{cfg.lstm_size}",
            {"layers": cfg.lstm_layers, "units": cfg.lstm_size}),
        score_ngram(choice.model, choice.order, vocab, test_encs).row(
            "n-gram", f"{choice.order}-gram Kneser-Ney", {"order": choice.order}),
        score_ngram(choice.model, 1, vocab, test_encs).row(
            "unigram", "unigram add-one", {"order": 1}),
    )
    fitted_paths = set(fitted)
    seen = {s.notes for p, s in train.pieces if p in fitted_paths}
    skipped = {"test": len(test.skipped), "training": len(train.skipped)}
    if valid is not None:
        skipped["validation"] = len(valid.skipped)
    return LikelihoodReport(
        rows=rows, test_pieces=len(test.pieces), events=sum(len(e) - 1 for e in test_encs),
        notes=sum(note_count(e.tokens, vocab) for e in test_encs),
        train_pieces=len(fitted), train_sequences=len(train_seqs),
        train_tokens=int(sum(len(s) for s in train_seqs)), valid_pieces=n_valid,
        valid_source=source, order_nll={str(k): v for k, v in choice.scores.items()},
        skipped=skipped, test_in_train=sum(s.notes in seen for _, s in test.pieces),
    )
