"""Give the shipped model the quote index of its WJazzD training solos (quotes.npz).

    python -m bench.quotes_wjazzd [--model jazzgen/data/wjazzd-lstm] [--source DIR]

Reads the 343 training solos of bench/wjazzd_split.json (the solos the model trained on,
not the validation or test ones) and writes the hashes of their 8-interval runs into the
bundle, so ``generate`` reports and can limit (``--max-copy``) how much it quotes.
``bench.train_wjazzd`` does the same after training. Without the WJazzD MusicXML solos it
prints one line and exits 0.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.wjazzd import link_corpus, load_split, skip, source_dir
from jazzgen.corpus.loader import load_corpus
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.model.novelty import index_scores, save_quotes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=PACKAGED_MODEL, type=Path)
    ap.add_argument("--source", default=None, help="WJazzD MusicXML folder")
    args = ap.parse_args()
    src = source_dir(args.source)
    if not (args.model / "config.json").is_file():
        skip(f"no model bundle at {args.model}")
    train = link_corpus(src, load_split()["train"],
                        Path(tempfile.mkdtemp(prefix="wjazzd-quotes-")) / "train")
    corpus = load_corpus(train)
    index = index_scores(s for _, s in corpus.pieces)
    path = save_quotes(args.model, index)
    print(f"{len(corpus.pieces)} training solos, {corpus.note_count} notes: {len(index)} "
          f"distinct 8-interval runs; wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
