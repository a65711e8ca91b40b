"""Evaluate the shipped WJazzD model on the held-out test solos of the committed split.

    python -m bench.eval_wjazzd [--model jazzgen/data/wjazzd-lstm] [--source DIR] [--json F]

1. Likelihood: NLL per event and per note, perplexity and next-pitch accuracy of the LSTM,
   a Kneser-Ney n-gram (order chosen on the validation solos) and a unigram, all fitted on
   the training solos, on the test solos.
2. Music: one solo per test solo, generated over that solo's own changes, meter and length
   (seed = its index), compared with the real test solos: H1, H4, GS, CPI, harmony, MGEval
   features, copying from the training solos, and a real-vs-generated classifier.

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
from jazzgen.generate.sampling import SampleConfig, sample
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.io.midi import write_midi
from jazzgen.model.bundle import load_bundle
from jazzgen.music.notes import Score


def generate_over(model: Path, test_dir: Path, out: Path, cfg: SampleConfig) -> int:
    """One generated solo per test solo, over its changes; returns how many were written."""
    bundle = load_bundle(model)
    corpus = load_corpus(test_dir)
    out.mkdir(parents=True, exist_ok=True)
    for i, (path, score) in enumerate(corpus.pieces):
        end = max(n.end for n in score.notes)
        line = sample(bundle.net, bundle.vocab, score.changes, score.time_signatures,
                      np.random.SeedSequence(i).spawn(1), cfg, end=end)[0]
        gen = Score(notes=line, changes=tuple(c for c in score.changes if c.start < end),
                    time_signatures=score.time_signatures, tempo=score.tempo,
                    title=f"jazzgen over {Path(path).stem}")
        write_midi(gen, out / f"{Path(path).stem}.mid")
    return len(corpus.pieces)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=PACKAGED_MODEL, type=Path)
    ap.add_argument("--source", default=None, help="WJazzD MusicXML folder")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--top-p", type=float, default=0.95)
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
    t0 = time.time()
    n = generate_over(args.model, dirs["test"], work / "generated",
                      SampleConfig(temperature=args.temperature, top_p=args.top_p))
    print(f"generated {n} solos over the test solos' changes ({time.time() - t0:.0f} s)")
    music = evaluate_generated(work / "generated", dirs["test"], dirs["train"], seed=0)
    print(music.table())
    g, r = music.generated, music.reference
    for name in ("H1", "H4", "GS"):
        gv, rv = g.stats[name].mean, r.stats[name].mean
        print(f"{name}: generated {gv:.3f} vs real {rv:.3f} "
              f"({(gv - rv) / rv:+.1%}; target within 15%)")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"likelihood": lik.to_dict(), "music": music.to_dict(),
             "sampling": {"temperature": args.temperature, "top_p": args.top_p}},
            indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
