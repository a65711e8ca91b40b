"""Evaluate the shipped WJazzD model on the held-out test solos of the committed split.

    python bench/eval_wjazzd.py [--model jazzgen/data/wjazzd-lstm] [--source DIR] [--json F]

1. Likelihood: NLL per event and per note, perplexity and next-pitch accuracy of the LSTM,
   a Kneser-Ney n-gram (order chosen on the validation solos) and a unigram, all fitted on
   the training solos, on the test solos.
2. Music: one solo per test solo, generated over that solo's own changes, meter and length
   (seed = its index), compared with the real test solos: H1, H4, GS, CPI, harmony, MGEval
   features, copying from the training solos, and a real-vs-generated classifier.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wjazzd import link_corpus, load_split, source_dir  # noqa: E402

from jazzgen.corpus.loader import load_corpus  # noqa: E402
from jazzgen.evaluate.likelihood import evaluate_likelihood  # noqa: E402
from jazzgen.evaluate.report import evaluate_generated  # noqa: E402
from jazzgen.generate.sampling import SampleConfig, sample  # noqa: E402
from jazzgen.io.midi import write_midi  # noqa: E402
from jazzgen.model.bundle import load_bundle  # noqa: E402
from jazzgen.music.notes import Score  # noqa: E402


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
    ap.add_argument("--model", default="jazzgen/data/wjazzd-lstm", type=Path)
    ap.add_argument("--source", default=None)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--top-p", type=float, default=0.95)
    ap.add_argument("--json", default=None, help="write all numbers here")
    args = ap.parse_args()
    src = source_dir(args.source)
    split = load_split()
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
