"""Where a training run's batches come from: a corpus read into memory, or prepared shards
streamed through tf.data (:mod:`jazzgen.model.stream`); the exact likelihood and the unigram
baseline each reports, and the fingerprint that ties a checkpoint to its run."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.corpus.loader import Corpus
from jazzgen.model.config import EncodingConfig, ModelConfig, TrainConfig, to_dict
from jazzgen.model.encoding import Vocabulary
from jazzgen.model.novelty import index_scores
from jazzgen.model.stream import open_shards, stream_batches
from jazzgen.model.windows import (
    TrainingData,
    Windows,
    batch_count,
    build_training_data,
    epoch_datasets,
    make_dataset,
)


def unigram_nll(data: TrainingData, vocab_size: int) -> float | None:
    """Validation NLL per event (nats) of add-one unigram counts over the training targets."""
    if data.valid is None:
        return None
    tr = data.train.targets[data.train.weights > 0]
    counts = np.bincount(tr, minlength=vocab_size).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    va = data.valid.targets[data.valid.weights > 0]
    return float(-logp[va].mean())


def windows_nll(model, windows: Windows, batch_size: int = 64) -> float:
    """Exact mean NLL per scored event (nats) of a Keras model on ``windows``."""
    total, count = 0.0, 0.0
    for s in range(0, len(windows), batch_size):
        batch = windows[s:s + batch_size]
        logits = np.asarray(model.predict_on_batch(batch.features.inputs()), dtype=np.float64)
        total_b, count_b = _batch_nll(logits, batch.targets, batch.weights)
        total, count = total + total_b, count + count_b
    return total / max(count, 1.0)


def _fingerprinted(tcfg: TrainConfig) -> dict:
    """The training settings a checkpoint must share to resume (not the epochs or patience,
    which a resumed run may change)."""
    return {k: v for k, v in to_dict(tcfg).items() if k not in ("epochs", "patience")}


def _fingerprint(corpus: Corpus, enc: EncodingConfig, mcfg: ModelConfig,
                 tcfg: TrainConfig, valid_names: list[str] | None,
                 steps_per_epoch: int | None = None) -> str:
    """Identifies a training setup, so a checkpoint resumes only the same run."""
    h = hashlib.sha256()
    cfg = {"e": to_dict(enc), "m": to_dict(mcfg), "t": _fingerprinted(tcfg)}
    extra = [] if steps_per_epoch is None else [steps_per_epoch]
    h.update(json.dumps([cfg, sorted(valid_names or []), *extra], sort_keys=True).encode())
    for path, score in corpus.pieces:  # relative paths: the same corpus moved still resumes
        h.update(f"{_rel(path, corpus.root)}:{len(score.notes)}:{score.end}\n".encode())
    return h.hexdigest()[:16]


@dataclass
class Source:
    """What the training loop needs from a corpus, read into memory or streamed from shards:
    batches per epoch, the batches of epoch e from step s, the validation batches, and what
    the bundle records."""

    steps: int
    train_ds: Callable[[int, int], object]
    valid_ds: Callable[[], object | None]  # made once the strategy is in place
    valid_nll: Callable[[object, object | None], float | None]
    baseline: float | None
    train_events: int
    valid_events: int
    fingerprint: str
    pieces: int
    notes: int
    tempos: list[float]
    corpus_info: dict
    quotes: Callable[[], object]
    corpus: Corpus | None = None


def in_memory(corpus: Corpus, vocab: Vocabulary, enc_cfg: EncodingConfig,
               model_cfg: ModelConfig, train_cfg: TrainConfig, valid_names: list[str] | None,
               steps_per_epoch: int | None) -> Source:
    """A corpus read into memory, every window of every key held as arrays."""
    data = build_training_data(corpus, vocab, train_cfg, valid_names=valid_names)
    per_pass = batch_count(len(data.train), train_cfg.batch_size)
    passes = epoch_datasets(data.train, train_cfg.batch_size, train_cfg.seed)
    steps = steps_per_epoch or per_pass
    trained = set(data.train_pieces)  # their quote index: intervals need one key only
    return Source(
        steps=steps,
        train_ds=(lambda e, s: stream_batches(passes, per_pass, e * steps + s, steps - s))
        if steps_per_epoch else passes,
        valid_ds=lambda: None if data.valid is None else make_dataset(data.valid,
                                                                      train_cfg.batch_size),
        valid_nll=lambda model, _ds: None if data.valid is None else windows_nll(model,
                                                                                 data.valid),
        baseline=unigram_nll(data, len(vocab)),
        train_events=data.train.event_count,
        valid_events=0 if data.valid is None else data.valid.event_count,
        fingerprint=_fingerprint(corpus, enc_cfg, model_cfg, train_cfg, valid_names,
                                 steps_per_epoch),
        pieces=len(corpus.pieces), notes=corpus.note_count,
        tempos=[sc.tempo for _, sc in corpus.pieces],
        corpus_info={
            "root": str(corpus.root),
            "train": [_rel(p, corpus.root) for p in data.train_pieces],
            "valid": [_rel(p, corpus.root) for p in data.valid_pieces],
            "skipped": [{"file": _rel(s.path, corpus.root), "reason": s.reason,
                         "detail": s.detail} for s in corpus.skipped]},
        quotes=lambda: index_scores(sc for p, sc in corpus.pieces if p in trained),
        corpus=corpus)


def streamed(folder: str | os.PathLike, vocab: Vocabulary, model_cfg: ModelConfig,
              train_cfg: TrainConfig, steps_per_epoch: int | None,
              shuffle_buffer: int) -> Source:
    """A prepared folder (``jazzgen prepare``) streamed through tf.data."""
    shards = open_shards(folder, vocab, train_cfg, shuffle_buffer)
    man = shards.manifest
    per_pass = shards.batches_per_pass
    steps = steps_per_epoch or per_pass
    h = hashlib.sha256(json.dumps(
        [man.fingerprint, to_dict(model_cfg), _fingerprinted(train_cfg), steps_per_epoch,
         shuffle_buffer], sort_keys=True).encode())
    return Source(
        steps=steps,
        train_ds=lambda e, s: stream_batches(shards.pass_dataset, per_pass, e * steps + s,
                                             steps - s),
        valid_ds=shards.valid_dataset,
        valid_nll=lambda model, ds: None if ds is None else dataset_nll(model, ds),
        baseline=shards.unigram_nll(),
        train_events=shards.train_events if not steps_per_epoch else
        round(shards.train_events * steps / per_pass),
        valid_events=shards.valid_events,
        fingerprint=h.hexdigest()[:16],
        pieces=man.train.pieces + man.valid.pieces, notes=man.notes,
        tempos=list(man.train.tempos + man.valid.tempos),
        corpus_info={"root": man.corpus, "prepared": str(folder),
                     "fingerprint": man.fingerprint, "train": list(man.train.files),
                     "valid": list(man.valid.files), "skipped": list(man.skipped)},
        quotes=shards.quote_index)


def dataset_nll(model, dataset) -> float:
    """Exact mean NLL per scored event (nats) of a Keras model over a dataset's batches."""
    total, count = 0.0, 0.0
    for x, y, w in dataset:
        logits = np.asarray(model(x, training=False), dtype=np.float64)
        total_b, count_b = _batch_nll(logits, np.asarray(y), np.asarray(w))
        total, count = total + total_b, count + count_b
    return total / max(count, 1.0)


def _batch_nll(logits: np.ndarray, targets: np.ndarray, weights: np.ndarray
               ) -> tuple[float, float]:
    """Summed NLL of the weighted targets and the summed weight."""
    logits = logits - logits.max(axis=-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    return -float((picked * weights).sum()), float(weights.sum())


def _rel(path: str, root) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
