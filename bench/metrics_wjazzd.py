"""Check jazzgen's metrics against the published numbers on the WJazzD MusicXML solos.

Computes MusDr's H1, H4 and GS (and CPI) and the chord-tone shares over the 428 solos in
../shared/corpora/wjazzd/musicxml, counting played notes only (never chord symbols), and
prints them next to the reference values. The solos are read through the package
(``jazzgen.corpus.loader.load_corpus``, which reads each file with
``jazzgen.io.read.read_score`` and caches it), exactly as ``jazzgen train`` reads them.

    python -m bench.metrics_wjazzd [--limit N] [--source DIR] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.wjazzd import source_dir
from jazzgen.corpus.loader import find_files, load_files
from jazzgen.evaluate.musdr import (
    chord_progression_irregularity,
    grooving_similarity,
    harmony_scores,
    pitch_class_entropy,
)
from jazzgen.music.notes import Score

# Real players over these 428 solos (measured over the 428 WJazzD solos for this project,
# played notes only), and what MusDr's code gives on the Jazz Transformer's REMI encoding of
# WJazzD.
REFERENCE = {"H1": 1.94, "H4": 2.88, "GS": 0.84, "chord_or_scale": 0.79, "chord_tone": 0.53}
MUSDR_CODE = {"H1": 1.94, "H4": 2.89, "GS": 0.83}


def measure(name: str, score: Score) -> tuple:
    """(name, H1, H4, GS, CPI, on-beat notes, chord tones, chord-or-scale tones) or an error."""
    try:
        h = harmony_scores(score)
        return (name, pitch_class_entropy(score, 1), pitch_class_entropy(score, 4),
                grooving_similarity(score), chord_progression_irregularity(score),
                h["on_beat_notes"], h["chord_tones"], h["chord_or_scale_tones"])
    except Exception as exc:  # report and go on: one bad file must not stop the bench
        return (name, f"{type(exc).__name__}: {exc}")


def main() -> None:
    """Run the metrics over the corpus and print them beside the reference values."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", "--corpus", dest="source", type=Path, default=None,
                    help="WJazzD MusicXML folder (default: $JAZZGEN_WJAZZD or ../shared)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    corpus = source_dir(args.source)
    files = [f for f in find_files(corpus) if f.suffix.lower() == ".xml"][: args.limit or None]
    if not files:
        print(f"skipped: no MusicXML solos in {corpus}")
        return
    print("reader: jazzgen.io.read.read_score (through jazzgen.corpus.loader)")
    t0 = time.perf_counter()
    read = load_files(files, corpus, workers=args.workers)
    rows = [measure(Path(path).name, score) for path, score in read.pieces]
    elapsed = time.perf_counter() - t0
    for s in read.skipped:
        print(f"  skipped {Path(s.path).name}: {s.detail}")
    for r in rows:
        if len(r) == 2:
            print(f"  skipped {r[0]}: {r[1]}")
    good = [r for r in rows if len(r) > 2]
    if not good:
        print("no solo could be measured")
        return
    mean = {k: sum(r[i] for r in good) / len(good) for k, i in (("H1", 1), ("H4", 2),
                                                               ("GS", 3))}
    cpis = [r[4] for r in good if r[4] is not None]
    n, tones, scale = (sum(r[i] for r in good) for i in (5, 6, 7))
    print(f"{len(good)} of {len(files)} solos in {elapsed:.0f} s ({args.workers} workers)")
    print(f"{'metric':<16}{'jazzgen':>9}{'reference':>11}{'MusDr code':>12}")
    for key in ("H1", "H4", "GS"):
        print(f"{key:<16}{mean[key]:>9.3f}{REFERENCE[key]:>11.2f}{MUSDR_CODE[key]:>12.2f}")
    if cpis:
        print(f"{'CPI':<16}{sum(cpis) / len(cpis):>9.3f}{'-':>11}{'-':>12}")
    n = max(n, 1)
    print(f"{'chord tone':<16}{tones / n:>9.3f}{REFERENCE['chord_tone']:>11.2f}{'-':>12}"
          f"   ({n} on-beat notes under a chord)")
    print(f"{'chord or scale':<16}{scale / n:>9.3f}{REFERENCE['chord_or_scale']:>11.2f}"
          f"{'-':>12}")


if __name__ == "__main__":
    main()
