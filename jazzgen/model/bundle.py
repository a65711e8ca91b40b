"""The model bundle: one directory with weights, vocabulary, config and history.

Layout::

    model.keras     the network (architecture + weights, no optimizer state)
    vocab.json      token strings, in id order
    config.json     format version, jazzgen version, encoding/model/train configs
    history.json    per-epoch losses, baseline, best epoch
    corpus.json     which files trained and validated it, which were skipped and why

Bundles are written into a temporary directory and renamed into place, so a reader never
sees half a bundle. Loading checks the vocabulary and config against this code and loads
Keras in safe mode (no code from the file runs).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

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
from jazzgen.model.network import NumpyLSTM

FILES = ("model.keras", "vocab.json", "config.json", "history.json")


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
    """Load and check a bundle; the Keras file is opened in safe mode."""
    path = Path(path)
    enc, mcfg, tcfg, meta = read_config(path)
    vocab = Vocabulary(enc)
    history = json.loads((path / "history.json").read_text())
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    try:
        model = keras.models.load_model(path / "model.keras", compile=False, safe_mode=True)
    except Exception as exc:
        raise BundleError(f"model bundle {path}: cannot load model.keras ({exc})") from None
    out_dim = model.outputs[0].shape[-1]
    if out_dim != len(vocab):
        raise BundleError(f"model bundle {path}: network predicts {out_dim} tokens but the "
                          f"vocabulary has {len(vocab)}")
    try:
        net = NumpyLSTM.from_keras(model, mcfg.lstm_layers)
    except ValueError as exc:
        raise BundleError(f"model bundle {path}: network does not match its config ({exc})") \
            from None
    return Bundle(path, enc, mcfg, tcfg, vocab, history, meta, net)
