"""Shared helpers for the WJazzD benchmarks: where the data is and the committed split.

    python -m bench.wjazzd    # writes bench/wjazzd_split.json: run once, the split is committed
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import NoReturn

HERE = Path(__file__).resolve().parent
SPLIT_FILE = HERE / "wjazzd_split.json"
DEFAULT_SOURCE = HERE.parent.parent / "shared" / "corpora" / "wjazzd" / "musicxml"


def skip(what: str) -> NoReturn:
    """Print one line saying what is missing and exit 0, so `make bench` goes on."""
    print(f"skipped: {what}")
    raise SystemExit(0)


def source_dir(arg: str | os.PathLike | None = None) -> Path:
    """The folder of WJazzD MusicXML solos (argument, $JAZZGEN_WJAZZD, or ../shared).

    Without it the benchmark cannot run: prints one line and exits 0 (see ``skip``).
    """
    path = Path(arg or os.environ.get("JAZZGEN_WJAZZD") or DEFAULT_SOURCE)
    if not path.is_dir():
        skip(f"WJazzD MusicXML folder not found: {path} "
             f"(pass --source DIR or set JAZZGEN_WJAZZD)")
    return path


def tune_key(name: str) -> str:
    """Solos of the same performer and tune (takes -1, -2, alternates) share a key."""
    stem = name.removesuffix("_Solo.xml")
    return re.sub(r"(-\d+|_?Alt(ernate)?(Take)?\d*)$", "", stem)


def make_split(names: list[str], seed: int = 2026, valid: float = 0.1,
               test: float = 0.1) -> dict[str, list[str]]:
    """A split by tune-performance group: whole solos (and their alternate takes) stay apart."""
    import numpy as np

    groups: dict[str, list[str]] = {}
    for n in sorted(names):
        groups.setdefault(tune_key(n), []).append(n)
    keys = sorted(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    n_test = round(len(keys) * test)
    n_valid = round(len(keys) * valid)
    pick = {"test": order[:n_test], "valid": order[n_test:n_test + n_valid],
            "train": order[n_test + n_valid:]}
    return {k: sorted(n for i in idx for n in groups[keys[i]]) for k, idx in pick.items()}


def load_split() -> dict[str, list[str]]:
    """The committed split: {"train": [...], "valid": [...], "test": [...]} of file names."""
    return json.loads(SPLIT_FILE.read_text())


def link_corpus(source: Path, names: list[str], dest: Path) -> Path:
    """A folder of symbolic links to the named solos (the data itself is never copied).

    Links left in ``dest`` by an earlier run for solos not named now are removed.
    """
    dest.mkdir(parents=True, exist_ok=True)
    wanted = set(names)
    for old in dest.iterdir():
        if old.is_symlink() and old.name not in wanted:
            old.unlink()
    for n in names:
        link, target = dest / n, source / n
        if link.is_symlink() and os.readlink(link) != str(target):
            link.unlink()  # made from another source folder
        if not link.is_symlink():
            link.symlink_to(target)
    return dest


if __name__ == "__main__":  # write the split once; it is committed and then fixed
    files = sorted(p.name for p in source_dir().glob("*.xml"))
    split = make_split(files)
    SPLIT_FILE.write_text(json.dumps(split, indent=1) + "\n")
    print({k: len(v) for k, v in split.items()})
