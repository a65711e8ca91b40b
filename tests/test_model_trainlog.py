"""jazzgen.model.trainlog: the CSV logs' columns and rows, a resume that drops the rows after
its checkpoint, TensorBoard event files with the scalars and a session start."""

import csv

import pytest

from jazzgen.model.trainlog import (
    EPOCH_COLUMNS,
    EPOCH_LOG,
    STEP_COLUMNS,
    STEP_LOG,
    EventWriter,
    TrainLog,
)


def _rows(path):
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        return [tuple(r) for r in reader]


def _epoch(log: TrainLog, epoch: int, loss: float, val_loss=None) -> None:
    """Epoch ``epoch`` (from 1) of a run of 5-step epochs logged every 2 steps."""
    log.begin_epoch()
    for step in range(1, 5):
        if log.wants(step):
            log.step(epoch, step, loss + 1 / step)
    log.end_epoch(epoch, loss, val_loss, 0.002)


def test_rows_columns_and_values(tmp_path):
    log = TrainLog(tmp_path, steps_per_epoch=5, every=2)
    log.resume(0, 0)  # a fresh run: empty logs with their headers
    assert _rows(tmp_path / EPOCH_LOG) == [EPOCH_COLUMNS]
    assert _rows(tmp_path / STEP_LOG) == [STEP_COLUMNS]
    _epoch(log, 1, 3.5, val_loss=3.25)
    _epoch(log, 2, 3.0)
    epochs = _rows(tmp_path / EPOCH_LOG)
    assert epochs[0] == ("epoch", "loss", "val_loss", "learning_rate", "seconds", "steps")
    assert [r[:4] + r[5:] for r in epochs[1:]] == [("1", "3.5", "3.25", "0.002", "5"),
                                                   ("2", "3.0", "", "0.002", "5")]
    assert all(float(r[4]) >= 0 for r in epochs[1:])
    assert _rows(tmp_path / STEP_LOG) == [
        ("step", "epoch", "epoch_step", "loss"),
        ("2", "1", "2", "4.0"), ("4", "1", "4", "3.75"), ("5", "1", "5", "3.5"),
        ("7", "2", "2", "3.5"), ("9", "2", "4", "3.25"), ("10", "2", "5", "3.0")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [EPOCH_LOG, STEP_LOG]  # no temps
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    assert [p.name for p in log.copy_to(bundle)] == [EPOCH_LOG, STEP_LOG]
    assert (bundle / STEP_LOG).read_text() == (tmp_path / STEP_LOG).read_text()


def test_a_resume_drops_the_rows_after_its_checkpoint(tmp_path):
    first = TrainLog(tmp_path, steps_per_epoch=5, every=2)
    first.resume(0, 0)
    _epoch(first, 1, 3.5)
    first.begin_epoch()
    for step in (2, 4):  # epoch 2 runs past its checkpoint at step 3, then the run dies
        first.step(2, step, 3.0)
    again = TrainLog(tmp_path, steps_per_epoch=5, every=2)
    again.resume(1, 3)
    assert [r[0] for r in _rows(tmp_path / STEP_LOG)] == ["step", "2", "4", "5", "7"]
    assert [r[0] for r in _rows(tmp_path / EPOCH_LOG)] == ["epoch", "1"]
    again.begin_epoch(seconds=2.0)  # the epoch's time before the checkpoint counts
    assert again.seconds() >= 2.0
    again.step(2, 4, 2.9)
    again.end_epoch(2, 2.8, None, 0.002)
    steps = [r[0] for r in _rows(tmp_path / STEP_LOG)[1:]]
    assert steps == ["2", "4", "5", "7", "9", "10"] and len(set(steps)) == len(steps)
    assert _rows(tmp_path / STEP_LOG)[-2][-1] == "2.9"  # the redone step's row
    # an epoch-end checkpoint drops the whole next epoch's rows
    TrainLog(tmp_path, steps_per_epoch=5, every=2).resume(1, 0)
    assert [r[0] for r in _rows(tmp_path / STEP_LOG)[1:]] == ["2", "4", "5"]


@pytest.mark.parametrize("text", ["", "a,b\n1,2\n", "step,epoch,epoch_step,loss\nx,1,2,3\n",
                                  "\xff\xfe"])
def test_a_log_that_is_not_ours_starts_afresh(tmp_path, text):
    (tmp_path / STEP_LOG).write_text(text, encoding="latin-1")
    log = TrainLog(tmp_path, steps_per_epoch=5)
    log.resume(1, 0)
    assert log.steps == [] and _rows(tmp_path / STEP_LOG) == [STEP_COLUMNS]


def _events(path):
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    return [event_pb2.Event.FromString(r.numpy()) for r in tf.data.TFRecordDataset(str(path))]


@pytest.mark.slow
def test_event_files_hold_a_session_start_and_the_scalars(tmp_path):
    import tensorflow as tf

    log = TrainLog(tmp_path / "ckpt", steps_per_epoch=5, every=2, logdir=tmp_path / "tb")
    (tmp_path / "ckpt").mkdir()
    log.resume(1, 0)  # after epoch 1: TensorBoard is to drop the points from step 6 on
    _epoch(log, 2, 3.0, val_loss=2.5)
    log.close()
    assert log.events_path.parent == tmp_path / "tb" and "tfevents" in log.events_path.name
    events = _events(log.events_path)
    assert events[0].file_version == "brain.Event:2"
    assert events[1].session_log.status == events[1].session_log.START and events[1].step == 6
    scalars = [(e.step, v.tag, float(tf.make_ndarray(v.tensor)),
                v.metadata.plugin_data.plugin_name) for e in events[2:] for v in e.summary.value]
    assert [s[:2] for s in scalars] == [
        (7, "step/loss"), (9, "step/loss"), (10, "step/loss"), (10, "epoch/loss"),
        (10, "epoch/learning_rate"), (10, "epoch/seconds"), (10, "epoch/val_loss")]
    assert {s[3] for s in scalars} == {"scalars"}
    assert scalars[3][2] == 3.0 and scalars[-1][2] == 2.5
    assert EventWriter(tmp_path / "tb").path != log.events_path  # each start: a new file


@pytest.mark.slow
def test_tensorboard_itself_reads_the_scalars_and_drops_what_a_restart_redid(tmp_path):
    """The events as TensorBoard's own loader sees them (skipped without tensorboard)."""
    pea = pytest.importorskip("tensorboard.backend.event_processing.plugin_event_accumulator")
    import tensorflow as tf

    first = TrainLog(tmp_path / "ckpt", steps_per_epoch=5, every=1, logdir=tmp_path / "tb")
    (tmp_path / "ckpt").mkdir()
    first.resume(0, 0)
    first.begin_epoch()
    for step in range(1, 5):  # the run dies after step 4; its checkpoint was at step 2
        first.step(1, step, 9.0)
    first.close()
    again = TrainLog(tmp_path / "ckpt", steps_per_epoch=5, every=1, logdir=tmp_path / "tb")
    again.resume(0, 2)
    again.begin_epoch()
    for step in (3, 4):
        again.step(1, step, 1.0)
    again.end_epoch(1, 1.0, 1.5, 0.002)
    again.close()
    acc = pea.EventAccumulator(str(tmp_path / "tb"))
    acc.Reload()
    assert set(acc.PluginTagToContent("scalars")) == {
        "step/loss", "epoch/loss", "epoch/learning_rate", "epoch/seconds", "epoch/val_loss"}

    def points(tag):
        return [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]

    assert points("step/loss") == [(1, 9.0), (2, 9.0), (3, 1.0), (4, 1.0), (5, 1.0)]
    assert points("epoch/val_loss") == [(5, 1.5)]
