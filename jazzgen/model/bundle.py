"""The model bundle: one directory with weights, vocabulary, config and history.

Layout::

    model.keras     the network (architecture + weights, no optimizer state), for Keras
    weights.npz     the same weights as plain float32 arrays, for sampling without TensorFlow
    vocab.json      token strings, in id order
    config.json     format version, jazzgen version, encoding/model/train configs
    history.json    per-epoch losses, baseline, best epoch
    corpus.json     which files trained and validated it, which were skipped and why

Bundles are written into a temporary directory and renamed into place, so a reader never
sees half a bundle. Loading checks the vocabulary and config against this code, reads
``weights.npz`` with ``allow_pickle=False`` and checks every array's name and shape against
the config, so no code from the file runs and TensorFlow is not imported. A bundle written
before ``weights.npz`` existed is read through Keras, in safe mode.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen import __version__
from jazzgen.errors import BundleError
from jazzgen.io import atomic
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
) -> Path:
    """Write the bundle directory atomically (replacing any older bundle at ``path``)."""
    path = Path(path)
    tmp = atomic.temp_dir_beside(path)
    keras_model.save(tmp / "model.keras")
    with open(tmp / WEIGHTS, "wb") as fh:  # plain arrays: np.savez stores no pickles
        np.savez(fh, **NumpyLSTM.from_keras(keras_model, model_cfg.lstm_layers).arrays())
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
    return atomic.replace_dir(tmp, path)


def read_config(path: str | os.PathLike) -> tuple[EncodingConfig, ModelConfig, TrainConfig, dict]:
    """The configs stored in a bundle, checked against this code (no TensorFlow needed)."""
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"no model bundle at {path} (train one with 'jazzgen train')")
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise BundleError(f"model bundle {path} is incomplete: missing {', '.join(missing)}")
    try:
        config = json.loads((path / "config.json").read_text())
        tokens = json.loads((path / "vocab.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BundleError(f"model bundle {path}: unreadable JSON ({exc})") from None
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise BundleError(f"model bundle {path} has format version {version}; this jazzgen "
                          f"reads version {FORMAT_VERSION}: retrain it with 'jazzgen train'")
    try:
        enc = from_dict(EncodingConfig, config["encoding"])
        mcfg = from_dict(ModelConfig, config["model"])
        tcfg = from_dict(TrainConfig, config["train"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"model bundle {path}: config does not match this jazzgen ({exc})") \
            from None
    if list(Vocabulary(enc).tokens) != tokens:
        raise BundleError(f"model bundle {path}: its vocabulary does not match the one this "
                          f"jazzgen builds from its config; retrain it")
    return enc, mcfg, tcfg, config.get("meta", {})


def load_bundle(path: str | os.PathLike) -> Bundle:
    """Load and check a bundle: its weights from ``weights.npz`` (no TensorFlow), or from
    ``model.keras`` in Keras's safe mode for a bundle that has no ``weights.npz``."""
    path = Path(path)
    enc, mcfg, tcfg, meta = read_config(path)
    vocab = Vocabulary(enc)
    history = json.loads((path / "history.json").read_text())
    if (path / WEIGHTS).is_file():
        net = NumpyLSTM.from_arrays(read_weights(path, weight_shapes(len(vocab), enc, mcfg)),
                                    mcfg.lstm_layers)
    else:
        net = _net_from_keras(path, len(vocab), mcfg.lstm_layers)
    return Bundle(path, enc, mcfg, tcfg, vocab, history, meta, net)


def read_weights(path: Path, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays of ``path/weights.npz``, each checked against its expected shape."""
    try:
        with np.load(path / WEIGHTS, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise BundleError(f"model bundle {path}: unreadable {WEIGHTS} ({exc})") from None
    if set(arrays) != set(shapes):
        odd = sorted(set(arrays) ^ set(shapes))
        raise BundleError(f"model bundle {path}: {WEIGHTS} does not match its config "
                          f"(arrays {', '.join(odd[:4])} missing or unexpected)")
    for name, shape in shapes.items():
        a = arrays[name]
        if a.shape != shape or a.dtype.kind != "f" or not np.isfinite(a).all():
            raise BundleError(f"model bundle {path}: {WEIGHTS} array {name} is {a.dtype} "
                              f"{a.shape}, the config needs finite floats {shape}")
    return arrays


def _net_from_keras(path: Path, vocab_size: int, lstm_layers: int) -> NumpyLSTM:
    """The NumPy network from ``model.keras``, opened in safe mode."""
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    try:
        model = keras.models.load_model(path / "model.keras", compile=False, safe_mode=True)
    except Exception as exc:
        raise BundleError(f"model bundle {path}: cannot load model.keras ({exc})") from None
    out_dim = model.outputs[0].shape[-1]
    if out_dim != vocab_size:
        raise BundleError(f"model bundle {path}: network predicts {out_dim} tokens but the "
                          f"vocabulary has {vocab_size}")
    try:
        return NumpyLSTM.from_keras(model, lstm_layers)
    except ValueError as exc:
        raise BundleError(f"model bundle {path}: network does not match its config ({exc})") \
            from None
