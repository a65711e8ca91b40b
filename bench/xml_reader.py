"""The direct MusicXML reader against music21: same Scores, and how much faster.

    python -m bench.xml_reader [CORPUS_DIR ...] [--limit N]

Reads every .xml/.musicxml/.mxl file of each corpus (default: the WJazzD solos and every
folder of ../shared/corpora that holds MusicXML) twice through ``read_musicxml``: once with
``JAZZGEN_XML_READER=music21`` (a plain music21 parse) and once as jazzgen reads by default
(the direct reader, falling back to music21 where it must). It asserts both give identical
Scores (the dataclasses compared; the first differences of each file are printed), counts
the files that fell back and why, and prints the total seconds of each path and their ratio
(the goal is at most 0.5x). The parse cache is off (``JAZZGEN_CACHE_DIR=off``), although
``read_musicxml`` never consults it (only ``jazzgen.corpus.loader`` does): this times the
readers. Files are read once before timing, so neither path pays for a cold disk.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
WJAZZD = SHARED / "wjazzd" / "musicxml"
SUFFIXES = (".xml", ".musicxml", ".mxl")


def corpora() -> list[Path]:
    """WJazzD first, then every other folder of ../shared/corpora that holds MusicXML."""
    found = [WJAZZD] if WJAZZD.is_dir() else []
    for folder in sorted(p for p in SHARED.iterdir() if p.is_dir() and p.name != "wjazzd"):
        if any(f.suffix.lower() in SUFFIXES for f in folder.rglob("*")):
            found.append(folder)
        else:
            print(f"{folder}: no MusicXML files (nothing to compare)")
    return found


def read(path: Path, reader: str):
    """(Score or the ReadError's reason, seconds) through one reader."""
    from jazzgen.errors import ReadError
    from jazzgen.io.musicxml import read_musicxml

    os.environ["JAZZGEN_XML_READER"] = reader
    start = time.perf_counter()
    try:
        result = read_musicxml(path)
    except ReadError as exc:
        result = f"ReadError({exc.reason!r})"
    except Exception as exc:  # the music21 path lets some library errors through
        result = f"{type(exc).__name__}"
    return result, time.perf_counter() - start


def differences(a, b, limit: int = 3) -> list[str]:
    """The first few differences between two results (Scores or error strings)."""
    if isinstance(a, str) or isinstance(b, str):
        return [f"music21 {b!r} vs direct {a!r}"]
    out = []
    for name in ("notes", "changes", "time_signatures", "tempo", "title", "parts"):
        x, y = getattr(b, name), getattr(a, name)
        if x == y:
            continue
        if isinstance(x, tuple):
            pairs = enumerate(zip(x, y, strict=False))  # one may be longer
            i = next((i for i, (p, q) in pairs if p != q), min(len(x), len(y)))
            out.append(f"{name}[{i}] (of {len(x)}/{len(y)}): music21 "
                       f"{x[i] if i < len(x) else '-'} vs direct {y[i] if i < len(y) else '-'}")
        else:
            out.append(f"{name}: music21 {x!r} vs direct {y!r}")
    return out[:limit]


def bench(folder: Path, limit: int | None) -> bool:
    """Compare and time both readers on one corpus; True if every file is identical."""
    from jazzgen.errors import ReadError
    from jazzgen.io import xml_direct

    files = sorted(f for f in folder.rglob("*") if f.suffix.lower() in SUFFIXES)[:limit]
    for f in files:
        f.read_bytes()  # warm the disk cache for both readers alike
    totals, same, fell = {"music21": 0.0, "direct": 0.0}, 0, Counter()
    for f in files:
        ref, t_m21 = read(f, "music21")
        got, t_direct = read(f, "direct")
        totals["music21"] += t_m21
        totals["direct"] += t_direct
        try:
            xml_direct.read_direct(f)
        except xml_direct.Unsupported as exc:
            fell[str(exc)] += 1
        except ReadError:
            pass  # a broken file: both readers must refuse it alike (compared above)
        if got == ref:
            same += 1
        else:
            print(f"DIFFERENT {f.name}: " + "; ".join(differences(got, ref)))
    m21, direct = totals["music21"], totals["direct"]
    print(f"{folder}: {len(files)} files")
    print(f"  music21 path  {m21:8.2f} s total")
    print(f"  direct path   {direct:8.2f} s total (fell back to music21 on "
          f"{sum(fell.values())} files)")
    for reason, n in fell.most_common():
        print(f"    {n:4d} x {reason}")
    print(f"  ratio         {direct / m21 if m21 else float('nan'):8.3f}x (goal <= 0.5x)")
    print(f"  identical     {same}/{len(files)}")
    return same == len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path, help="folders (default: ../shared)")
    parser.add_argument("--limit", type=int, default=None, help="files per corpus")
    args = parser.parse_args()
    if not args.corpus and not SHARED.is_dir():
        print(f"bench.xml_reader: {SHARED} is absent; nothing to compare")
        return
    os.environ["JAZZGEN_CACHE_DIR"] = "off"
    import music21.converter  # noqa: F401 - import once, before any timing

    from jazzgen.io import xml_direct  # noqa: F401

    ok = [bench(folder, args.limit) for folder in args.corpus or corpora()]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()
