"""Evaluate the shipped WJazzD model on the held-out test solos of the committed split.

    python -m bench.eval_wjazzd [--model jazzgen/data/wjazzd-lstm] [--source DIR] [--json F]

1. Likelihood: NLL per event and per note, perplexity and next-pitch accuracy of the LSTM,
   a Kneser-Ney n-gram (order chosen on the validation solos) and a unigram, all fitted on
   the training solos, on the test solos.
2. Music: one solo per test solo, generated over that solo's own changes, meter and length,
   for each of ``--seeds`` seeds (solo i of seed k from SeedSequence([k, i])), compared with
   the real test solos: H1, H4, GS, CPI, harmony, MGEval features, copying from the training
   solos, and a real-vs-generated classifier; the headline numbers as mean ± sd over seeds.
   Sampling: the bundle's calibrated settings (``jazzgen calibrate``) unless
   ``--temperature``/``--duration-temperature``/``--top-p`` are given.

Needs the WJazzD MusicXML solos (../shared/corpora/wjazzd/musicxml, or --source DIR) and a
model bundle; without either it prints one line and exits 0. ``--limit N`` uses only the
first N solos of each part of the split: a quick check that the script runs, not a result.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.wjazzd import link_corpus, load_split, skip, source_dir
from jazzgen.corpus.loader import load_corpus
from jazzgen.evaluate.likelihood import evaluate_likelihood
from jazzgen.evaluate.report import evaluate_generated
from jazzgen.generate.sampling import SampleConfig, SampleOverrides, sample
from jazzgen.generate.solo import PACKAGED_MODEL, calibrated_sampling
from jazzgen.io.midi import write_midi
from jazzgen.model.bundle import load_bundle
from jazzgen.music.notes import Score

HEADLINE = (("H1", lambda m: m.generated.stats["H1"].mean),
            ("H4", lambda m: m.generated.stats["H4"].mean),
            ("GS", lambda m: m.generated.stats["GS"].mean),
            ("chord tones on beats", lambda m: m.generated.harmony["chord_tone_share"]),
            ("chord/scale tones on beats", lambda m: m.generated.harmony["chord_or_scale_share"]),
            ("copied 8-interval runs", lambda m: m.generated.copy["rate"]),
            ("two-sample accuracy", lambda m: m.two_sample_accuracy))
"""The numbers quoted in the README, with how to read each off a MusicReport."""
REAL = {"H1": lambda m: m.reference.stats["H1"].mean,
        "H4": lambda m: m.reference.stats["H4"].mean,
        "GS": lambda m: m.reference.stats["GS"].mean,
        "chord tones on beats": lambda m: m.reference.harmony["chord_tone_share"],
        "chord/scale tones on beats": lambda m: m.reference.harmony["chord_or_scale_share"],
        "copied 8-interval runs": lambda m: m.reference.copy["rate"]}


def generate_over(model: Path, test_dir: Path, out: Path, cfg: SampleConfig,
                  seed: int = 0) -> int:
    """One generated solo per test solo, over its changes; returns how many were written."""
    bundle = load_bundle(model)
    corpus = load_corpus(test_dir)
    out.mkdir(parents=True, exist_ok=True)
    for i, (path, score) in enumerate(corpus.pieces):
        end = max(n.end for n in score.notes)
        line = sample(bundle.net, bundle.vocab, score.changes, score.time_signatures,
                      [np.random.SeedSequence([seed, i])], cfg, end=end)[0]
        gen = Score(notes=line, changes=tuple(c for c in score.changes if c.start < end),
                    time_signatures=score.time_signatures, tempo=score.tempo,
                    title=f"jazzgen over {Path(path).stem}")
        write_midi(gen, out / f"{Path(path).stem}.mid")
    return len(corpus.pieces)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=PACKAGED_MODEL, type=Path)
    ap.add_argument("--source", default=None, help="WJazzD MusicXML folder")
    ap.add_argument("--temperature", type=float, default=None)
    ap.add_argument("--duration-temperature", type=float, default=None)
    ap.add_argument("--top-p", type=float, default=None)
    ap.add_argument("--seeds", type=int, default=3, help="generated sets (mean ± sd over them)")
    ap.add_argument("--limit", type=int, default=0,
                    help="only the first N solos of each split part (a quick check)")
    ap.add_argument("--json", default=None, help="write all numbers here")
    args = ap.parse_args()
    src = source_dir(args.source)
    if not (args.model / "model.keras").is_file():
        skip(f"no model bundle at {args.model} (pass --model DIR)")
    split = {k: v[: args.limit or None] for k, v in load_split().items()}
    work = Path(tempfile.mkdtemp(prefix="wjazzd-eval-"))
    dirs = {k: link_corpus(src, split[k], work / k) for k in ("train", "valid", "test")}
    t0 = time.time()
    lik = evaluate_likelihood(args.model, dirs["test"], dirs["train"], dirs["valid"])
    print(lik.table())
    print(f"({time.time() - t0:.0f} s)\n")
    cfg = SampleOverrides(args.temperature, args.top_p, args.duration_temperature).over(
        calibrated_sampling(load_bundle(args.model)))
    print(f"sampling: {cfg.describe()}")
    reports = []
    for seed in range(args.seeds):
        t0 = time.time()
        out = work / f"generated-{seed}"
        n = generate_over(args.model, dirs["test"], out, cfg, seed)
        reports.append(evaluate_generated(out, dirs["test"], dirs["train"], seed=seed))
        print(f"seed {seed}: {n} solos over the test solos' changes ({time.time() - t0:.0f} s)")
    print(reports[0].table())
    spread = {}
    for name, get in HEADLINE:
        values = [get(m) for m in reports]
        spread[name] = {"mean": float(np.mean(values)), "sd": float(np.std(values)),
                        "values": values, "real": REAL[name](reports[0]) if name in REAL
                        else 0.5}
        print(f"{name:<28} {spread[name]['mean']:.3f} ± {spread[name]['sd']:.3f} "
              f"over {args.seeds} seeds (real {spread[name]['real']:.3f})")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"likelihood": lik.to_dict(), "music": reports[0].to_dict(),
             "music_over_seeds": spread, "seeds": args.seeds,
             "sampling": cfg.to_dict()}, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
