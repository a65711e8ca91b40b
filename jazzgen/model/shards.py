"""Prepared corpora on disk: encoded pieces in TFRecord shards, and their manifest.

A folder written by ``jazzgen prepare`` holds::

    manifest.json           what the shards hold (see :class:`Manifest`)
    train-00000.tfrecord    encoded training pieces, one record per piece (untransposed)
    valid-00000.tfrecord    encoded validation pieces
    ...

A shard is a TFRecord file (each record: its length as a little-endian uint64, the masked
CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data), so tf.data streams it
with ``TFRecordDataset`` and this module reads and writes it without TensorFlow. A record is
one piece's :class:`~jazzgen.model.encoding.Features` as little-endian int16 ``[6, T]``:
tokens, bar positions, the root of the chord at the next onset and of the chord after it
(``NO_ROOT`` for none), and their pitch classes as 12-bit masks (bit ``i`` = pitch class
``i``). Nothing in a shard is code; every length and checksum is checked before use.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import google_crc32c
import numpy as np

from jazzgen.errors import CorpusError
from jazzgen.io import atomic
from jazzgen.model.encoding import CHORD_FEATURES, NO_ROOT, Features

FORMAT = 1
"""Version of the shard and manifest layout."""
MANIFEST = "manifest.json"
ROWS = 6
"""int16 rows of a record: tokens, pos, two roots, two pitch-class masks."""
MAX_RECORD = 64 * 1024 * 1024
"""Largest record accepted (bytes): far above any piece the readers let through."""
_MASK_DELTA = 0xA282EAD8
_PCS = 12


def _masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC-32C of ``data``."""
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def piece_record(feats: Features) -> bytes:
    """One piece's features as a record (int16 ``[6, T]``, little-endian)."""
    bits = (1 << np.arange(_PCS)).astype(np.int32)
    pcs = feats.pcs.astype(np.int32)
    rows = np.stack([feats.tokens, feats.pos, feats.roots[:, 0], feats.roots[:, 1],
                     pcs[:, :_PCS] @ bits, pcs[:, _PCS:] @ bits])
    if rows.min(initial=0) < -32768 or rows.max(initial=0) > 32767:
        raise ValueError("a feature does not fit in int16")
    return rows.astype("<i2").tobytes()


def record_features(data: bytes) -> Features:
    """The features of one record (see :func:`piece_record`); ValueError for bytes that are
    not one (a length that is not six rows, no step, a value out of its range)."""
    if len(data) % (2 * ROWS) or not data:
        raise ValueError(f"a record of {len(data)} bytes is not {ROWS} non-empty rows of int16")
    rows = np.frombuffer(data, "<i2").reshape(ROWS, -1).astype(np.int32)
    if rows[:2].min() < 0 or rows[2:4].min() < 0 or rows[2:4].max() > NO_ROOT \
            or rows[4:].min() < 0 or rows[4:].max() >= 1 << _PCS:
        raise ValueError("a record with a negative token or position, a root outside "
                         f"0..{NO_ROOT} or a pitch-class mask outside 12 bits")
    bits = 1 << np.arange(_PCS)
    pcs = np.concatenate([(rows[4][:, None] & bits) > 0, (rows[5][:, None] & bits) > 0], axis=1)
    assert pcs.shape[1] == CHORD_FEATURES
    return Features(rows[0].copy(), rows[1].copy(), rows[2:4].T.copy(), pcs.astype(np.uint8))


