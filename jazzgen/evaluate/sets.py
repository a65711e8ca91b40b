"""The sets an evaluation reads: folders of pieces, or the files a bundle recorded."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jazzgen.corpus.loader import Corpus, Progress, load_corpus, load_files
from jazzgen.errors import CorpusError, EvaluateError


def load_set(folder: str | os.PathLike | None, what: str,
             progress: Progress | None = None) -> Corpus:
    """The corpus in ``folder``, or EvaluateError naming the set (``what``) and the folder."""
    if folder is None or not Path(folder).exists():
        raise EvaluateError(f"{what} folder not found: {folder}")
    try:
        return load_corpus(folder, progress=progress)
    except CorpusError as exc:
        raise EvaluateError(f"{what} set: {exc}") from None


def bundle_files(model_dir: str | os.PathLike, progress: Progress | None = None,
                 read_train: bool = True) -> tuple[Corpus | None, Corpus | None]:
    """The pieces a bundle trained and validated on, read from the files its corpus.json
    names (validation None when it had none, or none of them is here; training None when
    not ``read_train``, for a caller that needs only the validation pieces)."""
    try:
        info = json.loads((Path(model_dir) / "corpus.json").read_text())
    except (OSError, ValueError):
        raise EvaluateError(f"{model_dir} does not record its training files: give a "
                            f"training folder") from None
    root = Path(info.get("root", ""))
    if not root.is_dir():
        raise EvaluateError(f"the training corpus of {model_dir} ({root}) is not here: give "
                            f"a training folder")
    found = {name: [p for p in ((root / rel).resolve() for rel in info.get(name, []))
                    if p.exists()] for name in ("train", "valid")}
    if not found["train"]:
        raise EvaluateError(f"none of the training files of {model_dir} are in {root}: give "
                            f"a training folder")
    try:
        train = load_files(found["train"], root, progress=progress) if read_train else None
        valid = load_files(found["valid"], root, progress=progress) if found["valid"] else None
    except CorpusError as exc:
        raise EvaluateError(f"the recorded files of {model_dir}: {exc}") from None
    return train, valid


def cell(value: float | None, fmt: str) -> str:
    """``value`` formatted for a table, or "n/a" for None."""
    return "n/a" if value is None else format(value, fmt)
