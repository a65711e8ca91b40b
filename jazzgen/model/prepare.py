"""``jazzgen prepare``: a corpus folder read in parallel and written as TFRecord shards with a
manifest (see :mod:`jazzgen.model.shards`), in bounded memory, resumably.

The files are taken in sorted order and cut into chunks of ``shard_pieces`` files. Chunk
``k`` becomes ``train-0000k.tfrecord`` and ``valid-0000k.tfrecord`` (a side with no piece
writes no shard, and the manifest lists only the shards written), then its record
``.prepare/chunk-0000k.json``, written last and atomically: a kill at any instant leaves each
chunk complete or absent, and the next run with the same files and settings goes on after
the chunks done. ``manifest.json`` comes at the end and ``.prepare/`` is removed. Memory
holds one chunk's records and the few results in flight, never the corpus.

The split is by piece and per file: a piece is for validation iff the first 8 bytes of
``sha256("{seed}:{relative path}")``, as a fraction of 2**64, fall below
``validation_fraction``, so it is stable across runs and does not depend on the order or
number of the other files. When the fraction is above 0 and two or more files are found, the
file of the smallest hash is validation if no file falls below it (tiny corpora), and the
file of the largest is training if every file does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from jazzgen.corpus.loader import Progress, Skipped, find_files, read_checked
from jazzgen.corpus.pool import run_pool
from jazzgen.errors import CorpusError, ReadError
from jazzgen.io import atomic
from jazzgen.io.read import SUFFIXES
from jazzgen.model import shards
from jazzgen.model.config import EncodingConfig, to_dict
from jazzgen.model.encoding import Vocabulary, encode

STATE_DIR = ".prepare"
"""Folder of an unfinished run's state and chunk records (removed when it finishes)."""
SIDES = ("train", "valid")
MIN_PARALLEL = 16
"""Files to read below which starting worker processes does not pay."""


class Piece(NamedTuple):
    """One file's outcome: its record (None when skipped, with reason and detail), tempo
    (BPM), melody notes and steps (tokens)."""

    file: str
    record: bytes | None
    reason: str = ""
    detail: str = ""
    tempo: float = 0.0
    notes: int = 0
    steps: int = 0


@dataclass(frozen=True)
class PrepareResult:
    """What a prepare run left: the manifest, pieces per side, the files skipped, shards,
    melody notes, whether anything was written (False: already prepared), wall seconds."""

    manifest: Path
    train: int
    valid: int
    skipped: tuple[Skipped, ...]
    shards: int
    notes: int
    done: bool
    seconds: float

    def skip_counts(self) -> Counter:
        """Number of skipped files per reason."""
        return Counter(s.reason for s in self.skipped)

    def skip_text(self) -> str:
        """The skipped files per reason, "2 too short, 1 unreadable"."""
        return ", ".join(f"{n} {r}" for r, n in sorted(self.skip_counts().items()))

    def skipped_lines(self, limit: int = 20) -> list[str]:
        """The first ``limit`` skipped files with their reasons (the manifest lists all)."""
        out = [f"  [{s.reason}] {s.detail}" for s in self.skipped[:limit]]
        more = len(self.skipped) - limit
        return out + ([f"  ... and {more} more (listed in the manifest)"] if more > 0 else [])

    def lines(self) -> list[str]:
        """The summary a command prints."""
        files = self.train + self.valid + len(self.skipped)
        counts = self.skip_text()
        head = "Prepared" if self.done else "Already prepared:"
        return [f"{head} {self.train} training and {self.valid} validation pieces "
                f"({self.notes} notes) from {files} files in {self.shards} shards"
                + (f" in {self.seconds:.1f} s" if self.done else ""),
                f"Skipped {len(self.skipped)} files" + (f" ({counts})" if counts else ""),
                f"Manifest: {self.manifest}"]


@functools.lru_cache(maxsize=4)
def _vocabulary(cfg: EncodingConfig) -> Vocabulary:
    return Vocabulary(cfg)


