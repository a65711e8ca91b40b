"""Verbatim quotes: runs of pitch intervals that a melody shares with a body of melodies.

A melody is compared through its successive pitch intervals (transposition-free; rests do
not break a line), hashed in windows of ``WINDOW`` intervals with a 64-bit polynomial hash
(a false match is about a one-in-a-million chance over a large corpus). A :class:`QuoteIndex`
holds the sorted hashes of every window of a corpus: about 8 bytes a note, so a model
bundle can carry the index of its training solos. A *quote* of L notes is a stretch of L
notes whose every window of ``WINDOW`` intervals is in the index (L > ``WINDOW``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from jazzgen.errors import InvalidValueError

WINDOW = 8
"""Intervals per hashed window: a quote is at least WINDOW + 1 notes long."""
HASH_BASE = 0x100000001B3  # odd 64-bit multiplier (FNV prime)
_U = np.uint64


def intervals(pitches: Sequence[int] | np.ndarray) -> np.ndarray:
    """Successive pitch intervals shifted to 1..255 (so no window is all zeros)."""
    return np.diff(np.asarray(pitches, dtype=np.int64)) + 128


def window_hashes(values: np.ndarray, length: int = WINDOW) -> np.ndarray:
    """64-bit polynomial hashes ``sum x[i+k] * B^k`` of every ``length``-long window."""
    if length < 1:
        raise InvalidValueError(f"window length must be >= 1, got {length}")
    if len(values) < length:
        return np.zeros(0, _U)
    # Prefix sums of x[j] * B^j, divided by B^i (times the inverse of B mod 2^64); uint64
    # arithmetic wraps silently, which is the modulus.
    powers = np.concatenate([[_U(1)], np.cumprod(np.full(len(values) - 1, HASH_BASE, _U))])
    inverse = pow(HASH_BASE, -1, 1 << 64)
    inv = np.concatenate([[_U(1)], np.cumprod(np.full(len(values) - 1, inverse, _U))])
    prefix = np.concatenate([[_U(0)], np.cumsum(values.astype(_U) * powers)])
    count = len(values) - length + 1
    return (prefix[length:] - prefix[:count]) * inv[:count]


def _power(k: int) -> np.uint64:
    return _U(pow(HASH_BASE, k, 1 << 64))


class QuoteIndex:
    """The sorted, distinct window hashes of a corpus of melodies."""

    def __init__(self, hashes: np.ndarray) -> None:
        hashes = np.asarray(hashes)
        if hashes.dtype != _U or hashes.ndim != 1:
            raise InvalidValueError("a quote index is a 1-D array of uint64 hashes")
        self.hashes = np.unique(hashes)

    @classmethod
    def from_melodies(cls, melodies: Iterable[Sequence[int]]) -> QuoteIndex:
        """The index of every window of every melody (given as its pitches)."""
        parts = [window_hashes(intervals(p)) for p in melodies]
        return cls(np.concatenate(parts) if parts else np.zeros(0, _U))

    def __len__(self) -> int:
        return len(self.hashes)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """Boolean array: which of ``hashes`` are in the index."""
        hashes = np.asarray(hashes, _U)
        if not len(self.hashes):
            return np.zeros(hashes.shape, bool)
        at = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        return self.hashes[at] == hashes

    def runs(self, pitches: Sequence[int]) -> np.ndarray:
        """For each note, the length in notes of the quote ending there (0: none)."""
        hit = self.contains(window_hashes(intervals(pitches)))
        out = np.zeros(len(pitches), np.int64)
        run = 0
        for i, h in enumerate(hit):  # window i covers notes i .. i + WINDOW
            run = (run + 1 if run else WINDOW + 1) if h else 0
            out[i + WINDOW] = run
        return out

    def longest(self, pitches: Sequence[int]) -> int:
        """The longest quote in a melody, in notes (0: none)."""
        return int(self.runs(pitches).max(initial=0))

    def blocked(self, recent: Sequence[int], candidates: np.ndarray) -> np.ndarray:
        """Which candidate next pitches would complete a window found in the index, given
        the ``WINDOW`` most recent pitches of the melody (fewer: nothing is blocked)."""
        if len(recent) < WINDOW:
            return np.zeros(len(candidates), bool)
        last = np.asarray(recent[-WINDOW:], np.int64)
        head = window_hashes(intervals(last), WINDOW - 1)[0]  # the 7 intervals so far
        step = (np.asarray(candidates, np.int64) - last[-1] + 128).astype(_U)
        return self.contains(head + step * _power(WINDOW - 1))
