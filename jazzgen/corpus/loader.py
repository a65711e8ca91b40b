"""Reading a corpus folder: every readable piece, and each skipped file with its reason."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jazzgen.corpus.pool import run_pool
from jazzgen.errors import CorpusError, ReadError
from jazzgen.io import cache
from jazzgen.io.read import SUFFIXES, read_score
from jazzgen.music.notes import Score

MIN_NOTES = 8
"""A file with fewer melody notes than this is skipped as too short."""
MIN_PARALLEL = 16
"""Files to read (not in the cache) below which starting worker processes does not pay."""

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Skipped:
    """A corpus file left out, with a short reason category and the full message."""

    path: str
    reason: str
    detail: str


@dataclass(frozen=True)
class Corpus:
    """The readable pieces of a corpus folder and the files that were skipped."""

    root: str
    pieces: tuple[tuple[str, Score], ...]
    skipped: tuple[Skipped, ...]

    @property
    def note_count(self) -> int:
        """Melody notes over all pieces."""
        return sum(len(s.notes) for _, s in self.pieces)

    def skip_counts(self) -> Counter:
        """Number of skipped files per reason."""
        return Counter(s.reason for s in self.skipped)


def find_files(root: str | os.PathLike) -> list[Path]:
    """Every MIDI/MusicXML file under ``root``, recursively, in a stable order."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )


def _read_one(args: tuple[str, str | int | None]) -> tuple[str, Score | None, str, str]:
    """Parse one file not in the cache and cache it; returns (path, score or None, reason,
    detail). Never raises."""
    path, track = args
    return read_checked(path, track, store=True)


def read_checked(path: str, track: str | int | None,
                 store: bool = False) -> tuple[str, Score | None, str, str]:
    """Read and check one file (``store``: into the parse cache too); returns (path, score or
    None, skip reason, detail). Never raises: a library bug on a strange file must not stop
    the corpus."""
    try:
        score = read_score(path, track=track)
        if store:
            cache.store(Path(path), track, score)
    except ReadError as exc:
        return path, None, exc.reason, str(exc)
    except Exception as exc:
        return path, None, ReadError.UNREADABLE, f"{Path(path).name}: {type(exc).__name__}: {exc}"
    return check_score(path, score)


def check_score(path: str, score: Score) -> tuple[str, Score | None, str, str]:
    """The result for a score that was read: kept, or skipped as too short."""
    if len(score.notes) < MIN_NOTES:
        return path, None, ReadError.TOO_SHORT, f"{Path(path).name}: {len(score.notes)} " \
                                               f"melody notes (need {MIN_NOTES})"
    return path, score, "", ""


def _cached(args: tuple[str, str | int | None]) -> tuple[str, Score | None, str, str] | None:
    """The result for a file whose score is in the parse cache, else None."""
    path, track = args
    try:
        score = cache.load(Path(path), track)
    except OSError:
        return None
    return None if score is None else check_score(path, score)


def _died(args: tuple[str, str | int | None]) -> tuple[str, None, str, str]:
    """The result for a file whose reader process died (killed, or out of memory) twice."""
    path = args[0]
    return path, None, ReadError.UNREADABLE, f"{Path(path).name}: the reading process died " \
                                             f"(killed, or out of memory)"


def load_corpus(
    root: str | os.PathLike,
    track: str | int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Corpus:
    """Read every supported file under ``root``; bad files are skipped with their reason."""
    files = find_files(root)
    if not files:
        raise CorpusError(f"no MIDI or MusicXML files in {root} "
                          f"(looked for {', '.join(SUFFIXES)})")
    return load_files(files, root, track, progress, workers)


def load_files(
    files: Sequence[str | os.PathLike],
    root: str | os.PathLike,
    track: str | int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Corpus:
    """Read the given files as one corpus labelled ``root``; bad files are skipped."""
    if not files:
        raise CorpusError(f"no files to read in {root}")
    jobs = [(str(f), track) for f in files]
    results: list = [None] * len(jobs)
    count = 0

    def done(i: int, result: tuple) -> None:
        nonlocal count
        results[i] = result
        count += 1
        if progress:
            progress(count, len(jobs), result[0])

    misses = []
    for i, job in enumerate(jobs):  # cached pieces are read here: no worker to start
        hit = _cached(job)
        if hit is None:
            misses.append(i)
        else:
            done(i, hit)
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(misses) >= MIN_PARALLEL:
        run_pool(_read_one, [jobs[i] for i in misses], workers, _died,
                 lambda k, result: done(misses[k], result))
    else:
        for i in misses:
            done(i, _read_one(jobs[i]))
    pieces = tuple((p, s) for p, s, _, _ in results if s is not None)
    skipped = tuple(Skipped(p, r, d) for p, s, r, d in results if s is None)
    if not pieces:
        counts = ", ".join(f"{n} {r}" for r, n in Counter(s.reason for s in skipped).items())
        raise CorpusError(f"no usable files in {root}: all {len(files)} skipped ({counts}); "
                          f"first: {skipped[0].detail}")
    return Corpus(str(root), pieces, skipped)
