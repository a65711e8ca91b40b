"""Fit the LSTM on a corpus: checkpoints every epoch, resume, early stopping, the bundle."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jazzgen.corpus.loader import Corpus, Progress, load_corpus
from jazzgen.io import atomic
from jazzgen.model.bundle import save_bundle
from jazzgen.model.config import EncodingConfig, ModelConfig, TrainConfig, to_dict
from jazzgen.model.encoding import Vocabulary
from jazzgen.model.windows import TrainingData, Windows, build_training_data

Log = Callable[[str], None]


@dataclass
class TrainResult:
    """What a training run did, for the command's summary."""

    bundle: Path
    corpus: Corpus
    epochs_run: int
    best_epoch: int
    valid_nll: float | None
    unigram_nll: float | None
    train_events: int
    valid_events: int
    resumed_from: int = 0
    history: dict = field(default_factory=dict)

    def summary(self) -> list[str]:
        """What the run did, as lines for a person."""
        c = self.corpus
        lines = [f"Trained on {len(c.pieces)} pieces ({c.note_count} notes): "
                 f"{self.train_events} training events, {self.valid_events} validation events.",
                 f"Epochs run: {self.epochs_run} (best {self.best_epoch})"
                 + (f", resumed after epoch {self.resumed_from}" if self.resumed_from else "")]
        if self.valid_nll is not None:
            lines.append(f"Validation NLL per event: {self.valid_nll:.3f} nats "
                         f"(unigram baseline {self.unigram_nll:.3f})")
        lines.append(f"Model bundle: {self.bundle}")
        return lines


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
        logits -= logits.max(axis=-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(logp, batch.targets[..., None], axis=-1)[..., 0]
        w = batch.weights
        total -= float((picked * w).sum())
        count += float(w.sum())
    return total / max(count, 1.0)


def _fingerprint(corpus: Corpus, enc: EncodingConfig, mcfg: ModelConfig,
                 tcfg: TrainConfig, valid_names: list[str] | None) -> str:
    """Identifies a training setup, so a checkpoint resumes only the same run."""
    h = hashlib.sha256()
    cfg = {"e": to_dict(enc), "m": to_dict(mcfg),
           "t": {k: v for k, v in to_dict(tcfg).items() if k not in ("epochs", "patience")}}
    h.update(json.dumps([cfg, sorted(valid_names or [])], sort_keys=True).encode())
    for path, score in corpus.pieces:  # relative paths: the same corpus moved still resumes
        h.update(f"{_rel(path, corpus.root)}:{len(score.notes)}:{score.end}\n".encode())
    return h.hexdigest()[:16]


def make_dataset(windows: Windows, batch_size: int, shuffle_seed: int | None):
    """A tf.data pipeline over the windows, with the autotuner's end-of-epoch stall off."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((windows.features.inputs(), windows.targets,
                                             windows.weights))
    if shuffle_seed is not None:
        ds = ds.shuffle(len(windows), seed=shuffle_seed, reshuffle_each_iteration=True)
    opts = tf.data.Options()
    opts.autotune.enabled = False
    opts.deterministic = True
    return ds.batch(batch_size).with_options(opts)


def compiled_model(vocab_size: int, enc: EncodingConfig, mcfg: ModelConfig,
                   tcfg: TrainConfig):
    """A new network compiled for training: Adam with gradient clipping, cross-entropy on
    the logits weighted by the windows' weights."""
    from jazzgen.model.backend import import_keras
    from jazzgen.model.network import build_model

    keras = import_keras()
    model = build_model(vocab_size, enc, mcfg)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=tcfg.learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"),
    )
    return model


