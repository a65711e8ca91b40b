"""Training logs: per-epoch and per-step metrics as CSV files, TensorBoard events if asked,
and the Keras callbacks that report a run's progress.

The finished bundle holds two CSV files (header row first, one row per line)::

    log_epochs.csv   epoch, loss, val_loss, learning_rate, seconds, steps
                     one row per epoch: its training and validation loss (nats per event;
                     val_loss empty without validation), the learning rate, the wall-clock
                     seconds it took (not counting work a resume redid) and its steps
    log_steps.csv    step, epoch, epoch_step, loss
                     Keras's running mean of the training loss over the epoch so far, every
                     ``every`` steps (10 by default), at every checkpoint and at the end of
                     every epoch; ``step`` counts the run's steps (batches) from its start,
                     ``epoch_step`` those of its epoch

While the run trains they live in its checkpoint folder, each rewritten atomically when rows
are added. A resumed run drops the rows after the checkpoint it resumes from (those steps
are trained again), so the finished logs hold every row once, as an uninterrupted run's do.

With a log folder, the same numbers go into a TensorBoard event file there (``tensorboard
--logdir DIR``): ``step/loss`` every logged step, ``epoch/loss``, ``epoch/val_loss``,
``epoch/learning_rate`` and ``epoch/seconds`` at the epoch's last step, all against the run's
step. Each start of the run writes a new event file that begins with a session start at the
step after its checkpoint: TensorBoard then drops the points an interrupted run logged past
it. The events are written with TensorFlow's own record writer in the scalars plugin's
format (what ``tf.summary.scalar`` writes), so no TensorBoard install is needed to write them.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from jazzgen.io import atomic

EPOCH_LOG = "log_epochs.csv"
STEP_LOG = "log_steps.csv"
LOG_FILES = (EPOCH_LOG, STEP_LOG)
EPOCH_COLUMNS = ("epoch", "loss", "val_loss", "learning_rate", "seconds", "steps")
STEP_COLUMNS = ("step", "epoch", "epoch_step", "loss")
LOG_EVERY = 10
"""Training steps between rows of ``log_steps.csv`` (about 10 s of the default network on a
2-core CPU; the file grows by about 40 bytes a row)."""

StepProgress = Callable[[int, int, int, "float | None"], None]
"""``(epoch, steps done in it, steps in an epoch, running training loss)``: called at an
epoch's start (loss None) and after each of its steps; epochs count from 1."""


def _row(columns: tuple[str, ...], *values) -> dict[str, str]:
    """A CSV row: floats as the shortest text that reads back as the same float32 (Keras's
    metrics are float32), None as an empty cell."""
    cells = ("" if v is None else str(np.float32(v)) if isinstance(v, float) else str(v)
             for v in values)
    return dict(zip(columns, cells, strict=True))


class TrainLog:
    """The CSV logs (and TensorBoard events) of one run, kept in ``folder`` while it trains.

    ``steps_per_epoch`` numbers the run's steps; ``every`` is the step interval of
    ``log_steps.csv``; ``logdir``, if given, receives the TensorBoard events.
    """

    def __init__(self, folder: Path, steps_per_epoch: int, every: int = LOG_EVERY,
                 logdir: str | os.PathLike | None = None) -> None:
        self.folder, self.steps_per_epoch, self.every = Path(folder), steps_per_epoch, every
        self.logdir = None if logdir is None else Path(logdir)
        self.epochs: list[dict[str, str]] = []
        self.steps: list[dict[str, str]] = []
        self.events: EventWriter | None = None
        self.events_path: Path | None = None  # the event file, once opened
        self._start, self._before = time.monotonic(), 0.0

    def resume(self, epochs_done: int, step: int) -> None:
        """Take up the rows in the folder up to the checkpoint after ``epochs_done`` epochs
        and ``step`` steps of the next (a fresh run: none), rewrite the files with them, and
        open the event file."""
        last = epochs_done * self.steps_per_epoch + step
        self.epochs = [r for r in _read(self.folder / EPOCH_LOG, EPOCH_COLUMNS)
                       if int(r["epoch"]) <= epochs_done]
        self.steps = [r for r in _read(self.folder / STEP_LOG, STEP_COLUMNS)
                      if int(r["step"]) <= last]
        self._write(EPOCH_LOG)
        self._write(STEP_LOG)
        if self.logdir is not None:
            self.events = EventWriter(self.logdir, first_step=last + 1)
            self.events_path = self.events.path

    def begin_epoch(self, seconds: float = 0.0) -> None:
        """An epoch (re)starts, ``seconds`` of it already trained before a checkpoint."""
        self._start, self._before = time.monotonic(), seconds

    def seconds(self) -> float:
        """Wall-clock seconds of the current epoch so far."""
        return self._before + time.monotonic() - self._start

    def wants(self, epoch_step: int) -> bool:
        """Whether the step after ``epoch_step`` steps of an epoch gets a row."""
        return epoch_step % self.every == 0

    def step(self, epoch: int, epoch_step: int, loss: float) -> None:
        """A row of ``log_steps.csv``: epoch ``epoch`` (from 1) after ``epoch_step`` steps."""
        step = (epoch - 1) * self.steps_per_epoch + epoch_step
        self._add_step(step, epoch, epoch_step, loss)
        self._write(STEP_LOG)
        if self.events is not None:
            self.events.flush()

    def end_epoch(self, epoch: int, loss: float, val_loss: float | None,
                  learning_rate: float) -> None:
        """The rows of epoch ``epoch`` (from 1) just finished: its last step and its total."""
        step = epoch * self.steps_per_epoch
        seconds = round(self.seconds(), 3)
        text = f"{seconds:.3f}"
        self._add_step(step, epoch, self.steps_per_epoch, loss)
        self.epochs.append(_row(EPOCH_COLUMNS, epoch, loss, val_loss, learning_rate, text,
                                self.steps_per_epoch))
        self._write(STEP_LOG)
        self._write(EPOCH_LOG)
        if self.events is not None:
            values = {"epoch/loss": loss, "epoch/learning_rate": learning_rate,
                      "epoch/seconds": seconds}
            if val_loss is not None:
                values["epoch/val_loss"] = val_loss
            self.events.scalars(step, values)
            self.events.flush()

    def copy_to(self, folder: Path) -> list[Path]:
        """Copy the CSV files into ``folder`` (the unfinished bundle); their paths there."""
        return [Path(shutil.copyfile(self.folder / name, Path(folder) / name))
                for name in LOG_FILES]

    def close(self) -> None:
        """Close the event file, if any."""
        if self.events is not None:
            self.events.close()
            self.events = None

    def _add_step(self, step: int, epoch: int, epoch_step: int, loss: float) -> None:
        self.steps.append(_row(STEP_COLUMNS, step, epoch, epoch_step, loss))
        if self.events is not None:
            self.events.scalars(step, {"step/loss": loss})

    def _write(self, name: str) -> None:
        rows, columns = (self.epochs, EPOCH_COLUMNS) if name == EPOCH_LOG \
            else (self.steps, STEP_COLUMNS)
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic.write_text(self.folder / name, out.getvalue())


