"""Training speed: jazzgen's Keras training step against the same network in plain PyTorch.

    python -m bench.train_speed [--steps 60] [--batch-size 32] [--sequence-length 128]

Each engine runs in its own fresh process on the same synthetic windows (random tokens and
features of the real shapes: 2x256 LSTM, the default vocabulary): jazzgen's path is its own
``compiled_model`` fitted through its own ``make_dataset`` pipeline, as ``jazzgen train``
does; the baseline is an ``nn.LSTM`` network of the same sizes in a plain PyTorch loop
(Adam, gradient clipping, cross-entropy). Both skip the first steps (graph building, warm-up)
and report scored events per second and peak resident memory; the ratio is the number to
quote. PyTorch is needed only here (``pip install torch``); without it the baseline is
skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

WARMUP = 10


def _windows(n: int, length: int, seed: int = 0):
    """Random windows with the shapes and value ranges of real training data."""
    from jazzgen.model.config import EncodingConfig
    from jazzgen.model.encoding import Features, Vocabulary
    from jazzgen.model.windows import Windows

    vocab = Vocabulary(EncodingConfig())
    rng = np.random.default_rng(seed)
    feats = Features(rng.integers(0, len(vocab), (n, length)).astype(np.int32),
                     rng.integers(0, 96, (n, length)).astype(np.int32),
                     rng.integers(0, 13, (n, length, 2)).astype(np.int32),
                     rng.integers(0, 2, (n, length, 24)).astype(np.uint8))
    return vocab, Windows(feats, rng.integers(0, len(vocab), (n, length)).astype(np.int32),
                          np.ones((n, length), np.float32))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_keras(steps: int, batch: int, length: int) -> dict:
    """jazzgen's own training path: events per second after warm-up, peak RSS."""
    from jazzgen.model.backend import import_keras
    from jazzgen.model.config import EncodingConfig, ModelConfig, TrainConfig
    from jazzgen.model.train import compiled_model
    from jazzgen.model.windows import make_dataset

    keras = import_keras()
    keras.utils.set_random_seed(0)
    vocab, windows = _windows((steps + WARMUP) * batch, length)
    tcfg = TrainConfig(batch_size=batch, sequence_length=length)
    model = compiled_model(len(vocab), EncodingConfig(), ModelConfig(), tcfg)
    times: list[float] = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, step, logs=None):
            times.append(time.perf_counter())

    model.fit(make_dataset(windows, batch, 0), epochs=1, verbose=0, callbacks=[Clock()])
    seconds = times[-1] - times[WARMUP - 1]
    return {"events_per_s": (len(times) - WARMUP) * batch * length / seconds,
            "peak_mb": _peak_mb()}


def run_torch(steps: int, batch: int, length: int) -> dict:
    """The same network and loss in a plain PyTorch loop."""
    import torch
    from torch import nn

    from jazzgen.model.network import POSITION_EMBEDDING, ROOT_EMBEDDING

    torch.manual_seed(0)
    vocab, windows = _windows((steps + WARMUP) * batch, length)
    f = windows.features

    class Net(nn.Module):
        def __init__(self, v: int) -> None:
            super().__init__()
            self.tok = nn.Embedding(v, 64)
            self.pos = nn.Embedding(192, POSITION_EMBEDDING)
            self.root = nn.Embedding(13, ROOT_EMBEDDING)
            self.lstm = nn.LSTM(64 + POSITION_EMBEDDING + 2 * ROOT_EMBEDDING + 24, 256,
                                num_layers=2, batch_first=True, dropout=0.2)
            self.drop = nn.Dropout(0.2)
            self.out = nn.Linear(256, v)

        def forward(self, tok, pos, roots, pcs):
            x = torch.cat([self.tok(tok), self.pos(pos), self.root(roots).flatten(2), pcs], -1)
            return self.out(self.drop(self.lstm(x)[0]))

    net = Net(len(vocab))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    tensors = [torch.from_numpy(a.astype(np.int64)) for a in (f.tokens, f.pos, f.roots)]
    pcs = torch.from_numpy(f.pcs.astype(np.float32))
    targets = torch.from_numpy(windows.targets.astype(np.int64))
    times = []
    for s in range(0, len(targets), batch):
        sl = slice(s, s + batch)
        logits = net(*(t[sl] for t in tensors), pcs[sl])
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), targets[sl].reshape(-1))
        opt.zero_grad()
        loss.backward()
        for p in net.parameters():  # Keras's clipnorm clips each variable's gradient
            torch.nn.utils.clip_grad_norm_([p], 1.0)
        opt.step()
        times.append(time.perf_counter())
    seconds = times[-1] - times[WARMUP - 1]
    return {"events_per_s": (len(times) - WARMUP) * batch * length / seconds,
            "peak_mb": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sequence-length", type=int, default=128)
    parser.add_argument("--engine", choices=("keras", "torch"), default=None,
                        help=argparse.SUPPRESS)  # one engine, in this process (internal)
    args = parser.parse_args()
    sizes = (args.steps, args.batch_size, args.sequence_length)
    if args.engine:
        run = run_keras if args.engine == "keras" else run_torch
        print(json.dumps(run(*sizes)))
        return
    results = {}
    for engine in ("keras", "torch"):
        cmd = [sys.executable, "-m", "bench.train_speed", "--engine", engine, "--steps",
               str(args.steps), "--batch-size", str(args.batch_size), "--sequence-length",
               str(args.sequence_length)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{engine}: skipped ({last})")
            continue
        results[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[engine]
        print(f"{engine:>6}: {r['events_per_s']:,.0f} scored events/s, peak RSS "
              f"{r['peak_mb']:,.0f} MB (batch {args.batch_size} x {args.sequence_length})")
    if len(results) == 2:
        ratio = results["keras"]["events_per_s"] / results["torch"]["events_per_s"]
        print(f"ratio jazzgen (Keras) / PyTorch: {ratio:.2f}x (goal >= 0.8x; peak memory "
              f"goal <= 700 MB)")


if __name__ == "__main__":
    main()
