"""Sampling speed: the NumPy one-step sampler against Keras predict() on a sliding window.

    python -m bench.sampling_speed [--model jazzgen/data/wjazzd-lstm] [--events 400]

The baseline is what most LSTM-music tutorials do: call ``model.predict`` on the last 64
steps for every new event. Both run in this process on the same bundle; the ratio is the
number to quote (absolute times depend on the machine). The default model is the one the
package ships; without a model bundle it prints one line and exits 0.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench.wjazzd import skip
from jazzgen.generate.form import repeat_form
from jazzgen.generate.sampling import SampleConfig, choose, sample
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.model.backend import import_keras
from jazzgen.model.bundle import load_bundle
from jazzgen.model.encoding import Conditioner
from jazzgen.music.notes import TimeSignature
from jazzgen.music.progressions import parse_changes, progression_changes


def keras_window_sampler(model, bundle, changes, events: int, rng) -> float:
    """Seconds to sample ``events`` tokens with predict() over a 64-step window."""
    vocab = bundle.vocab
    cond = Conditioner(changes, (TimeSignature(0),), vocab.cfg.positions)
    toks, feats, cursor = [vocab.bos_id], [cond.features(0)], 0
    pitch_ok = np.zeros(len(vocab), bool)
    pitch_ok[vocab.rest_id:vocab.first_duration_id] = True
    t0 = time.perf_counter()
    for i in range(events):
        w = slice(max(0, len(toks) - 64), len(toks))
        x = {"tokens": np.array([toks[w]], "int32"),
             "pos": np.array([[f[0] for f in feats[w]]], "int32"),
             "roots": np.array([[f[1] for f in feats[w]]], "int32"),
             "pcs": np.array([[f[2] for f in feats[w]]], "float32")}
        logits = model.predict(x, verbose=0)[0, -1]
        tid = choose(logits, pitch_ok if i % 2 == 0 else ~pitch_ok, SampleConfig(), rng)
        cursor += int(vocab.advance[tid])
        toks.append(tid)
        feats.append(cond.features(cursor))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=PACKAGED_MODEL,
                    help="model bundle (default: the shipped WJazzD model)")
    ap.add_argument("--events", type=int, default=400)
    args = ap.parse_args()
    if not (args.model / "model.keras").is_file():
        skip(f"no model bundle at {args.model} (pass --model DIR)")
    bundle = load_bundle(args.model)
    model = import_keras().models.load_model(args.model / "model.keras", compile=False,
                                             safe_mode=True)
    long = repeat_form(parse_changes(progression_changes("blues")), 12, 96, 40 * 12)
    base = keras_window_sampler(model, bundle, long, args.events, np.random.default_rng(0))
    t0 = time.perf_counter()
    lines = sample(bundle.net, bundle.vocab, long, (TimeSignature(0),),
                   np.random.SeedSequence(0).spawn(1), SampleConfig(), notes=args.events // 2)
    ours = time.perf_counter() - t0
    n_events = 2 * len(lines[0])  # roughly: pitch + duration per note (rests not counted)
    print(f"keras predict() on a 64-step window: {args.events / base:8.1f} tokens/s")
    print(f"jazzgen NumPy one-step sampler:      {n_events / ours:8.1f} tokens/s (at least)")
    print(f"speed-up: {(n_events / ours) / (args.events / base):.1f}x")


if __name__ == "__main__":
    main()
