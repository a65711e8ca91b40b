"""How far a model's held-out NLL is from its fit on the solos it trained on.

    python -m bench.nll_ceiling [--model DIR ...] [--limit 60] [--source DIR]

Scores each bundle (default: the shipped one) on the first ``--limit`` training solos of
bench/wjazzd_split.json, in their own keys, and on the validation solos, whole pieces with
full context and dropout off (``jazzgen.evaluate.likelihood.score_lstm``, what
``bench.eval_wjazzd`` uses on the test solos), and prints the NLL per event of both beside
the likelihood goal of issue 10: 0.75x the n-gram's test NLL in bench/results/
wjazzd_eval.json. A held-out NLL cannot be expected to fall below what the same network
reaches on its own training solos, so the training column bounds what more regularisation
of that network can buy. Without the WJazzD MusicXML solos it prints one line and exits 0.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.wjazzd import link_corpus, load_split, skip, source_dir
from jazzgen.corpus.loader import load_corpus
from jazzgen.evaluate.likelihood import score_lstm
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.model.bundle import load_bundle
from jazzgen.model.encoding import encode

RESULTS = Path(__file__).with_name("results") / "wjazzd_eval.json"
GOAL_RATIO = 0.75


def goal() -> float | None:
    """0.75x the best n-gram's NLL per event on the test solos, from the last evaluation."""
    try:
        rows = json.loads(RESULTS.read_text())["likelihood"]["rows"]
    except (OSError, ValueError, KeyError):
        return None
    ngram = [r["nll_event"] for r in rows if r["name"] == "n-gram"]
    return GOAL_RATIO * ngram[0] if ngram else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", action="append", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=60, help="training solos scored")
    ap.add_argument("--source", default=None, help="WJazzD MusicXML folder")
    args = ap.parse_args()
    src = source_dir(args.source)
    models = args.model or [Path(PACKAGED_MODEL)]
    for m in models:
        if not (m / "config.json").is_file():
            skip(f"no model bundle at {m}")
    split, tmp = load_split(), Path(tempfile.mkdtemp(prefix="wjazzd-ceiling-"))
    sets = {"training": load_corpus(link_corpus(src, split["train"][: args.limit], tmp / "t")),
            "validation": load_corpus(link_corpus(src, split["valid"], tmp / "v"))}
    target = goal()
    print(f"{'model':<40}{'training':>10}{'validation':>12}   (NLL per event, nats)")
    for m in models:
        t0, bundle = time.time(), load_bundle(m)
        nll = {}
        for name, corpus in sets.items():
            tally = score_lstm(bundle.net, bundle.vocab,
                               [encode(s, bundle.vocab) for _, s in corpus.pieces])
            nll[name] = tally.nll_sum / tally.events
        print(f"{str(m):<40}{nll['training']:>10.4f}{nll['validation']:>12.4f}"
              f"   ({time.time() - t0:.0f} s)")
    print(f"{len(sets['training'].pieces)} training solos (own keys), "
          f"{len(sets['validation'].pieces)} validation solos")
    if target is not None:
        print(f"goal on the test solos: {target:.4f} ({GOAL_RATIO}x the n-gram in {RESULTS.name})")


if __name__ == "__main__":
    main()
