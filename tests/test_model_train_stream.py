"""jazzgen train --data: training streamed from prepared shards, resumed after kill -9 in the
middle of an epoch, and on two workers over loopback against one worker."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_model_stream import write_shards

from jazzgen.cli import main
from jazzgen.model.config import ModelConfig, TrainConfig

pytestmark = pytest.mark.slow

NET = ["--lstm-size", "8", "--lstm-layers", "1", "--embedding-size", "8", "--dropout", "0.2",
       "--sequence-length", "32", "--batch-size", "8", "--keys", "3", "--seed", "2",
       "--patience", "10"]
MCFG = ModelConfig(embedding_size=8, lstm_size=8, lstm_layers=1, dropout=0.2)


@pytest.fixture(scope="module")
def shards(tiny_corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("prepared")
    write_shards(tiny_corpus, out, valid=1, per_shard=1)
    return out


def _weights(bundle: Path) -> dict:
    with np.load(bundle / "weights.npz") as npz:
        return {k: npz[k] for k in npz.files}


def test_train_data_writes_a_bundle_that_generates(shards, tmp_path):
    model = tmp_path / "m"
    r = CliRunner().invoke(main, ["train", "--data", str(shards), "--model", str(model),
                                  "--epochs", "2", "--steps-per-epoch", "5", *NET, "--quiet"])
    assert r.exit_code == 0, r.output
    assert "Validation NLL per event" in r.output and "Model bundle" in r.output
    corpus = json.loads((model / "corpus.json").read_text())
    assert corpus["prepared"] == str(shards) and len(corpus["train"]) == 3
    history = json.loads((model / "history.json").read_text())
    assert history["steps_per_epoch"] == 5 and set(history["epochs"]) == {"1", "2"}
    steps = (model / "log_steps.csv").read_text().splitlines()
    assert steps[-1].startswith("10,2,5,")  # step 10 = epoch 2's fifth
    assert (model / "quotes.npz").exists()
    g = CliRunner().invoke(main, ["generate", "--model", str(model), "--bars", "2", "--seed",
                                  "1", "-o", str(tmp_path / "solo.mid")])
    assert g.exit_code == 0, g.output


def test_corpus_and_data_together_or_a_bad_folder_are_one_error(shards, tmp_path):
    both = CliRunner().invoke(main, ["train", "--data", str(shards), "--corpus", str(shards),
                                     "--model", str(tmp_path / "m")])
    assert both.exit_code != 0 and "--corpus or --data" in both.output
    bad = CliRunner().invoke(main, ["train", "--data", str(tmp_path), "--model",
                                    str(tmp_path / "m")])
    assert bad.exit_code == 1 and "jazzgen prepare" in bad.output
    lone = CliRunner().invoke(main, ["train", "--data", str(shards), "--model",
                                     str(tmp_path / "m"), "--strategy", "multi-worker"],
                              env={"TF_CONFIG": ""})
    assert lone.exit_code == 1 and "two or more workers" in lone.output


def _position(ckpt: Path):
    try:
        state = json.loads((ckpt / "state.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return state["epoch"], state["step"]


def test_kill_9_mid_epoch_resumes_the_stream_where_it_was(shards, tmp_path):
    """Killed inside a streamed epoch after a checkpoint, the same command resumes at that
    step and ends with the weights of the run that was never interrupted."""
    from jazzgen.model.train import train

    args = ["train", "--data", str(shards), "--epochs", "2", *NET, "--quiet"]
    model, ckpt = tmp_path / "m", tmp_path / "m.checkpoint"
    cmd = [sys.executable, "-m", "jazzgen", *args, "--model", str(model)]
    with open(tmp_path / "run.log", "w+") as out:
        proc = subprocess.Popen([*cmd, "--checkpoint-every", "2"], stdout=out,
                                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while _position(ckpt) in (None, (0, 0)):
            assert proc.poll() is None and time.monotonic() < deadline, out.read()
            time.sleep(0.01)
        time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    at = _position(ckpt)
    assert at is not None and at[0] < 2
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"after epoch {at[0]}, step {at[1]}" in r.stderr
    reference = tmp_path / "reference"
    train(None, reference, model_cfg=MCFG, train_cfg=TrainConfig(
        epochs=2, sequence_length=32, batch_size=8, keys=3, seed=2, patience=10),
        data_dir=shards, log=lambda _m: None, verbose=0, checkpoint_every=0)
    got, want = _weights(model), _weights(reference)
    assert all(np.array_equal(got[k], want[k]) for k in want)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_over_loopback_match_one_worker(shards, tmp_path):
    """Two processes with MultiWorkerMirroredStrategy and one alone, the same global batch
    and steps: the chief writes the bundle, the other worker nothing there, and their
    validation NLL is within 10% of the lone worker's."""
    args = ["-m", "jazzgen", "train", "--data", str(shards), "--epochs", "2",
            "--steps-per-epoch", "6", *NET, "--quiet"]
    ports = [_free_port(), _free_port()]
    procs = []
    for i in range(2):
        tf_config = {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                     "task": {"type": "worker", "index": i}}
        env = {**os.environ, "TF_CONFIG": json.dumps(tf_config)}
        procs.append(subprocess.Popen(
            [sys.executable, *args, "--model", str(tmp_path / "two"), "--strategy",
             "multi-worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True))
    one = subprocess.run([sys.executable, *args, "--model", str(tmp_path / "one"),
                          "--strategy", "one"], capture_output=True, text=True, timeout=600)
    outs = [p.communicate(timeout=600) for p in procs]
    assert one.returncode == 0, one.stderr
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    assert "Model bundle" in outs[0][0] and "chief (worker 0) writes" in outs[1][0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]

    def nll(bundle):
        return json.loads((bundle / "history.json").read_text())["valid_nll_per_event"]

    assert abs(nll(tmp_path / "two") - nll(tmp_path / "one")) <= 0.10 * nll(tmp_path / "one")
    g = CliRunner().invoke(main, ["generate", "--model", str(tmp_path / "two"), "--bars", "2",
                                  "--seed", "1", "-o", str(tmp_path / "two.mid")])
    assert g.exit_code == 0, g.output


def test_a_cluster_stopped_between_its_workers_writes_resumes_one_checkpoint_back(shards,
                                                                                  tmp_path):
    """Both workers killed, then worker 1's last checkpoint write undone (as if the kill came
    between the two workers' writes): the same commands resume both at worker 1's step,
    the chief going back one checkpoint, and finish."""
    args = ["-m", "jazzgen", "train", "--data", str(shards), "--epochs", "2",
            "--steps-per-epoch", "40", "--checkpoint-every", "5", "--model",
            str(tmp_path / "m"), "--strategy", "multi-worker", *NET, "--quiet"]
    ports = [_free_port(), _free_port()]
    envs = [{**os.environ, "TF_CONFIG": json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
        "task": {"type": "worker", "index": i}})} for i in range(2)]
    ckpts = [tmp_path / "m.checkpoint", tmp_path / "m.checkpoint-worker1"]

    def states():
        out = []
        for c in ckpts:
            try:
                out.append(json.loads((c / "state.json").read_text()))
            except (FileNotFoundError, json.JSONDecodeError):
                out.append(None)
        return out

    procs = [subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for env in envs]
    deadline = time.monotonic() + 180
    while not all(s and "previous" in s for s in states()):
        assert all(p.poll() is None for p in procs) and time.monotonic() < deadline
        time.sleep(0.01)
    for p in procs:
        p.send_signal(signal.SIGKILL)
        p.wait()
    chief, worker = states()
    behind = worker["previous"]
    (ckpts[1] / "state.json").write_text(json.dumps(behind))
    runs = [subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for env in envs]
    outs = [r.communicate(timeout=600) for r in runs]
    for r, (_, err) in zip(runs, outs, strict=True):
        assert r.returncode == 0, err[-3000:]
    at = f"epoch {behind['epoch']}, step {behind['step']}"
    if (chief["epoch"], chief["step"]) != (behind["epoch"], behind["step"]):
        assert f"going back to {at}" in outs[0][1]
    assert f"Resuming from the checkpoint after {at}" in outs[1][1]
    history = json.loads((tmp_path / "m" / "history.json").read_text())
    assert set(history["epochs"]) == {"1", "2"}
