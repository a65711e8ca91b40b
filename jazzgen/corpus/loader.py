"""Reading a corpus folder: every readable piece, and each skipped file with its reason."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jazzgen.errors import CorpusError, ReadError
from jazzgen.io import cache
from jazzgen.io.read import SUFFIXES, read_score
from jazzgen.music.notes import Score

MIN_NOTES = 8
"""A file with fewer melody notes than this is skipped as too short."""

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


def _load_one(args: tuple[str, str | int | None]) -> tuple[str, Score | None, str, str]:
    """Read one file; returns (path, score or None, reason, detail). Never raises."""
    path, track = args
    try:
        score = cache.load(Path(path), track)
        if score is None:
            score = read_score(path, track=track)
            cache.store(Path(path), track, score)
    except ReadError as exc:
        return path, None, exc.reason, str(exc)
    except Exception as exc:  # a library bug on a strange file must not stop the corpus
        return path, None, ReadError.UNREADABLE, f"{Path(path).name}: {type(exc).__name__}: {exc}"
    if len(score.notes) < MIN_NOTES:
        return path, None, ReadError.TOO_SHORT, f"{Path(path).name}: {len(score.notes)} " \
                                               f"melody notes (need {MIN_NOTES})"
    return path, score, "", ""


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
    workers = workers or min(2, os.cpu_count() or 1)
    results = []
    if workers > 1 and len(jobs) >= 16:
        import multiprocessing as mp

        # spawn, not fork: forking a process that has TensorFlow threads can deadlock
        with mp.get_context("spawn").Pool(workers) as pool:
            for i, res in enumerate(pool.imap(_load_one, jobs, chunksize=4)):
                results.append(res)
                if progress:
                    progress(i + 1, len(jobs), res[0])
    else:
        for i, job in enumerate(jobs):
            results.append(_load_one(job))
            if progress:
                progress(i + 1, len(jobs), job[0])
    pieces = tuple((p, s) for p, s, _, _ in results if s is not None)
    skipped = tuple(Skipped(p, r, d) for p, s, r, d in results if s is None)
    if not pieces:
        counts = ", ".join(f"{n} {r}" for r, n in Counter(s.reason for s in skipped).items())
        raise CorpusError(f"no usable files in {root}: all {len(files)} skipped ({counts}); "
                          f"first: {skipped[0].detail}")
    return Corpus(str(root), pieces, skipped)
