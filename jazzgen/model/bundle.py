"""The model bundle: one directory with weights, vocabulary, config and history.

Layout::

    model.keras     the network (architecture + weights, no optimizer state), for Keras
    weights.npz     the same weights as plain float32 arrays, for sampling without TensorFlow
    vocab.json      token strings, in id order
    config.json     format version, jazzgen version, encoding/model/train configs
    history.json    per-epoch losses, baseline, best epoch
    corpus.json     which files trained and validated it, which were skipped and why
    log_epochs.csv  the training logs, per epoch and every few steps
    log_steps.csv   (:mod:`jazzgen.model.trainlog`); for people and tools, never read here

Bundles are written into a temporary directory and renamed into place, so a reader never
sees half a bundle. Only the files in :data:`FILES` must be there (loading never reads the
quote index or the logs, so bundles written before them load). Loading checks the vocabulary
and config against this code, reads ``weights.npz`` with ``allow_pickle=False`` and checks
every array's name, shape, type and size against the config from its header, before its data
is read, so no code from the file runs, a file cannot make a large allocation, and
TensorFlow is not imported. A bundle written before ``weights.npz`` existed is read through
Keras, in safe mode, once ``model.keras`` is seen to be an intact Keras archive. Every
failure is a BundleError that names the file and what is wrong with it (missing, not UTF-8,
bad JSON at line and column, a setting of the wrong type, an array of the wrong shape, a
corrupt archive).
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jazzgen import __version__
from jazzgen.errors import BundleError, ConfigError
from jazzgen.io import atomic
from jazzgen.model import heads
from jazzgen.model.config import (
    FORMAT_VERSION,
    EncodingConfig,
    ModelConfig,
    TrainConfig,
    from_dict,
    to_dict,
)
from jazzgen.model.encoding import Vocabulary
from jazzgen.model.network import NumpyLSTM, weight_shapes

FILES = ("model.keras", "vocab.json", "config.json", "history.json")
WEIGHTS = "weights.npz"
MAX_JSON_BYTES = 16 * 1024 * 1024
"""The largest JSON file of a bundle read, in bytes (a real config.json is about 1 kB)."""
MAX_WEIGHT_BYTES = 1 << 30
"""The most bytes of arrays an .npz file of a bundle may hold (the shipped model's: 4 MB)."""
KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
"""What a .keras file (a zip archive) holds."""


@dataclass(frozen=True)
class Bundle:
    """A loaded model bundle: configs, vocabulary, metadata and the NumPy network."""

    path: Path
    encoding: EncodingConfig
    model: ModelConfig
    train: TrainConfig
    vocab: Vocabulary
    history: dict
    meta: dict
    net: NumpyLSTM

    @property
    def default_tempo(self) -> float:
        """Median tempo of the training corpus (BPM)."""
        return float(self.meta.get("median_tempo", 140.0))


def save_bundle(
    path: str | os.PathLike, keras_model, vocab: Vocabulary, model_cfg: ModelConfig,
    train_cfg: TrainConfig, history: dict, corpus_info: dict, meta: dict,
    extras: Callable[[Path], object] | None = None,
) -> Path:
    """Write the bundle directory atomically (replacing any older bundle at ``path``);
    ``extras`` is called with the unfinished folder to add more files before the swap."""
    path = Path(path)
    tmp = atomic.temp_dir_beside(path)
    keras_model.save(tmp / "model.keras")
    with open(tmp / WEIGHTS, "wb") as fh:  # plain arrays: np.savez stores no pickles
        np.savez(fh, **NumpyLSTM.from_keras(keras_model, model_cfg.lstm_layers,
                                            vocab.cfg).arrays())
    config = {
        "format_version": FORMAT_VERSION,
        "jazzgen_version": __version__,
        "encoding": to_dict(vocab.cfg),
        "model": to_dict(model_cfg),
        "train": to_dict(train_cfg),
        "meta": meta,
    }
    (tmp / "vocab.json").write_text(json.dumps(list(vocab.tokens), indent=0) + "\n")
    (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (tmp / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    (tmp / "corpus.json").write_text(json.dumps(corpus_info, indent=2) + "\n")
    if extras is not None:
        extras(tmp)
    return atomic.replace_dir(tmp, path)


def read_config(path: str | os.PathLike) -> tuple[EncodingConfig, ModelConfig, TrainConfig, dict]:
    """The configs stored in a bundle, checked against this code (no TensorFlow needed)."""
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"no model bundle at {path} (train one with 'jazzgen train')")
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise BundleError(f"model bundle {path} is incomplete: missing {', '.join(missing)}")
    config = read_json(path, "config.json", dict)
    tokens = read_json(path, "vocab.json", list)
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise BundleError(f"model bundle {path} has format version {version!r}; this jazzgen "
                          f"reads version {FORMAT_VERSION}: retrain it with 'jazzgen train'")
    configs = []
    for key, cls in (("encoding", EncodingConfig), ("model", ModelConfig), ("train", TrainConfig)):
        try:
            configs.append(from_dict(cls, config[key]))
        except KeyError:
            raise BundleError(f"model bundle {path}: config.json has no {key!r} settings") \
                from None
        except ConfigError as exc:
            raise BundleError(f"model bundle {path}: config.json does not match this jazzgen "
                              f"({exc})") from None
    enc, mcfg, tcfg = configs
    if list(Vocabulary(enc).tokens) != tokens:
        raise BundleError(f"model bundle {path}: vocab.json: its vocabulary does not match the "
                          f"one this jazzgen builds from its config; retrain it")
    meta = config.get("meta", {})
    tempo = meta.get("median_tempo", 140.0) if isinstance(meta, dict) else None
    if not isinstance(tempo, (int, float)) or isinstance(tempo, bool) \
            or not 10.0 <= tempo <= 1000.0:
        raise BundleError(f"model bundle {path}: config.json meta must be an object whose "
                          f"median_tempo is 10..1000 BPM, got {str(meta)[:60]}")
    return enc, mcfg, tcfg, meta


def read_json(path: Path, name: str, kind: type) -> Any:
    """The JSON value of the bundle file ``path/name``, which must be a ``kind`` (dict or
    list); BundleError naming the file and what is wrong with it."""
    file = path / name
    try:
        size = file.stat().st_size
        if size > MAX_JSON_BYTES:
            raise BundleError(f"model bundle {path}: {name} is too large ({size} bytes; the "
                              f"limit is {MAX_JSON_BYTES})")
        data = file.read_bytes()
    except OSError as exc:
        raise BundleError(f"model bundle {path}: cannot read {name} ({exc.strerror or exc})") \
            from None
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BundleError(f"model bundle {path}: {name} is not UTF-8 text (byte {exc.start} "
                          f"is {data[exc.start]:#04x})") from None
    except json.JSONDecodeError as exc:
        raise BundleError(f"model bundle {path}: {name} is not valid JSON (line {exc.lineno}, "
                          f"column {exc.colno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; nesting too deep
        raise BundleError(f"model bundle {path}: {name} is not valid JSON "
                          f"({str(exc)[:80] or type(exc).__name__})") from None
    if not isinstance(value, kind):
        want = {dict: "an object", list: "a list"}.get(kind, kind.__name__)
        raise BundleError(f"model bundle {path}: {name} must hold {want}, not "
                          f"{type(value).__name__}")
    return value


def load_bundle(path: str | os.PathLike) -> Bundle:
    """Load and check a bundle: its weights from ``weights.npz`` (no TensorFlow), or from
    ``model.keras`` in Keras's safe mode for a bundle that has no ``weights.npz``."""
    path = Path(path)
    enc, mcfg, tcfg, meta = read_config(path)
    vocab = Vocabulary(enc)
    history = read_json(path, "history.json", dict)
    if (path / WEIGHTS).is_file():
        net = NumpyLSTM.from_arrays(read_weights(path, weight_shapes(len(vocab), enc, mcfg)),
                                    mcfg.lstm_layers, enc)
    else:
        net = _net_from_keras(path, len(vocab), mcfg.lstm_layers, enc)
    return Bundle(path, enc, mcfg, tcfg, vocab, history, meta, net)


def read_weights(path: Path, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays of ``path/weights.npz``, each checked against its expected shape (before
    its data is read) and to hold finite floats."""
    arrays = read_arrays(path / WEIGHTS, shapes, kinds="f")
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            raise BundleError(f"model bundle {path}: {WEIGHTS} array {name} is {a.dtype} "
                              f"{a.shape}, the config needs finite floats {shapes[name]}")
    return arrays


def read_arrays(file: Path, shapes: dict[str, tuple[int, ...]] | None = None, kinds: str = "f",
                max_bytes: int = MAX_WEIGHT_BYTES) -> dict[str, np.ndarray]:
    """The arrays of an .npz file of plain arrays, none unpickled: every array's header is
    read first and its name (one of ``shapes``), shape, dtype kind (one of ``kinds``, NumPy's
    letters) and size checked, so a file cannot make a large allocation or hold code.
    BundleError naming the file, the array and what is wrong."""
    where = f"model bundle {file.parent}: {file.name}"
    try:
        with zipfile.ZipFile(file) as z:
            infos = {i.filename.removesuffix(".npy"): i for i in z.infolist()}
            if shapes is not None and set(infos) != set(shapes):
                odd = sorted(set(infos) ^ set(shapes))
                raise BundleError(f"{where} does not match its config (arrays "
                                  f"{', '.join(odd[:4])} missing or unexpected)")
            total = 0
            for name, info in infos.items():
                with z.open(info) as fh:
                    shape, dtype, offset = _npy_header(fh, f"{where} array {name}")
                want = None if shapes is None else shapes[name]
                if dtype.kind not in kinds or (want is not None and shape != want):
                    raise BundleError(f"{where} array {name} is {dtype} {shape}, the config "
                                      f"needs {'finite floats ' if kinds == 'f' else ''}"
                                      f"{want if want is not None else kinds}")
                size = math.prod(shape) * dtype.itemsize
                if info.file_size != offset + size:
                    raise BundleError(f"{where} array {name} holds {info.file_size - offset} "
                                      f"bytes of data, its header says {size}")
                total += size
            if total > max_bytes:
                raise BundleError(f"{where} holds {total} bytes of arrays (the limit is "
                                  f"{max_bytes})")
            arrays = {}
            for name, info in infos.items():
                with z.open(info) as fh:
                    arrays[name] = np.lib.format.read_array(fh, allow_pickle=False)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error,
            NotImplementedError) as exc:
        raise BundleError(f"{where} is not a readable archive of arrays "
                          f"({str(exc)[:120] or type(exc).__name__})") from None
    return arrays


def _npy_header(fh, what: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, bytes before the data) of an .npy stream; BundleError if it is not
    a plain array's header."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise BundleError(f"{what}: .npy format version {version} is not read")
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise BundleError(f"{what} is {dtype}, not plain numbers")
    return tuple(shape), dtype, fh.tell()


def _net_from_keras(path: Path, vocab_size: int, lstm_layers: int,
                    enc: EncodingConfig | None = None) -> NumpyLSTM:
    """The NumPy network from ``model.keras``, opened in safe mode once it looks like one."""
    file = path / "model.keras"
    try:
        with zipfile.ZipFile(file) as z:
            names = set(z.namelist())
            z.testzip()
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        raise BundleError(f"model bundle {path}: model.keras is not a Keras archive (corrupt "
                          f"or not a zip file: {str(exc)[:80] or type(exc).__name__})") from None
    lacking = [m for m in KERAS_MEMBERS if m not in names]
    if lacking:
        raise BundleError(f"model bundle {path}: model.keras is not a Keras archive (it has "
                          f"no {', '.join(lacking)})")
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    heads.layer_class()  # registered, so that safe mode can rebuild it
    try:
        model = keras.models.load_model(file, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises many types for a file it cannot rebuild
        raise BundleError(f"model bundle {path}: cannot load model.keras "
                          f"({str(exc)[:200] or type(exc).__name__})") from None
    out_dim = model.outputs[0].shape[-1]
    if out_dim != vocab_size:
        raise BundleError(f"model bundle {path}: model.keras predicts {out_dim} tokens but the "
                          f"vocabulary has {vocab_size}")
    try:
        return NumpyLSTM.from_keras(model, lstm_layers, enc)
    except ValueError as exc:
        raise BundleError(f"model bundle {path}: model.keras does not match its config "
                          f"({exc})") from None
