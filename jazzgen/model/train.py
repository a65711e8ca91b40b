"""Fit the LSTM on a corpus: checkpoints every N steps and every epoch, resume, early
stopping, training logs, the bundle.

A checkpoint folder beside the bundle (``<model>.checkpoint``, see
:mod:`jazzgen.model.checkpoint`) is written every N steps and after every epoch. Epoch ``e``
visits the windows in an order drawn from ``(seed, e)`` alone
(:func:`jazzgen.model.windows.epoch_order`), so a resumed run continues with the very batch,
optimizer state and dropout masks the uninterrupted run would have had next.
"""

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
from jazzgen.errors import ConfigError
from jazzgen.model.bundle import save_bundle
from jazzgen.model.checkpoint import (
    loss_tracker,
    read_state,
    remove_unnamed,
    set_seed_states,
    write_checkpoint,
)
from jazzgen.model.config import EncodingConfig, ModelConfig, TrainConfig, to_dict
from jazzgen.model.distribute import (
    build_optimizer,
    choose,
    fit_epoch,
    is_multi_worker,
    make_strategy,
)
from jazzgen.model.encoding import Vocabulary
from jazzgen.model.novelty import index_scores, save_quotes
from jazzgen.model.stream import SHUFFLE_BUFFER, open_shards, stream_batches
from jazzgen.model.trainlog import (
    LOG_EVERY,
    LOG_FILES,
    StepProgress,
    TrainLog,
    progress_line,
    step_reporter,
)
from jazzgen.model.windows import (
    TrainingData,
    Windows,
    batch_count,
    build_training_data,
    epoch_datasets,
    make_dataset,
)

DEFAULT_CHECKPOINT_EVERY = 100
"""Training steps between mid-epoch checkpoints (0: only at epoch ends). A step of the
default network (batch 32 x 128) takes about 1 s on a 2-core CPU, so a kill loses at most
about two minutes of work; writing a checkpoint (12 MB) takes 0.15-0.5 s there."""

Log = Callable[[str], None]


@dataclass
class TrainResult:
    """What a training run did, for the command's summary."""

    bundle: Path
    corpus: Corpus | None  # None when streamed from prepared shards
    epochs_run: int
    best_epoch: int
    valid_nll: float | None
    unigram_nll: float | None
    train_events: int
    valid_events: int
    resumed_from: int = 0  # epochs done when this run resumed
    history: dict = field(default_factory=dict)
    resumed_step: int = 0  # and steps done in the epoch after them
    logs: tuple[Path, ...] = ()  # the CSV logs in the bundle
    events: Path | None = None  # the TensorBoard event file written
    pieces: int = 0  # pieces read (training and validation)
    notes: int = 0
    chief: bool = True  # False: a worker of a cluster, which writes no bundle
    workers: int = 1

    def __post_init__(self) -> None:
        if self.corpus is not None and not self.pieces:
            self.pieces, self.notes = len(self.corpus.pieces), self.corpus.note_count

    def summary(self) -> list[str]:
        """What the run did, as lines for a person."""
        lines = [f"Trained on {self.pieces} pieces ({self.notes} notes): "
                 f"{self.train_events} training events, {self.valid_events} validation events.",
                 f"Epochs run: {self.epochs_run} (best {self.best_epoch})"
                 + self._resumed()]
        if self.valid_nll is not None:
            lines.append(f"Validation NLL per event: {self.valid_nll:.3f} nats "
                         f"(unigram baseline {self.unigram_nll:.3f})")
        if not self.chief:
            lines.append(f"One of {self.workers} workers: the chief (worker 0) writes the "
                         f"bundle")
            return lines
        lines.append(f"Model bundle: {self.bundle}")
        if self.logs:
            lines.append(f"Training logs: {', '.join(map(str, self.logs))}")
        if self.events is not None:
            lines.append(f"TensorBoard events: {self.events.parent} (view with: tensorboard "
                         f"--logdir {self.events.parent})")
        return lines

    def _resumed(self) -> str:
        if not (self.resumed_from or self.resumed_step):
            return ""
        return f", resumed after epoch {self.resumed_from}" + (
            f", step {self.resumed_step}" if self.resumed_step else "")


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


