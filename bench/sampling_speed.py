"""Sampling speed: jazzgen's sampler against Keras predict() on a sliding window, and
against the plain float64 NumPy step loop it replaced.

    python -m bench.sampling_speed [--model jazzgen/data/wjazzd-lstm] [--events 400]

Baselines: what most LSTM-music tutorials do (``model.predict`` on the last 64 steps for
every token), and the previous jazzgen sampler's arithmetic (``NumpyLSTM.step`` in float64
with a full-vocabulary mask, batch 1). jazzgen's sampler runs at batch 1 and batch 16
(``--num-outputs 16``). All run in this process on the same bundle, BLAS on one thread; the
ratios are the numbers to quote (absolute times depend on the machine). Tokens are counted
exactly (pitch, rest and duration tokens). The default model is the one the package ships;
without a model bundle it prints one line and exits 0.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bench.wjazzd import skip
from jazzgen.generate.form import repeat_form
from jazzgen.generate.sampling import SampleConfig, choose, sample
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.model.backend import import_keras
from jazzgen.model.bundle import load_bundle
from jazzgen.model.encoding import Conditioner, encode_events
from jazzgen.model.heads import layer_class
from jazzgen.music.notes import Score, TimeSignature
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


def numpy_float64_sampler(bundle, changes, events: int, rng) -> float:
    """Seconds to sample ``events`` tokens with the previous sampler's loop: the float64
    ``NumpyLSTM`` one step at a time, a mask over the whole vocabulary, batch 1."""
    vocab, net = bundle.vocab, bundle.net
    cond = Conditioner(changes, (TimeSignature(0),), vocab.cfg.positions)
    event_ok, duration_ok = vocab.grammar()
    state, tid, cursor = net.initial_state(1), vocab.bos_id, 0
    t0 = time.perf_counter()
    for i in range(events):
        logits, state = net.step(cond.at([tid], [cursor]), state)
        tid = choose(logits[0], event_ok if i % 2 == 0 else duration_ok, SampleConfig(), rng)
        cursor += int(vocab.advance[tid])
    return time.perf_counter() - t0


def sampler_rate(bundle, changes, notes: int, batch: int) -> float:
    """Tokens per second of jazzgen's sampler for ``batch`` solos of ``notes`` notes."""
    t0 = time.perf_counter()
    lines = sample(bundle.net, bundle.vocab, changes, (TimeSignature(0),),
                   np.random.SeedSequence(0).spawn(batch), SampleConfig(), notes=notes)
    seconds = time.perf_counter() - t0
    return sum(len(encode_events(Score(notes=line), bundle.vocab)) for line in lines) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=PACKAGED_MODEL,
                    help="model bundle (default: the shipped WJazzD model)")
    ap.add_argument("--events", type=int, default=400)
    args = ap.parse_args()
    if not (args.model / "model.keras").is_file():
        skip(f"no model bundle at {args.model} (pass --model DIR)")
    bundle = load_bundle(args.model)
    keras = import_keras()
    layer_class()  # the relative heads' layer, registered for safe mode
    model = keras.models.load_model(args.model / "model.keras", compile=False,
                                             safe_mode=True)
    long = repeat_form(parse_changes(progression_changes("blues")), 12, 96, 40 * 12)
    with threadpool_limits(limits=1, user_api="blas"):
        keras_rate = args.events / keras_window_sampler(model, bundle, long, args.events,
                                                        np.random.default_rng(0))
        old_rate = 4 * args.events / numpy_float64_sampler(bundle, long, 4 * args.events,
                                                           np.random.default_rng(0))
        one = max(sampler_rate(bundle, long, 2 * args.events, 1) for _ in range(3))
        many = max(sampler_rate(bundle, long, args.events, 16) for _ in range(2))
    print(f"keras predict() on a 64-step window:     {keras_rate:10,.0f} tokens/s")
    print(f"previous sampler (float64 NumPy step):   {old_rate:10,.0f} tokens/s")
    print(f"jazzgen sampler, 1 solo:                 {one:10,.0f} tokens/s "
          f"({one / keras_rate:,.0f}x predict(), {one / old_rate:.1f}x the previous sampler)")
    print(f"jazzgen sampler, 16 solos at once:       {many:10,.0f} tokens/s "
          f"({many / old_rate:.1f}x the previous sampler)")


if __name__ == "__main__":
    main()
