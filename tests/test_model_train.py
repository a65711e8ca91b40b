"""jazzgen.model.train: fitting the LSTM, checkpoints every N steps and every epoch, resuming
(after a crash or a kill -9) at the same step with the same result, the summary."""

import json
import random
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from builders import motif_line

from jazzgen.corpus.loader import Corpus
from jazzgen.errors import ConfigError
from jazzgen.model.config import ModelConfig, TrainConfig
from jazzgen.model.train import TrainResult

# Tiny but complete: dropout on (random masks a resume must replay), 9 steps an epoch on the
# tiny corpus, validation on, no early stop. OPTIONS is the same setup for `jazzgen train`.
MCFG = ModelConfig(embedding_size=8, lstm_size=8, lstm_layers=1, dropout=0.2)
TCFG = TrainConfig(epochs=3, sequence_length=32, batch_size=16, patience=10)
OPTIONS = ["--epochs", "3", "--sequence-length", "32", "--batch-size", "16", "--patience", "10",
           "--lstm-size", "8", "--lstm-layers", "1", "--embedding-size", "8", "--dropout", "0.2"]
RESUMED = re.compile(r"Resuming from the checkpoint after epoch (\d+), step (\d+)")


def _weights(bundle: Path) -> dict[str, np.ndarray]:
    with np.load(bundle / "weights.npz") as npz:
        return {k: npz[k] for k in npz.files}


def _history(bundle: Path) -> dict:
    return json.loads((bundle / "history.json").read_text())


def _train_uninterrupted(corpus: Path, out: Path) -> Path:
    """The setup trained in one go, checkpointing at epoch ends only."""
    from jazzgen.model.train import train

    train(corpus, out, model_cfg=MCFG, train_cfg=TCFG, log=lambda _m: None, verbose=0,
          checkpoint_every=0)
    assert _history(out)["epochs"].keys() == {"1", "2", "3"}
    return out


def _same_run(bundle: Path, reference: Path) -> None:
    """Bit for bit the same weights, and the same losses in every epoch."""
    got, want = _weights(bundle), _weights(reference)
    assert got.keys() == want.keys()
    assert all(np.array_equal(got[k], want[k]) for k in want)
    assert _history(bundle) == _history(reference)


def _check_complete(ckpt: Path, bundle: Path) -> None:
    """Whatever a kill left loads: state.json, every file in the checkpoint folder (the logs
    too), the bundle. Only temporary names (a leading dot; never read, removed on resume)
    may be partial."""
    import h5py

    from jazzgen.model.backend import import_keras
    from jazzgen.model.bundle import load_bundle

    keras = import_keras()

    if ckpt.exists():
        names = sorted(p.name for p in ckpt.iterdir() if not p.name.startswith("."))
        state = json.loads((ckpt / "state.json").read_text())
        assert {state["model"], state.get("best_file", "state.json")} <= set(names)
        for name in names:
            if name.endswith(".keras"):
                keras.models.load_model(ckpt / name, safe_mode=True)
            elif name.endswith(".h5"):
                with h5py.File(ckpt / name, "r") as h5:
                    h5.visititems(lambda _k, v: v[()] if isinstance(v, h5py.Dataset) else None)
            elif name.endswith(".csv"):  # a log, whole: its header, then whole rows
                assert name in ("log_epochs.csv", "log_steps.csv"), name
                rows = _csv(ckpt / name)
                assert all(None not in r.values() and None not in r for r in rows), name
            else:
                assert name == "state.json", name
    if bundle.exists():
        load_bundle(bundle)