def train(
    corpus_dir: str | os.PathLike,
    model_dir: str | os.PathLike,
    enc_cfg: EncodingConfig | None = None,
    model_cfg: ModelConfig | None = None,
    train_cfg: TrainConfig | None = None,
    track: str | int | None = None,
    progress: Progress | None = None,
    log: Log = print,
    verbose: int = 2,
    resume: bool = True,
    valid_names: list[str] | None = None,
) -> TrainResult:
    """Train on every readable file under ``corpus_dir`` and write the bundle to ``model_dir``.

    A checkpoint beside the bundle (``<model_dir>.checkpoint``) is written every epoch; a
    run interrupted for any reason continues from it when started again with the same
    corpus and settings.
    """
    enc_cfg = enc_cfg or EncodingConfig()
    model_cfg = model_cfg or ModelConfig()
    train_cfg = train_cfg or TrainConfig()
    model_dir = Path(model_dir)
    corpus = load_corpus(corpus_dir, track=track, progress=progress)
    vocab = Vocabulary(enc_cfg)
    data = build_training_data(corpus, vocab, train_cfg, valid_names=valid_names)
    baseline = unigram_nll(data, len(vocab))

    from jazzgen.model.backend import import_keras
    from jazzgen.model.network import build_model

    keras = import_keras()
    keras.utils.set_random_seed(train_cfg.seed)
    ckpt_dir = model_dir.with_name(model_dir.name + ".checkpoint")
    fingerprint = _fingerprint(corpus, enc_cfg, model_cfg, train_cfg, valid_names)
    state = _read_state(ckpt_dir, fingerprint) if resume else None
    if state is not None:
        model = keras.models.load_model(ckpt_dir / "last.keras", safe_mode=True)
        log(f"Resuming from the checkpoint after epoch {state['epoch']} ({ckpt_dir})")
    else:
        shutil.rmtree(ckpt_dir, ignore_errors=True)
        model = compiled_model(len(vocab), enc_cfg, model_cfg, train_cfg)
        state = {"fingerprint": fingerprint, "epoch": 0, "history": {}, "best_epoch": 0,
                 "best": None, "wait": 0}
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    resumed_from = state["epoch"]
    callback = _checkpointer(keras, ckpt_dir, state, train_cfg.patience, data.valid is not None)
    if state["epoch"] < train_cfg.epochs and not state.get("stopped"):
        model.fit(
            make_dataset(data.train, train_cfg.batch_size, train_cfg.seed),
            validation_data=None if data.valid is None else make_dataset(
                data.valid, train_cfg.batch_size, None),
            epochs=train_cfg.epochs,
            initial_epoch=state["epoch"],
            callbacks=[callback],
            verbose=verbose,
            shuffle=False,  # the tf.data pipeline shuffles, seeded
        )
    best_path = ckpt_dir / "best.weights.h5"
    if best_path.exists():
        model.load_weights(best_path)
    valid_nll = windows_nll(model, data.valid) if data.valid is not None else None
    # A fresh, uncompiled copy: the bundle holds no optimizer state (3x smaller).
    export = build_model(len(vocab), enc_cfg, model_cfg)
    export.set_weights(model.get_weights())
    history = {
        "epochs": state["history"],
        "best_epoch": state["best_epoch"],
        "valid_nll_per_event": valid_nll,
        "unigram_valid_nll_per_event": baseline,
        "train_events": data.train.event_count,
        "valid_events": 0 if data.valid is None else data.valid.event_count,
    }
    tempos = [s.tempo for _, s in corpus.pieces]
    meta = {"median_tempo": statistics.median(tempos), "pieces": len(corpus.pieces),
            "notes": corpus.note_count}
    corpus_info = {
        "root": str(corpus_dir),
        "train": [_rel(p, corpus_dir) for p in data.train_pieces],
        "valid": [_rel(p, corpus_dir) for p in data.valid_pieces],
        "skipped": [{"file": _rel(s.path, corpus_dir), "reason": s.reason, "detail": s.detail}
                    for s in corpus.skipped],
    }
    bundle = save_bundle(model_dir, export, vocab, model_cfg, train_cfg, history, corpus_info,
                         meta)
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    return TrainResult(
        bundle=bundle, corpus=corpus, epochs_run=state["epoch"], best_epoch=state["best_epoch"],
        valid_nll=valid_nll, unigram_nll=baseline, train_events=data.train.event_count,
        valid_events=history["valid_events"], resumed_from=resumed_from, history=history,
    )


def _rel(path: str, root) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


def _read_state(ckpt_dir: Path, fingerprint: str) -> dict | None:
    """The checkpoint's state if it belongs to this exact run, else None."""
    try:
        state = json.loads((ckpt_dir / "state.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if state.get("fingerprint") != fingerprint or not (ckpt_dir / "last.keras").exists():
        return None
    return state


def _checkpointer(keras, ckpt_dir: Path, state: dict, patience: int, has_valid: bool):
    """A Keras callback built from :class:`_CheckpointerMixin` (the Callback base class is
    joined here, so importing this module does not import Keras)."""
    cls = type("Checkpointer", (_CheckpointerMixin, keras.callbacks.Callback), {})
    callback = cls()
    callback.setup(ckpt_dir, state, patience, has_valid)
    return callback


class _CheckpointerMixin:
    """Save the model and state atomically after every epoch; stop early on no progress."""

    def setup(self, ckpt_dir: Path, state: dict, patience: int, has_valid: bool) -> None:
        self.ckpt_dir, self.state, self.patience, self.has_valid = (
            ckpt_dir, state, patience, has_valid)

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        st = self.state
        st["epoch"] = epoch + 1
        st["history"][str(epoch + 1)] = logs
        monitor = logs.get("val_loss" if self.has_valid else "loss")
        if monitor is not None and (st["best"] is None or monitor < st["best"]):
            st["best"], st["best_epoch"], st["wait"] = monitor, epoch + 1, 0
            tmp = self.ckpt_dir / ".best.weights.h5"
            self.model.save_weights(tmp)
            os.replace(tmp, self.ckpt_dir / "best.weights.h5")
        else:
            st["wait"] += 1
            if st["wait"] >= self.patience:
                st["stopped"] = True
                self.model.stop_training = True
        tmp = self.ckpt_dir / ".last.keras"
        self.model.save(tmp)
        os.replace(tmp, self.ckpt_dir / "last.keras")
        atomic.write_text(self.ckpt_dir / "state.json", json.dumps(st, indent=1))
