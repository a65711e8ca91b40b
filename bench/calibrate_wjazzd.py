"""Calibrate the shipped model's sampling on the 42 WJazzD validation solos of the split.

    python -m bench.calibrate_wjazzd [--model jazzgen/data/wjazzd-lstm] [--seeds 3] [--dry-run]
        [--no-refine]

Runs ``jazzgen calibrate``'s procedure (jazzgen.evaluate.calibrate) over the validation
solos of bench/wjazzd_split.json, never the test solos, and writes the chosen settings into
the bundle (``meta.sampling`` in config.json, the table in calibration.json) unless
``--dry-run``. Without the WJazzD MusicXML solos it prints one line and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.wjazzd import link_corpus, load_split, skip, source_dir
from jazzgen.evaluate.calibrate import (
    DURATION_TEMPERATURES,
    TEMPERATURES,
    TOP_PS,
    grid,
    run_calibration,
)
from jazzgen.generate.solo import PACKAGED_MODEL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=PACKAGED_MODEL, type=Path)
    ap.add_argument("--source", default=None, help="WJazzD MusicXML folder")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="first N validation solos only")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--no-refine", action="store_true",
                    help="the grid alone, not the 8 settings around its best too")
    args = ap.parse_args()
    src = source_dir(args.source)
    if not (args.model / "config.json").is_file():
        skip(f"no model bundle at {args.model}")
    names = load_split()["valid"][: args.limit or None]
    valid = link_corpus(src, names, Path(tempfile.mkdtemp(prefix="wjazzd-cal-")) / "valid")
    t0 = time.time()
    result, written = run_calibration(
        args.model, valid, grid(TEMPERATURES, DURATION_TEMPERATURES, TOP_PS), args.seeds,
        write=not args.dry_run, refine=not args.no_refine,
        progress=lambda d, n: print(f"\rsetting {d}/{n} ({time.time() - t0:.0f} s)", end="",
                                    file=sys.stderr))
    print(f"\n{result.table()}\nChosen: {result.best.describe()} "
          f"({time.time() - t0:.0f} s)")
    for path in written:
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