def prepare_one(job: tuple[str, str, str | int | None, EncodingConfig]) -> Piece:
    """Read, check and encode one file ``(path, relative path, track, encoding)``; never
    raises (a file that cannot be used is a Piece with no record and the reason)."""
    path, rel, track, cfg = job
    _, score, reason, detail = read_checked(path, track)  # not into the parse cache
    if score is None:
        return Piece(rel, None, reason, detail)
    try:
        feats = encode(score, _vocabulary(cfg))
    except Exception as exc:  # a library bug on a strange file must not stop the corpus
        return Piece(rel, None, ReadError.UNREADABLE, f"{Path(path).name}: "
                     f"{type(exc).__name__}: {exc}")
    return Piece(rel, shards.piece_record(feats), tempo=float(score.tempo),
                 notes=len(score.notes), steps=len(feats))


def _died(job: tuple) -> Piece:
    """The outcome of a file whose reading process died (killed, out of memory) twice."""
    return Piece(job[1], None, ReadError.UNREADABLE, f"{Path(job[0]).name}: the reading "
                 f"process died (killed, or out of memory)")


def _split_hash(seed: int, rel: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{rel}".encode()).digest()[:8], "big")


def validation_files(files: list[str], fraction: float, seed: int) -> frozenset[str]:
    """The relative paths that are validation pieces (see the module's docstring)."""
    if fraction <= 0 or not files:
        return frozenset()
    hashes = {f: _split_hash(seed, f) for f in files}
    valid = {f for f, h in hashes.items() if h < fraction * 2**64}
    if len(files) >= 2 and not valid:
        valid = {min(files, key=lambda f: (hashes[f], f))}
    elif len(files) >= 2 and len(valid) == len(files):
        valid.remove(max(files, key=lambda f: (hashes[f], f)))
    return frozenset(valid)


def _source(root: Path, files: list[Path]) -> str:
    """A fingerprint of the files found: relative paths, sizes, modification times."""
    h = hashlib.sha256()
    for f in files:
        st = f.stat()
        h.update(f"{f.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def fingerprint(encoding: dict, seed: int, fraction: float,
                digests: list[tuple[str, str]]) -> str:
    """SHA-256 over the encoding, seed, fraction and each shard's (name, digest), in order."""
    h = hashlib.sha256(json.dumps([encoding, seed, fraction], sort_keys=True).encode())
    for name, digest in digests:
        h.update(f"\n{name}:{digest}".encode())
    return h.hexdigest()


def _chunk_path(out: Path, k: int) -> Path:
    return out / STATE_DIR / f"chunk-{k:05d}.json"


def _write_chunk(out: Path, k: int, pieces: list[Piece], valid: frozenset[str]) -> None:
    """Chunk ``k``'s shards, then its record (last: the chunk is done once it exists)."""
    record: dict = {"chunk": k, "notes": sum(p.notes for p in pieces),
                    "skipped": [{"file": p.file, "reason": p.reason, "detail": p.detail}
                                for p in pieces if p.record is None]}
    for side in SIDES:
        kept = [p for p in pieces if p.record is not None and (p.file in valid) == (side ==
                                                                                  "valid")]
        name, digest = (f"{side}-{k:05d}.tfrecord", "") if kept else (None, "")
        if name:  # the digest of the bytes written, not of a second read of them
            data = shards.shard_bytes(p.record for p in kept)
            atomic.write_bytes(out / name, data)
            digest = hashlib.sha256(data).hexdigest()
        record[side] = {"shard": name, "digest": digest,
                        "files": [p.file for p in kept], "steps": [p.steps for p in kept],
                        "tempos": [p.tempo for p in kept]}
    atomic.write_text(_chunk_path(out, k), json.dumps(record, sort_keys=True))


def _chunk_done(out: Path, k: int) -> bool:
    """Whether chunk ``k``'s record exists and its shards are there with their bytes."""
    try:
        record = json.loads(_chunk_path(out, k).read_text(encoding="utf-8"))
        return all(record[s]["shard"] is None or shards.file_digest(out / record[s]["shard"])
                   == record[s]["digest"] for s in SIDES)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _clear_state(out: Path) -> None:
    """Remove ``.prepare/`` and the temporary files a killed write left."""
    shutil.rmtree(out / STATE_DIR, ignore_errors=True)
    for pattern in (".train-*.tmp", ".valid-*.tmp", f".{shards.MANIFEST}.*.tmp"):
        for path in out.glob(pattern):
            path.unlink(missing_ok=True)


def _clear(out: Path) -> None:
    """Remove everything a prepare run writes into ``out`` (and nothing else)."""
    _clear_state(out)
    for pattern in ("train-*.tfrecord", "valid-*.tfrecord", shards.MANIFEST):
        for path in out.glob(pattern):
            path.unlink(missing_ok=True)


def _check_out(out: Path) -> None:
    """CorpusError unless ``out`` is absent, empty, or a folder prepare wrote into."""
    if out.exists() and not out.is_dir():
        raise CorpusError(f"{out} is a file; give a folder for the shards")
    if out.is_dir() and any(out.iterdir()) and not (
            (out / shards.MANIFEST).is_file() or (out / STATE_DIR).is_dir()):
        raise CorpusError(f"{out} is not empty and holds no prepared corpus; give a new or "
                          f"empty folder")


def _finished(out: Path, key: dict) -> shards.Manifest | None:
    """The manifest of a finished run with the same files and settings, shards intact."""
    try:
        man = shards.load_manifest(out)
        raw = man.extra["prepare"]
        settings = {"encoding": man.encoding, "seed": man.seed,
                    "validation_fraction": man.fraction, "shard_pieces": raw["shard_pieces"],
                    "track": raw["track"]}
        names = [*man.train.shards, *man.valid.shards]
        ok = {"source": raw["source"], "settings": settings} == key and \
            man.fingerprint == fingerprint(man.encoding, man.seed, man.fraction,
                                           [(n, shards.file_digest(out / n)) for n in names])
    except (OSError, ValueError, KeyError, TypeError, CorpusError):
        return None
    return man if ok else None


def _resume(out: Path, key: dict, log: Callable[[str], None]) -> None:
    """Keep an unfinished run with the same key, else clear the folder and start one."""
    state = out / STATE_DIR / "state.json"
    if (out / shards.MANIFEST).is_file() or state.is_file():
        try:
            same = json.loads(state.read_text(encoding="utf-8")) == key
        except (OSError, ValueError):
            same = False
        if same:
            return
        log(f"The corpus, the settings or the shards changed since {out} was prepared: "
            f"starting over")
    _clear(out)
    atomic.write_text(state, json.dumps(key, sort_keys=True))


def _manifest(out: Path, corpus: Path, enc: dict, seed: int, fraction: float, chunks: int,
              key: dict) -> shards.Manifest:
    """The manifest assembled from the chunk records, in chunk order."""
    lists: dict = {s: {"shards": [], "files": [], "steps": [], "tempos": []} for s in SIDES}
    skipped, notes, digests = [], 0, {}
    for k in range(chunks):
        record = json.loads(_chunk_path(out, k).read_text(encoding="utf-8"))
        skipped += record["skipped"]
        notes += record["notes"]
        for side in SIDES:
            got = record[side]
            if got["shard"]:
                lists[side]["shards"].append(got["shard"])
                digests[got["shard"]] = got["digest"]
            for field in ("files", "steps", "tempos"):
                lists[side][field] += got[field]
    train, valid = (shards.Split(**{f: tuple(v) for f, v in lists[s].items()}) for s in SIDES)
    return shards.Manifest(enc, str(corpus), seed, fraction, train, valid, tuple(skipped),
                           notes, fingerprint(enc, seed, fraction,
                                              [(n, digests[n]) for n in
                                               (*train.shards, *valid.shards)]),
                           extra={"prepare": {"source": key["source"],
                                              "shard_pieces": key["settings"]["shard_pieces"],
                                              "track": key["settings"]["track"]}})


def _result(out: Path, man: shards.Manifest, done: bool, seconds: float) -> PrepareResult:
    skipped = tuple(Skipped(s["file"], s["reason"], s["detail"]) for s in man.skipped)
    return PrepareResult(out / shards.MANIFEST, man.train.pieces, man.valid.pieces, skipped,
                         len(man.train.shards) + len(man.valid.shards), man.notes, done,
                         seconds)


def prepare(
    corpus_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    enc_cfg: EncodingConfig | None = None,
    *,
    workers: int | None = None,
    shard_pieces: int = 500,
    validation_fraction: float = 0.1,
    seed: int = 0,
    track: str | int | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> PrepareResult:
    """Encode every file under ``corpus_dir`` into shards and a manifest in ``out_dir``
    (``shard_pieces`` files a chunk, on ``workers`` processes, default all cores); resumes
    an interrupted run and does nothing when ``out_dir`` is already prepared from the same
    files and settings. ``progress(done, total, path)`` follows the files."""
    began = time.monotonic()
    enc_cfg = enc_cfg or EncodingConfig()
    if shard_pieces < 1 or not 0 <= validation_fraction < 1:
        raise CorpusError(f"need shard pieces >= 1 and a validation fraction in [0, 1), got "
                          f"{shard_pieces} and {validation_fraction}")
    corpus, out = Path(corpus_dir), Path(out_dir)
    files = find_files(corpus)
    if not files:
        raise CorpusError(f"no MIDI or MusicXML files in {corpus} "
                          f"(looked for {', '.join(SUFFIXES)})")
    base = corpus if corpus.is_dir() else corpus.parent
    rels = [f.relative_to(base).as_posix() for f in files]
    enc = to_dict(enc_cfg)
    key = {"source": _source(base, files), "settings": {
        "encoding": enc, "shard_pieces": shard_pieces, "seed": seed, "track": track,
        "validation_fraction": validation_fraction}}
    _check_out(out)
    man = _finished(out, key)
    if man is not None:
        _clear_state(out)
        log(f"{out} is already prepared from these files with these settings: nothing to do")
        return _result(out, man, False, time.monotonic() - began)
    _resume(out, key, log)
    chunks = -(-len(files) // shard_pieces)
    todo = [k for k in range(chunks) if not _chunk_done(out, k)]
    if len(todo) < chunks:
        log(f"Resuming: {chunks - len(todo)} of {chunks} chunks were done")
    _run(files, rels, out, todo, shard_pieces, key, enc_cfg, track, workers, progress)
    man = _manifest(out, base.resolve(), enc, seed, validation_fraction, chunks, key)
    if not man.train.files and not man.valid.files:
        counts = _result(out, man, False, 0.0).skip_text()
        raise CorpusError(f"no usable files in {corpus}: all {len(files)} skipped ({counts}); "
                          f"first: {man.skipped[0]['detail']}")
    shards.write_manifest(out, man)
    _clear_state(out)
    return _result(out, man, True, time.monotonic() - began)


def _run(files: list[Path], rels: list[str], out: Path, todo: list[int], size: int,
         key: dict, cfg: EncodingConfig, track, workers: int | None,
         progress: Progress | None) -> None:
    """Read the files of the chunks ``todo`` and write each chunk as its last file is in."""
    valid = validation_files(rels, key["settings"]["validation_fraction"],
                             key["settings"]["seed"])
    index = [i for k in todo for i in range(k * size, min((k + 1) * size, len(files)))]
    jobs = [(str(files[i]), rels[i], track, cfg) for i in index]
    count = len(files) - len(index)
    waiting: dict[int, Piece] = {}  # results that came before an earlier file's
    current: list[Piece] = []
    nxt = 0

    def done(j: int, piece: Piece) -> None:
        nonlocal nxt, count
        waiting[j] = piece
        while nxt in waiting:
            current.append(waiting.pop(nxt))
            count += 1
            if progress:
                progress(count, len(files), str(files[index[nxt]]))
            k = index[nxt] // size
            nxt += 1
            if nxt == len(index) or index[nxt] // size != k:
                _write_chunk(out, k, current, valid)
                current.clear()

    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers > 1 and len(jobs) >= MIN_PARALLEL:
        run_pool(prepare_one, jobs, workers, _died, done, keep=False)
    else:
        for j, job in enumerate(jobs):
            done(j, prepare_one(job))
