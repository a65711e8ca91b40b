"""A bundle's index of its training solos' interval runs (``quotes.npz``), so ``generate``
can say how much it quoted and keep quotes short (see :mod:`jazzgen.music.quotes`)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from jazzgen.errors import BundleError
from jazzgen.io import atomic
from jazzgen.model.bundle import read_arrays
from jazzgen.music.notes import Score
from jazzgen.music.quotes import WINDOW, QuoteIndex

QUOTES_FILE = "quotes.npz"
MAX_QUOTE_BYTES = 256 * 1024 * 1024
"""The largest quote index read (32 million runs: a corpus of about 30 million notes)."""


def index_scores(scores: Iterable[Score]) -> QuoteIndex:
    """The quote index of the melodies of ``scores`` (one key is enough: intervals do not
    change under transposition)."""
    return QuoteIndex.from_melodies([n.pitch for n in s.notes] for s in scores)


def save_quotes(bundle_dir: str | os.PathLike, index: QuoteIndex) -> Path:
    """Write the index into the bundle folder, atomically (plain arrays, no pickle)."""
    path = Path(bundle_dir) / QUOTES_FILE
    with atomic.open_for_write(path) as fh:
        np.savez_compressed(fh, hashes=index.hashes, window=np.array([WINDOW]))
    return path


def load_quotes(bundle_dir: str | os.PathLike) -> QuoteIndex | None:
    """The bundle's quote index, None when it has none; BundleError naming the file when it
    is not a plain index of this window length."""
    path = Path(bundle_dir) / QUOTES_FILE
    if not path.exists():
        return None
    arrays = read_arrays(path, None, kinds="ui", max_bytes=MAX_QUOTE_BYTES)
    if sorted(arrays) != ["hashes", "window"]:
        raise BundleError(f"{path}: expected arrays 'hashes' and 'window', found "
                          f"{sorted(arrays)}")
    window, hashes = arrays["window"], arrays["hashes"]
    if window.shape != (1,) or int(window[0]) != WINDOW:
        raise BundleError(f"{path}: windows of {window.tolist()} intervals; this jazzgen uses "
                          f"{WINDOW}")
    if hashes.dtype != np.uint64 or hashes.ndim != 1:
        raise BundleError(f"{path}: hashes must be a 1-D uint64 array, got {hashes.dtype} "
                          f"{hashes.shape}")
    return QuoteIndex(hashes)