def _read(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a log file this module wrote; none if it is missing or not such a file
    (an older checkpoint, a file edited by hand: the log then starts at the checkpoint)."""
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != columns:
                return []
            rows = list(reader)
        for r in rows:
            int(r[columns[0]])
    except (OSError, csv.Error, ValueError, TypeError, UnicodeDecodeError):
        return []
    return rows


class EventWriter:
    """A new TensorBoard event file under ``logdir``, opened with a session start at
    ``first_step`` (TensorBoard drops the folder's older points from that step on)."""

    def __init__(self, logdir: Path, first_step: int = 1) -> None:
        import tensorflow as tf
        from tensorflow.core.framework import summary_pb2
        from tensorflow.core.util import event_pb2

        self._tf, self._event, self._summary = tf, event_pb2, summary_pb2
        self._meta = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
        logdir.mkdir(parents=True, exist_ok=True)
        stem = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        n = 0
        while (logdir / f"{stem}.{n}.jazzgen").exists():  # a restart within the second
            n += 1
        self.path = logdir / f"{stem}.{n}.jazzgen"
        self._writer = tf.io.TFRecordWriter(str(self.path))
        self._put(event_pb2.Event(file_version="brain.Event:2"))
        self._put(event_pb2.Event(step=first_step, session_log=event_pb2.SessionLog(
            status=event_pb2.SessionLog.START)))
        self.flush()

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """One event at ``step`` with a float32 scalar per tag."""
        value = self._summary.Summary.Value
        summary = self._summary.Summary(value=[
            value(tag=tag, metadata=self._meta,
                  tensor=self._tf.make_tensor_proto(float(v), dtype=self._tf.float32))
            for tag, v in values.items()])
        self._put(self._event.Event(step=step, summary=summary))

    def flush(self) -> None:
        """Push what is written to the file (a kill then loses nothing logged)."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self._writer.close()

    def _put(self, event) -> None:
        event.wall_time = time.time()
        self._writer.write(event.SerializeToString())


def progress_line(keras, epochs: int):
    """Keras's per-epoch progress line, numbered out of the run's ``epochs`` (each fit call
    trains one)."""

    class EpochProgress(keras.callbacks.ProgbarLogger):
        def set_params(self, params):
            super().set_params({**params, "epochs": epochs})

    return EpochProgress()


def step_reporter(keras, report: StepProgress, state: dict, steps_per_epoch: int):
    """A Keras callback calling ``report`` at each epoch's start and after each step;
    ``state["step"]`` is where a resumed epoch starts (see :mod:`jazzgen.model.train`)."""
    cls = type("StepReporter", (_StepReporterMixin, keras.callbacks.Callback), {})
    callback = cls()
    callback.report, callback.state, callback.steps = report, state, steps_per_epoch
    return callback


class _StepReporterMixin:
    """Joined to Keras's Callback by :func:`step_reporter` (importing this module does not
    import Keras)."""

    report: StepProgress
    state: dict
    steps: int

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.start = epoch + 1, self.state["step"]
        self.report(self.epoch, self.start, self.steps, None)

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        self.report(self.epoch, self.start + batch + 1, self.steps,
                    None if loss is None else float(loss))
