"""Train the shipped model on the Weimar Jazz Database solos with the committed split.

    python -m bench.train_wjazzd [--source DIR] [--epochs N] [--out jazzgen/data/wjazzd-lstm]

The data is never copied into the repo: the training corpus is a temporary folder of
symbolic links to the MusicXML solos. The split (bench/wjazzd_split.json) keeps whole
solos, and alternate takes of one performance, apart. The test solos are left out of
training entirely; the validation solos steer early stopping. It writes over the shipped
model unless ``--out`` names another folder. Without the solos (../shared/corpora/wjazzd/
musicxml, or --source DIR) it prints one line and exits 0. ``--limit N`` trains on the first
N training and N validation solos only: a quick check that the script runs, not a model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.wjazzd import link_corpus, load_split, source_dir
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.model.config import ModelConfig, TrainConfig
from jazzgen.model.train import train

MODEL = ModelConfig(embedding_size=64, lstm_size=256, lstm_layers=2, dropout=0.3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--source", default=None, help="WJazzD MusicXML folder")
    ap.add_argument("--out", default=PACKAGED_MODEL, type=Path)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--keys", type=int, default=3, help="keys per training solo")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--learning-rate", type=float, default=2e-3)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--init-from", type=Path, default=None,
                    help="start from this bundle's weights (e.g. the shipped model, to go on "
                    "training it in more keys)")
    ap.add_argument("--relative-heads", action="store_true",
                    help="add the interval, root and chord-tone heads (jazzgen.model.heads)")
    ap.add_argument("--dropout", type=float, default=MODEL.dropout)
    ap.add_argument("--lstm-size", type=int, default=MODEL.lstm_size)
    ap.add_argument("--limit", type=int, default=0,
                    help="only the first N training and N validation solos (a quick check)")
    args = ap.parse_args()
    src = source_dir(args.source)
    split = {k: v[: args.limit or None] for k, v in load_split().items()}
    # A fixed folder, so that running the script again resumes an interrupted run.
    work = Path(tempfile.gettempdir()) / "jazzgen-wjazzd-train"
    corpus = link_corpus(src, split["train"] + split["valid"], work / "corpus")
    tcfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, sequence_length=128,
                       learning_rate=args.learning_rate, patience=args.patience,
                       seed=args.seed, keys=args.keys)
    model = replace(MODEL, relative_heads=args.relative_heads, dropout=args.dropout,
                    lstm_size=args.lstm_size)
    t0 = time.time()
    res = train(corpus, args.out, model_cfg=model, train_cfg=tcfg,
                progress=lambda d, n, _p: print(f"\rparsed {d}/{n}", end="", file=sys.stderr),
                valid_names=split["valid"], log=print, init_from=args.init_from)
    print(f"\ntrained in {time.time() - t0:.0f} s: {res.epochs_run} epochs (best "
          f"{res.best_epoch}), valid NLL/event {res.valid_nll:.4f} (unigram "
          f"{res.unigram_nll:.4f}), {res.train_events} train events")


if __name__ == "__main__":
    main()
