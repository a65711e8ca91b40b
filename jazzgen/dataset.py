"""Corpus loading with per-file skip reasons, splits by piece, and training windows."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.config import TrainConfig
from jazzgen.encoding import CHORD_FEATURES, Encoded, Vocabulary, encode, transpose_encoded
from jazzgen.notes import Score
from jazzgen.scores import SUFFIXES, read_score

MIN_NOTES = 8
"""A file with fewer melody notes than this is skipped as too short."""

Progress = Callable[[int, int, str], None]


class CorpusError(ValueError):
    """A corpus that cannot be trained on at all (missing, empty, or every file bad)."""


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
    from jazzgen import score_cache

    try:
        score = score_cache.load(Path(path), track)
        if score is None:
            score = read_score(path, track=track)
            score_cache.store(Path(path), track, score)
    except ValueError as exc:
        msg = str(exc)
        reason = "no melody" if "no melody" in msg or "no track matches" in msg else "unreadable"
        return path, None, reason, msg
    except Exception as exc:  # a library bug on a strange file must not stop the corpus
        return path, None, "unreadable", f"{Path(path).name}: {type(exc).__name__}: {exc}"
    if len(score.notes) < MIN_NOTES:
        return path, None, "too short", f"{Path(path).name}: {len(score.notes)} melody notes " \
                                        f"(need {MIN_NOTES})"
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


def split_pieces(n: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of training and validation pieces; whole pieces stay on one side."""
    order = np.random.default_rng(seed).permutation(n).tolist()
    n_val = int(round(n * fraction))
    n_val = min(max(n_val, 1), n - 1) if fraction > 0 and n >= 2 else 0
    return sorted(order[n_val:]), sorted(order[:n_val])


@dataclass(frozen=True)
class Windows:
    """Model inputs and targets as arrays of fixed-length windows.

    tokens/pos [N, L] int32, roots [N, L, 2] int32, pcs [N, L, 24] uint8, targets [N, L]
    int32 (the next token), weights [N, L] float32 (0 on padding).
    """

    tokens: np.ndarray
    pos: np.ndarray
    roots: np.ndarray
    pcs: np.ndarray
    targets: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return len(self.tokens)

    def inputs(self) -> dict[str, np.ndarray]:
        """The dict a Keras model built by ``build_model`` takes."""
        return {"tokens": self.tokens, "pos": self.pos, "roots": self.roots,
                "pcs": self.pcs.astype(np.float32)}

    @property
    def event_count(self) -> int:
        """Number of scored (non-padding) targets."""
        return int(self.weights.sum())


def make_windows(pieces: Sequence[Encoded], length: int, stride: int | None = None) -> Windows:
    """Cut each piece into windows of ``length`` steps (targets shifted by one).

    Pieces shorter than a window are padded (padding has weight 0). Windows overlap by half
    by default; each piece's last window ends on its last token so nothing is left out.
    """
    stride = stride or max(1, length // 2)
    rows = []
    for enc in pieces:
        n = len(enc) - 1  # steps with a target
        if n <= 0:
            continue
        starts = list(range(0, max(n - length, 0) + 1, stride))
        if starts[-1] + length < n:
            starts.append(n - length)
        for s in starts:
            rows.append((enc, s, min(length, n - s)))
    m = len(rows)
    out = Windows(
        tokens=np.zeros((m, length), np.int32), pos=np.zeros((m, length), np.int32),
        roots=np.full((m, length, 2), 12, np.int32),
        pcs=np.zeros((m, length, CHORD_FEATURES), np.uint8),
        targets=np.zeros((m, length), np.int32), weights=np.zeros((m, length), np.float32),
    )
    seen_until: dict[int, int] = {}  # piece -> last step already scored
    for r, (enc, s, k) in enumerate(rows):
        out.tokens[r, :k] = enc.tokens[s:s + k]
        out.pos[r, :k] = enc.pos[s:s + k]
        out.roots[r, :k] = enc.roots[s:s + k]
        out.pcs[r, :k] = enc.pcs[s:s + k]
        out.targets[r, :k] = enc.tokens[s + 1:s + 1 + k]
        # Overlapping windows would score a target twice; weight only the new part, so the
        # validation loss is the plain mean over the events.
        out.weights[r, max(0, seen_until.get(id(enc), 0) - s):k] = 1.0
        seen_until[id(enc)] = s + k
    return out


def _shifts(cfg: TrainConfig, rng: np.random.Generator) -> list[int]:
    """Semitone shifts for one training piece: 0 plus ``keys - 1`` others in -5..+6."""
    if not cfg.transpose or cfg.keys == 1:
        return [0]
    others = [k for k in range(-5, 7) if k != 0]
    if cfg.keys == 12:
        return [0, *others]
    return [0, *sorted(rng.choice(others, size=cfg.keys - 1, replace=False).tolist())]


@dataclass(frozen=True)
class TrainingData:
    """Encoded training and validation sets, ready for Keras."""

    train: Windows
    valid: Windows | None
    train_pieces: tuple[str, ...]
    valid_pieces: tuple[str, ...]
    train_sequences: tuple[np.ndarray, ...]  # token ids per piece (for baselines)
    valid_sequences: tuple[np.ndarray, ...]


def build_training_data(corpus: Corpus, vocab: Vocabulary, cfg: TrainConfig,
                        valid_names: Sequence[str] | None = None) -> TrainingData:
    """Encode, split by piece, transpose the training split to other keys, cut windows.

    ``valid_names`` (file names) fixes the validation pieces instead of a seeded draw.
    """
    encoded = [encode(score, vocab) for _, score in corpus.pieces]
    names = [p for p, _ in corpus.pieces]
    if valid_names is not None:
        wanted = set(valid_names)
        va = [i for i, n in enumerate(names) if Path(n).name in wanted]
        tr = [i for i in range(len(names)) if i not in set(va)]
    else:
        tr, va = split_pieces(len(encoded), cfg.validation_fraction, cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    train_encs = []
    for i in tr:
        for k in _shifts(cfg, rng):
            train_encs.append(transpose_encoded(encoded[i], k, vocab))
    valid_encs = [encoded[i] for i in va]
    return TrainingData(
        # Training windows do not overlap (every step trains); validation windows overlap by
        # half so each scored event has context before it, as it would in a whole piece.
        train=make_windows(train_encs, cfg.sequence_length, stride=cfg.sequence_length),
        valid=make_windows(valid_encs, cfg.sequence_length) if valid_encs else None,
        train_pieces=tuple(names[i] for i in tr),
        valid_pieces=tuple(names[i] for i in va),
        train_sequences=tuple(e.tokens for e in train_encs),
        valid_sequences=tuple(e.tokens for e in valid_encs),
    )
