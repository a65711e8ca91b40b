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
import os
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
from jazzgen.model.config import EncodingConfig, ModelConfig, TrainConfig
from jazzgen.model.distribute import (
    agreed_state,
    build_optimizer,
    choose,
    cluster_error,
    fit_epoch,
    is_multi_worker,
    make_strategy,
)
from jazzgen.model.encoding import Vocabulary
from jazzgen.model.novelty import save_quotes
from jazzgen.model.shards import file_digest
from jazzgen.model.sources import in_memory, streamed
from jazzgen.model.stream import SHUFFLE_BUFFER
from jazzgen.model.trainlog import (
    LOG_EVERY,
    LOG_FILES,
    StepProgress,
    TrainLog,
    progress_line,
    step_reporter,
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


def compiled_model(vocab_size: int, enc: EncodingConfig, mcfg: ModelConfig,
                   tcfg: TrainConfig):
    """A new network compiled for training: Adam with gradient clipping, cross-entropy on
    the logits weighted by the windows' weights."""
    from jazzgen.model.backend import import_keras
    from jazzgen.model.heads import layer_class
    from jazzgen.model.network import build_model

    keras = import_keras()
    layer_class()  # registered before any checkpoint or bundle is loaded in safe mode
    model = build_model(vocab_size, enc, mcfg)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=tcfg.learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"),
    )
    return model


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
    init_from: str | os.PathLike | None = None,
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
    ``init_from`` names a bundle whose weights the network starts from (fine-tuning it): its
    shape comes from that bundle, whose encoding must be this run's.
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
    choose(strategy, gpus=0)  # a wrong name or a missing cluster fails before any reading
    if init_from is not None:
        model_cfg = _init_config(init_from, enc_cfg, model_cfg, log)
    vocab = Vocabulary(enc_cfg)
    if data_dir is not None:
        data = streamed(data_dir, vocab, model_cfg, train_cfg, steps_per_epoch,
                         shuffle_buffer)
    else:
        corpus = load_corpus(corpus_dir, track=track, progress=progress)
        data = in_memory(corpus, vocab, enc_cfg, model_cfg, train_cfg, valid_names,
                          steps_per_epoch)

    from jazzgen.model.backend import import_keras
    from jazzgen.model.heads import layer_class
    from jazzgen.model.network import build_model

    keras = import_keras()
    layer_class()  # registered before any checkpoint or bundle is loaded in safe mode
    dist, task = make_strategy(strategy)
    keras.utils.set_random_seed(train_cfg.seed)
    ckpt_dir = model_dir.with_name(model_dir.name + ".checkpoint" + (
        "" if task.chief else f"-worker{task.index}"))
    if init_from is not None:  # a checkpoint resumes only a run from the same start
        data.fingerprint = hashlib.sha256(
            (data.fingerprint + file_digest(Path(init_from) / "weights.npz")).encode()
        ).hexdigest()[:16]
    state = read_state(ckpt_dir, data.fingerprint) if resume else None
    if task.workers > 1:  # all workers resume from one step, or none would go on
        state = agreed_state(dist, state, log)
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
            if init_from is not None:
                start = keras.models.load_model(Path(init_from) / "model.keras",
                                                safe_mode=True)
                for layer in start.layers:  # by name: heads the start lacks begin at zero
                    if layer.get_weights():
                        model.get_layer(layer.name).set_weights(layer.get_weights())
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
    except Exception as exc:  # a lost peer is one clear error, not TensorFlow's traceback
        lost = cluster_error(exc, task)
        if lost is exc:
            raise
        raise lost from None
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


def _init_config(init_from: str | os.PathLike, enc_cfg: EncodingConfig,
                 model_cfg: ModelConfig, log: Log) -> ModelConfig:
    """The network shape of the bundle a run starts from (its dropout this run's own, and
    relative heads if either asks for them: new heads start at zero, see ``heads``);
    ConfigError when the bundle is not there or encodes music otherwise."""
    from jazzgen.errors import BundleError
    from jazzgen.model.bundle import read_config

    try:
        enc, start, _, _ = read_config(init_from)
    except BundleError as exc:
        raise ConfigError(f"cannot start from {init_from}: {exc}") from None
    if enc != enc_cfg:
        raise ConfigError(f"{init_from} encodes music otherwise than this run (its pitch "
                          f"range, durations or bar positions differ): it cannot be fine-tuned")
    if not (Path(init_from) / "model.keras").is_file():
        raise ConfigError(f"{init_from} has no model.keras to start from")
    shape = replace(start, dropout=model_cfg.dropout,
                    relative_heads=start.relative_heads or model_cfg.relative_heads)
    if shape != model_cfg:
        log(f"Starting from {init_from}: its network ({start.lstm_layers}x{start.lstm_size} "
            f"LSTM, embedding {start.embedding_size}) replaces the sizes given")
    return shape


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