@dataclass
class _Data:
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


def _in_memory(corpus: Corpus, vocab: Vocabulary, enc_cfg: EncodingConfig,
               model_cfg: ModelConfig, train_cfg: TrainConfig, valid_names: list[str] | None,
               steps_per_epoch: int | None) -> _Data:
    """A corpus read into memory, every window of every key held as arrays."""
    data = build_training_data(corpus, vocab, train_cfg, valid_names=valid_names)
    per_pass = batch_count(len(data.train), train_cfg.batch_size)
    passes = epoch_datasets(data.train, train_cfg.batch_size, train_cfg.seed)
    steps = steps_per_epoch or per_pass
    trained = set(data.train_pieces)  # their quote index: intervals need one key only
    return _Data(
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


def _streamed(folder: str | os.PathLike, vocab: Vocabulary, model_cfg: ModelConfig,
              train_cfg: TrainConfig, steps_per_epoch: int | None,
              shuffle_buffer: int) -> _Data:
    """A prepared folder (``jazzgen prepare``) streamed through tf.data."""
    shards = open_shards(folder, vocab, train_cfg, shuffle_buffer)
    man = shards.manifest
    per_pass = shards.batches_per_pass
    steps = steps_per_epoch or per_pass
    h = hashlib.sha256(json.dumps(
        [man.fingerprint, to_dict(model_cfg), _fingerprinted(train_cfg), steps_per_epoch,
         shuffle_buffer], sort_keys=True).encode())
    return _Data(
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


def train(
    corpus_dir: str | os.PathLike | None,
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
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    logdir: str | os.PathLike | None = None,
    step_progress: StepProgress | None = None,
    log_every: int = LOG_EVERY,
    data_dir: str | os.PathLike | None = None,
    steps_per_epoch: int | None = None,
    strategy: str = "auto",
    shuffle_buffer: int = SHUFFLE_BUFFER,
) -> TrainResult:
    """Train on every readable file under ``corpus_dir``, or on the prepared shards in
    ``data_dir`` (streamed), and write the bundle to ``model_dir``.

    A checkpoint beside the bundle (``<model_dir>.checkpoint``) is written every
    ``checkpoint_every`` training steps (0: never mid-epoch) and after every epoch; a run
    interrupted for any reason, even ``kill -9``, continues from it at the same epoch and step
    when started again with the same corpus and settings (``resume=False``: start afresh).
    The interval is not part of the setup: a run may resume with another one. An epoch is a
    pass over the training windows, or ``steps_per_epoch`` batches of the endless sequence of
    passes. ``strategy`` places the run (:mod:`jazzgen.model.distribute`): on a cluster only
    the chief (worker 0) writes the bundle and ``model_dir``'s checkpoint; worker i keeps its
    own in ``<model_dir>.checkpoint-worker<i>``. The bundle gets the run's CSV logs (a row
    every ``log_every`` steps); ``logdir``, if given, gets TensorBoard events (the chief's);
    ``step_progress`` is called after every step (see :mod:`jazzgen.model.trainlog`).
    """
    if checkpoint_every < 0 or log_every < 1:
        raise ConfigError(f"checkpoint and log intervals must be >= 0 and >= 1 steps, got "
                          f"{checkpoint_every} and {log_every}")
    if (corpus_dir is None) == (data_dir is None):
        raise ConfigError("train on a corpus folder or on prepared shards, one of the two")
    if steps_per_epoch is not None and steps_per_epoch < 1:
        raise ConfigError(f"steps per epoch must be >= 1, got {steps_per_epoch}")
    enc_cfg = enc_cfg or EncodingConfig()
    model_cfg = model_cfg or ModelConfig()
    train_cfg = train_cfg or TrainConfig()
    model_dir = Path(model_dir)
    choose(strategy)  # a wrong name or a missing cluster fails before any reading
    vocab = Vocabulary(enc_cfg)
    if data_dir is not None:
        data = _streamed(data_dir, vocab, model_cfg, train_cfg, steps_per_epoch,
                         shuffle_buffer)
    else:
        corpus = load_corpus(corpus_dir, track=track, progress=progress)
        data = _in_memory(corpus, vocab, enc_cfg, model_cfg, train_cfg, valid_names,
                          steps_per_epoch)

    from jazzgen.model.backend import import_keras
    from jazzgen.model.network import build_model

    keras = import_keras()
    dist, task = make_strategy(strategy)
    keras.utils.set_random_seed(train_cfg.seed)
    ckpt_dir = model_dir.with_name(model_dir.name + ".checkpoint" + (
        "" if task.chief else f"-worker{task.index}"))
    state = read_state(ckpt_dir, data.fingerprint) if resume else None
    valid_ds = data.valid_ds()
    with dist.scope():
        if state is not None:
            model = keras.models.load_model(ckpt_dir / state["model"], safe_mode=True)
            set_seed_states(model, state.get("rng"))
            remove_unnamed(ckpt_dir, state)
            log(f"Resuming from the checkpoint after epoch {state['epoch']}, step "
                f"{state['step']} ({ckpt_dir})")
        else:
            shutil.rmtree(ckpt_dir, ignore_errors=True)
            model = compiled_model(len(vocab), enc_cfg, model_cfg, train_cfg)
            state = {"fingerprint": data.fingerprint, "epoch": 0, "step": 0, "history": {},
                     "best_epoch": 0, "best": None, "wait": 0}
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    resumed = (state["epoch"], state["step"])
    trainlog = TrainLog(ckpt_dir, data.steps, log_every, logdir if task.chief else None)
    trainlog.resume(*resumed)
    # The step bar after Keras's line: it starts below "Epoch e/n" and is gone before the
    # epoch's summary line.
    callbacks = [_checkpointer(keras, ckpt_dir, state, train_cfg.patience,
                               valid_ds is not None, checkpoint_every, trainlog),
                 *([progress_line(keras, train_cfg.epochs)] if verbose else []),
                 *([step_reporter(keras, step_progress, state, data.steps)]
                   if step_progress else [])]
    # One fit per epoch, on that epoch's batches from where the run stands (Keras cannot
    # start an epoch part-way); the callback keeps the history across the calls.
    custom = is_multi_worker(dist)  # Keras's fit cannot run there (see fit_epoch)
    if custom:
        build_optimizer(model, dist)
    try:
        for epoch in range(state["epoch"], train_cfg.epochs):
            if state.get("stopped"):
                break
            if custom:
                fit_epoch(model, dist, data.train_ds(epoch, state["step"]), valid_ds, epoch,
                          train_cfg.epochs, callbacks, verbose)
                continue
            model.fit(data.train_ds(epoch, state["step"]), validation_data=valid_ds,
                      epochs=epoch + 1, initial_epoch=epoch, callbacks=callbacks,
                      verbose=verbose,
                      shuffle=False)  # the dataset is in the epoch's order already
    finally:
        trainlog.close()
    if state.get("best_file"):
        model.load_weights(ckpt_dir / state["best_file"])
    valid_nll = data.valid_nll(model, valid_ds)
    history = {
        "epochs": state["history"],
        "best_epoch": state["best_epoch"],
        "valid_nll_per_event": valid_nll,
        "unigram_valid_nll_per_event": data.baseline,
        "train_events": data.train_events,
        "valid_events": data.valid_events,
    }
    if steps_per_epoch:
        history["steps_per_epoch"] = steps_per_epoch
    result = TrainResult(
        bundle=model_dir, corpus=data.corpus, epochs_run=state["epoch"],
        best_epoch=state["best_epoch"], valid_nll=valid_nll, unigram_nll=data.baseline,
        train_events=data.train_events, valid_events=data.valid_events,
        resumed_from=resumed[0], history=history, resumed_step=resumed[1],
        pieces=data.pieces, notes=data.notes, chief=task.chief, workers=task.workers)
    if not task.chief:  # the chief writes the bundle; this worker's copy is done with
        shutil.rmtree(ckpt_dir, ignore_errors=True)
        return result
    # A fresh, uncompiled copy: the bundle holds no optimizer state (3x smaller).
    export = build_model(len(vocab), enc_cfg, model_cfg)
    export.set_weights(model.get_weights())
    meta = {"median_tempo": statistics.median(data.tempos), "pieces": data.pieces,
            "notes": data.notes}
    quotes = data.quotes()
    bundle = save_bundle(model_dir, export, vocab, model_cfg, train_cfg, history,
                         data.corpus_info, meta,
                         extras=lambda folder: (save_quotes(folder, quotes),
                                                trainlog.copy_to(folder)))
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    result.bundle, result.logs = bundle, tuple(bundle / name for name in LOG_FILES)
    result.events = trainlog.events_path
    return result


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


def _checkpointer(keras, ckpt_dir: Path, state: dict, patience: int, has_valid: bool,
                  every: int, log: TrainLog):
    """A Keras callback built from :class:`_CheckpointerMixin` (the Callback base class is
    joined here, so importing this module does not import Keras)."""
    cls = type("Checkpointer", (_CheckpointerMixin, keras.callbacks.Callback), {})
    callback = cls()
    callback.setup(ckpt_dir, state, patience, has_valid, every, log)
    return callback


class _CheckpointerMixin:
    """Checkpoint every ``every`` steps (0: never) and after every epoch, atomically; stop
    early on no progress; add the log's rows. ``state`` is the run's state, kept up to date
    in place."""

    def setup(self, ckpt_dir: Path, state: dict, patience: int, has_valid: bool,
              every: int, log: TrainLog) -> None:
        self.ckpt_dir, self.state, self.patience, self.has_valid = (
            ckpt_dir, state, patience, has_valid)
        self.every, self.start_step, self.log = every, 0, log

    def on_epoch_begin(self, epoch, logs=None):
        self.start_step = self.state["step"]
        self.log.begin_epoch(self.state.get("seconds", 0.0))
        if self.start_step:  # resumed part-way: the epoch's loss so far (Keras reset it)
            for var, value in zip(loss_tracker(self.model).variables, self.state["loss"],
                                  strict=True):
                var.assign(value)

    def on_train_batch_begin(self, batch, logs=None):
        # At the start of batch ``batch`` rather than the end of the one before: this hook
        # always runs in line with the steps (the weights saved are those after ``step``
        # batches), and without a batch-end hook Keras need not fetch every step's loss.
        step = self.start_step + batch
        checkpoint = self.every and step % self.every == 0
        if batch and (checkpoint or self.log.wants(step)):
            self.log.step(self.state["epoch"] + 1, step,
                          float(loss_tracker(self.model).result()))
        if batch and checkpoint:
            self.state["step"], self.state["seconds"] = step, self.log.seconds()
            self.state["loss"] = [float(v.numpy()) for v in loss_tracker(self.model).variables]
            write_checkpoint(self.ckpt_dir, self.model, self.state)

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        st = self.state
        st["epoch"], st["step"] = epoch + 1, 0
        st.pop("loss", None)
        st.pop("seconds", None)
        self.log.end_epoch(epoch + 1, logs["loss"], logs.get("val_loss"),
                           float(np.asarray(self.model.optimizer.learning_rate)))
        st["history"][str(epoch + 1)] = logs
        monitor = logs.get("val_loss" if self.has_valid else "loss")
        best = monitor is not None and (st["best"] is None or monitor < st["best"])
        if best:
            st["best"], st["best_epoch"], st["wait"] = monitor, epoch + 1, 0
        else:
            st["wait"] += 1
            if st["wait"] >= self.patience:
                st["stopped"] = True
                self.model.stop_training = True
        write_checkpoint(self.ckpt_dir, self.model, st, best=best)