def frame(data: bytes) -> bytes:
    """``data`` framed as one TFRecord record."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", _masked_crc(length)) + data
            + struct.pack("<I", _masked_crc(data)))


def shard_bytes(records: Iterable[bytes]) -> bytes:
    """``records`` as the bytes of a TFRecord file."""
    return b"".join(frame(r) for r in records)


def write_shard(path: str | os.PathLike, records: Iterable[bytes]) -> Path:
    """Write ``records`` as a TFRecord file at ``path``, atomically."""
    return atomic.write_bytes(path, shard_bytes(records))


def read_shard(path: str | os.PathLike) -> Iterator[bytes]:
    """The records of the TFRecord file at ``path``, each checked against its checksums;
    CorpusError naming the file for a truncated or damaged one."""
    path = Path(path)
    with open(path, "rb") as fh:
        while True:
            head = fh.read(12)
            if not head:
                return
            if len(head) < 12:
                raise CorpusError(f"{path}: truncated record header")
            (length,), (crc,) = struct.unpack("<Q", head[:8]), struct.unpack("<I", head[8:])
            if crc != _masked_crc(head[:8]) or length > MAX_RECORD:
                raise CorpusError(f"{path}: damaged record header")
            data = fh.read(length)
            tail = fh.read(4)
            if len(data) < length or len(tail) < 4:
                raise CorpusError(f"{path}: truncated record")
            if struct.unpack("<I", tail)[0] != _masked_crc(data):
                raise CorpusError(f"{path}: record checksum mismatch")
            yield data


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Split:
    """One side of the split: its shard files (names in the folder) and, per piece in shard
    order, its file (relative to the corpus), its steps (tokens) and tempo."""

    shards: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    steps: tuple[int, ...] = ()
    tempos: tuple[float, ...] = ()

    @property
    def pieces(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class Manifest:
    """What a prepared folder holds: the encoding config it was made with, the corpus root,
    the training and validation splits (by piece, drawn from ``seed`` and ``fraction``), the
    files skipped with their reasons, the notes read, and a fingerprint of all of it (the
    shards' bytes included) that a training run checks against its checkpoint."""

    encoding: dict
    corpus: str
    seed: int
    fraction: float
    train: Split
    valid: Split
    skipped: tuple[dict, ...] = ()
    notes: int = 0
    fingerprint: str = ""
    format: int = FORMAT
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        def split(s: Split) -> dict:
            return {"shards": list(s.shards), "files": list(s.files), "steps": list(s.steps),
                    "tempos": list(s.tempos)}

        return {"format": self.format, "fingerprint": self.fingerprint,
                "encoding": self.encoding, "corpus": self.corpus, "seed": self.seed,
                "validation_fraction": self.fraction, "notes": self.notes,
                "counts": {"train": self.train.pieces, "valid": self.valid.pieces,
                           "skipped": len(self.skipped)},
                "train": split(self.train), "valid": split(self.valid),
                "skipped": list(self.skipped), **self.extra}


def write_manifest(folder: str | os.PathLike, manifest: Manifest) -> Path:
    """Write ``manifest.json`` into ``folder``, atomically."""
    return atomic.write_text(Path(folder) / MANIFEST,
                             json.dumps(manifest.to_json(), indent=1, sort_keys=True) + "\n")


def load_manifest(folder: str | os.PathLike) -> Manifest:
    """The manifest of a prepared folder; CorpusError saying what is wrong when it is missing,
    not this format, or inconsistent with itself."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise CorpusError(f"{folder}: no {MANIFEST} (make one with: jazzgen prepare --corpus "
                          f"DIR --out {folder})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise CorpusError(f"{path}: format {data.get('format')!r}, this jazzgen reads "
                              f"{FORMAT}; prepare the corpus again")

        def split(d: dict) -> Split:
            s = Split(tuple(map(str, d["shards"])), tuple(map(str, d["files"])),
                      tuple(int(x) for x in d["steps"]), tuple(float(x) for x in d["tempos"]))
            if not len(s.files) == len(s.steps) == len(s.tempos):
                raise ValueError("piece lists of different lengths")
            if any("/" in n or "\\" in n or n.startswith(".") for n in s.shards):
                raise ValueError("a shard name that is not a plain file name")
            return s

        known = {"format", "fingerprint", "encoding", "corpus", "seed", "validation_fraction",
                 "notes", "counts", "train", "valid", "skipped"}
        return Manifest(dict(data["encoding"]), str(data["corpus"]), int(data["seed"]),
                        float(data["validation_fraction"]), split(data["train"]),
                        split(data["valid"]), tuple(data["skipped"]), int(data["notes"]),
                        str(data["fingerprint"]),
                        extra={k: v for k, v in data.items() if k not in known})
    except CorpusError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError,
            ValueError, AttributeError, OverflowError, RecursionError) as exc:
        raise CorpusError(f"{path}: not a valid manifest ({exc})") from None