@pytest.mark.slow
def test_kill_9_at_random_instants_then_the_same_command_finishes_the_same_run(
        tmp_path, tiny_corpus):
    """Killed three times at random instants (in a step, in a checkpoint write), each time
    after it checkpointed at least once, the run resumes where its last checkpoint was, and
    ends with the weights and losses of the run that was never interrupted."""
    from click.testing import CliRunner

    from jazzgen.cli import main

    model, ckpt = tmp_path / "m", tmp_path / "m.checkpoint"
    cmd = [sys.executable, "-m", "jazzgen", "train", "--corpus", str(tiny_corpus), "--model",
           str(model), *OPTIONS, "--quiet"]
    rng = random.Random(7)

    def position():
        try:
            state = json.loads((ckpt / "state.json").read_text())
        except FileNotFoundError:
            return None
        return state["epoch"], state["step"]

    # The uninterrupted run trains in this process while the first launch imports TensorFlow
    # (each uses about one core); it must end before this process touches Keras itself.
    with ThreadPoolExecutor(1) as pool:
        reference = pool.submit(_train_uninterrupted, tiny_corpus, tmp_path / "uninterrupted")
        for kill in range(3):
            start = position()
            with open(tmp_path / f"run{kill}.log", "w+") as out:
                proc = subprocess.Popen([*cmd, "--checkpoint-every", "1"], stdout=out,
                                        stderr=subprocess.STDOUT)
                deadline = time.monotonic() + 120
                while position() in (None, start):  # until this process has checkpointed
                    assert proc.poll() is None and time.monotonic() < deadline, out.read()
                    time.sleep(0.01)
                time.sleep(rng.uniform(0, 0.3))  # then anywhere: inside a step or a write
                assert proc.poll() is None, "the run ended before its kill: more epochs"
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                out.seek(0)
                resumed = RESUMED.search(out.read())
            assert (tuple(map(int, resumed.groups())) if resumed else None) == start
            reference.result()
            _check_complete(ckpt, model)
    last = position()
    assert last is not None and last[0] < TCFG.epochs

    # the interval is no part of the setup: another one resumes the same run
    r = subprocess.run([*cmd, "--checkpoint-every", "3"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    resumed = RESUMED.search(r.stderr)
    assert resumed and tuple(map(int, resumed.groups())) == last
    assert f"resumed after epoch {last[0]}" in r.stdout
    assert not ckpt.exists()
    _same_run(model, reference.result())
    # the logs hold every step once, and the epochs the uninterrupted run had
    steps = [int(r["step"]) for r in _csv(model / "log_steps.csv")]
    assert steps == sorted(set(steps)) and steps[-1] == TCFG.epochs * 9
    assert _csv(model / "log_epochs.csv", drop="seconds") == \
        _csv(reference.result() / "log_epochs.csv", drop="seconds")
    g = CliRunner().invoke(main, ["generate", "--model", str(model), "--bars", "2", "--seed",
                                  "1", "-o", str(tmp_path / "solo.mid")])
    assert g.exit_code == 0, g.output
    assert (tmp_path / "solo.mid").stat().st_size > 0


def test_a_negative_checkpoint_interval_is_refused(tmp_path):
    from jazzgen.model.train import train

    with pytest.raises(ConfigError, match="-1"):
        train(tmp_path, tmp_path / "m", checkpoint_every=-1)
    with pytest.raises(ConfigError, match="0"):
        train(tmp_path, tmp_path / "m", log_every=0)


def _csv(path: Path, drop: str | None = None) -> list[dict]:
    import csv

    with open(path, newline="") as fh:
        return [{k: v for k, v in row.items() if k != drop} for row in csv.DictReader(fh)]


def _scalars(logdir: Path) -> dict[str, list[tuple[int, float]]]:
    """What TensorBoard shows of ``logdir``: every scalar in file order, the points at and
    after a session start's step dropped as it is read (TensorBoard's purge on restart)."""
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    shown: dict[str, list[tuple[int, float]]] = {}
    for path in sorted(logdir.iterdir()):
        for record in tf.data.TFRecordDataset(str(path)):
            e = event_pb2.Event.FromString(record.numpy())
            if e.session_log.status == event_pb2.SessionLog.START:
                shown = {k: [p for p in v if p[0] < e.step] for k, v in shown.items()}
            for v in e.summary.value:
                shown.setdefault(v.tag, []).append((e.step, float(tf.make_ndarray(v.tensor))))
    return shown


LOGGED = dict(model_cfg=MCFG, train_cfg=TrainConfig(epochs=2, sequence_length=32, batch_size=16,
                                                    patience=10),
              log=lambda _m: None, verbose=0, checkpoint_every=4, log_every=3)
"""Two epochs of 9 steps, a checkpoint every 4 steps, a log row every 3."""
LOGGED_STEPS = [3, 4, 6, 8, 9, 12, 13, 15, 17, 18]  # every 3rd, 4th and last of each epoch


@pytest.fixture(scope="module")
def logged_run(tiny_corpus, tmp_path_factory):
    """The run of LOGGED in one go, with TensorBoard events, and its step reports."""
    from jazzgen.model.train import train

    root = tmp_path_factory.mktemp("logged")
    reports = []
    result = train(tiny_corpus, root / "m", logdir=root / "tb",
                   step_progress=lambda *a: reports.append(a), **LOGGED)
    return result, reports


@pytest.mark.slow
def test_the_bundle_logs_every_epoch_and_every_few_steps(logged_run):
    result, reports = logged_run
    bundle = result.bundle
    epochs = _csv(bundle / "log_epochs.csv")
    assert list(epochs[0]) == ["epoch", "loss", "val_loss", "learning_rate", "seconds", "steps"]
    history = _history(bundle)["epochs"]
    assert [r["epoch"] for r in epochs] == ["1", "2"] and [r["steps"] for r in epochs] == ["9"] * 2
    for row in epochs:  # the numbers Keras reported for the epoch
        assert np.float32(row["loss"]) == np.float32(history[row["epoch"]]["loss"])
        assert np.float32(row["val_loss"]) == np.float32(history[row["epoch"]]["val_loss"])
        assert np.float32(row["learning_rate"]) == np.float32(2e-3)
        assert float(row["seconds"]) > 0
    steps = _csv(bundle / "log_steps.csv")
    assert list(steps[0]) == ["step", "epoch", "epoch_step", "loss"]
    assert [int(r["step"]) for r in steps] == LOGGED_STEPS
    assert [(r["epoch"], r["epoch_step"]) for r in steps[:5]] == [
        ("1", "3"), ("1", "4"), ("1", "6"), ("1", "8"), ("1", "9")]
    assert steps[4]["loss"] == epochs[0]["loss"]  # the last step's running loss: the epoch's
    assert result.logs == (bundle / "log_epochs.csv", bundle / "log_steps.csv")
    summary = "\n".join(result.summary())
    assert f"Training logs: {bundle / 'log_epochs.csv'}, {bundle / 'log_steps.csv'}" in summary
    assert f"tensorboard --logdir {result.events.parent}" in summary
    # the step reports: each epoch's start, then every step with the running loss
    assert reports[0] == (1, 0, 9, None) and [r[:3] for r in reports[1:10]] == [
        (1, k, 9) for k in range(1, 10)]
    assert reports[10] == (2, 0, 9, None) and len(reports) == 20
    assert np.float32(reports[9][3]) == np.float32(epochs[0]["loss"])


@pytest.mark.slow
def test_tensorboard_events_hold_the_logged_scalars(logged_run):
    result, _ = logged_run
    shown = _scalars(result.events.parent)
    assert set(shown) == {"step/loss", "epoch/loss", "epoch/val_loss", "epoch/learning_rate",
                          "epoch/seconds"}
    steps = _csv(result.bundle / "log_steps.csv")
    assert shown["step/loss"] == [(int(r["step"]), float(np.float32(r["loss"]))) for r in steps]
    epochs = _csv(result.bundle / "log_epochs.csv")
    assert shown["epoch/val_loss"] == [(9 * int(r["epoch"]), float(np.float32(r["val_loss"])))
                                       for r in epochs]


class _Interrupt(Exception):
    pass


@pytest.mark.slow
def test_an_interrupted_run_resumes_its_logs_without_lost_or_repeated_rows(
        tmp_path, tiny_corpus, logged_run):
    """Stopped in epoch 2 after step 7 (a row at step 6 logged, the checkpoint at 4), the run
    resumes at step 4: the row at 6 is dropped and logged again, and the logs and what
    TensorBoard shows equal the uninterrupted run's (the seconds aside)."""
    from jazzgen.model.train import train

    reference, _ = logged_run

    def stop(epoch, done, _steps, _loss):
        if (epoch, done) == (2, 7):
            raise _Interrupt

    model = tmp_path / "m"
    with pytest.raises(_Interrupt):
        train(tiny_corpus, model, logdir=tmp_path / "tb", step_progress=stop, **LOGGED)
    ckpt = tmp_path / "m.checkpoint"
    assert [int(r["step"]) for r in _csv(ckpt / "log_steps.csv")] == LOGGED_STEPS[:8]
    result = train(tiny_corpus, model, logdir=tmp_path / "tb", **LOGGED)
    assert (result.resumed_from, result.resumed_step) == (1, 4)
    for name in ("log_steps.csv", "log_epochs.csv"):
        assert _csv(model / name, drop="seconds") == _csv(reference.bundle / name, drop="seconds")
    assert len(list((tmp_path / "tb").iterdir())) == 2  # one event file per start
    got, want = _scalars(tmp_path / "tb"), _scalars(reference.events.parent)
    assert got.pop("epoch/seconds") and want.pop("epoch/seconds")
    assert got == want


def _result(**kw) -> TrainResult:
    corpus = Corpus("c", (("a.mid", motif_line("a", bars=2)), ("b.mid", motif_line("b"))), ())
    fields = dict(bundle=Path("models/m"), corpus=corpus, epochs_run=3, best_epoch=2,
                  valid_nll=1.23456, unigram_nll=3.5, train_events=1000, valid_events=100)
    return TrainResult(**(fields | kw))


def test_summary_says_what_the_run_did():
    assert _result().summary() == [
        "Trained on 2 pieces (48 notes): 1000 training events, 100 validation events.",
        "Epochs run: 3 (best 2)",
        "Validation NLL per event: 1.235 nats (unigram baseline 3.500)",
        "Model bundle: models/m",
    ]
    resumed = _result(resumed_from=2, valid_nll=None, unigram_nll=None).summary()
    assert resumed[1] == "Epochs run: 3 (best 2), resumed after epoch 2"
    assert _result(resumed_from=0, resumed_step=40).summary()[1] == \
        "Epochs run: 3 (best 2), resumed after epoch 0, step 40"
    assert not any("Validation" in line for line in resumed)


@pytest.mark.slow
def test_the_bundle_carries_the_quote_index_of_its_training_pieces_only(tiny_model,
                                                                        tiny_corpus):
    import json

    from jazzgen.corpus.loader import load_corpus
    from jazzgen.model.novelty import index_scores, load_quotes

    info = json.loads((tiny_model / "corpus.json").read_text())
    pieces = {str(Path(p).relative_to(tiny_corpus)): s for p, s in load_corpus(tiny_corpus).pieces}
    assert info["valid"] and set(info["train"]) | set(info["valid"]) == set(pieces)
    stored = load_quotes(tiny_model)
    want = index_scores(pieces[name] for name in info["train"])
    assert np.array_equal(stored.hashes, want.hashes) and len(stored) > 0
    for name in info["train"]:
        line = [n.pitch for n in pieces[name].notes]
        assert stored.longest(line) == len(line)


@pytest.mark.slow
def test_init_from_starts_at_a_bundle_s_weights_with_its_network(tiny_model, tiny_corpus,
                                                                 tmp_path):
    """Fine-tuning: at a vanishing learning rate the weights stay where the bundle had them;
    the network's sizes are the bundle's, whatever sizes were asked for."""
    from jazzgen.model.train import train

    lines = []
    train(tiny_corpus, tmp_path / "tuned", model_cfg=ModelConfig(lstm_size=64),
          train_cfg=TrainConfig(epochs=1, sequence_length=32, batch_size=16,
                                learning_rate=1e-12), log=lines.append, verbose=0,
          init_from=tiny_model)
    got, want = _weights(tmp_path / "tuned"), _weights(tiny_model)
    assert got.keys() == want.keys()
    assert all(np.allclose(got[k], want[k], atol=1e-6) for k in want)
    assert any("replaces the sizes given" in line for line in lines)
    config = json.loads((tmp_path / "tuned" / "config.json").read_text())
    assert config["model"]["lstm_size"] == 16


def test_init_from_refuses_a_missing_or_other_encoding_bundle(tiny_corpus, tmp_path):
    from jazzgen.model.config import EncodingConfig
    from jazzgen.model.train import train

    with pytest.raises(ConfigError, match="cannot start from"):
        train(tiny_corpus, tmp_path / "m", init_from=tmp_path / "none", log=lambda _m: None)
    shipped = Path(__file__).resolve().parents[1] / "jazzgen" / "data" / "wjazzd-lstm"
    with pytest.raises(ConfigError, match="encodes music otherwise"):
        train(tiny_corpus, tmp_path / "m", enc_cfg=EncodingConfig(max_pitch=96),
              init_from=shipped, log=lambda _m: None)
    assert not (tmp_path / "m").exists()


def test_init_from_a_plain_bundle_adds_relative_heads_that_start_at_zero(tiny_model,
                                                                         tiny_corpus, tmp_path):
    """The heads begin at zero: at a vanishing learning rate the tuned bundle samples the
    plain bundle's solo note for note; at a real one the heads learn something."""
    from jazzgen.generate.sampling import SampleConfig, sample
    from jazzgen.model.bundle import load_bundle
    from jazzgen.model.heads import LAYER
    from jazzgen.model.train import train
    from jazzgen.music.notes import TimeSignature
    from jazzgen.music.progressions import parse_changes

    heads = ModelConfig(relative_heads=True)
    for name, rate in (("still", 1e-12), ("moved", 5e-3)):
        train(tiny_corpus, tmp_path / name, model_cfg=heads, verbose=0, log=lambda _m: None,
              train_cfg=TrainConfig(epochs=1, sequence_length=32, batch_size=16,
                                    learning_rate=rate), init_from=tiny_model)
        config = json.loads((tmp_path / name / "config.json").read_text())
        assert config["model"]["relative_heads"] is True
    still, moved = _weights(tmp_path / "still"), _weights(tmp_path / "moved")
    assert {k for k in still if k.startswith(LAYER)} == {f"{LAYER}.{i}" for i in range(8)}
    assert all(np.abs(still[k]).max() < 1e-8 for k in still if k.startswith(LAYER))
    assert any(np.abs(moved[k]).max() > 1e-4 for k in moved if k.startswith(LAYER))
    changes = parse_changes("Dm7 G7 | Cmaj7 | A7 | Dm7 G7")

    def solo(bundle):
        b = load_bundle(bundle)
        return sample(b.net, b.vocab, changes, (TimeSignature(0, 4, 4),),
                      [np.random.SeedSequence(3)], SampleConfig(), notes=24)[0]

    assert solo(tmp_path / "still") == solo(tiny_model)
    assert solo(tmp_path / "moved") != solo(tiny_model)
