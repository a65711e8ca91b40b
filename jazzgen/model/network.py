"""The Keras LSTM network, and a NumPy twin of it that steps one event at a time.

Training uses Keras (TensorFlow backend; cuDNN on a GPU, unchanged code). Sampling runs
the same weights in NumPy: one step per event with the LSTM state carried, no graph
tracing, identical results on every machine, and batch sampling for free.

Input per step: a ``Features`` of leading shape [B, T] (Keras) or [B] (one NumPy step):
the current token, the bar position of the next onset, the roots of the chord there and of
the chord after it, and their pitch classes. Output: logits [B, T, vocab] over the next token,
with the terms of ``jazzgen.model.heads`` added to the pitch tokens' when the config asks for
relative heads.
"""

from __future__ import annotations

import numpy as np

from jazzgen.model import heads
from jazzgen.model.config import EncodingConfig, ModelConfig
from jazzgen.model.encoding import CHORD_FEATURES, NO_ROOT, Features

POSITION_EMBEDDING = 16
ROOT_EMBEDDING = 8


def build_model(vocab_size: int, enc: EncodingConfig, cfg: ModelConfig):
    """The many-to-many LSTM as an uncompiled Keras model."""
    import keras
    from keras import layers

    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    pos = keras.Input(shape=(None,), dtype="int32", name="pos")
    roots = keras.Input(shape=(None, 2), dtype="int32", name="roots")
    pcs = keras.Input(shape=(None, CHORD_FEATURES), dtype="float32", name="pcs")
    x_tok = layers.Embedding(vocab_size, cfg.embedding_size, name="token_embedding")(tokens)
    x_pos = layers.Embedding(enc.positions, POSITION_EMBEDDING, name="position_embedding")(pos)
    x_root = layers.Embedding(NO_ROOT + 1, ROOT_EMBEDDING, name="root_embedding")(roots)
    x_root = layers.Reshape((-1, 2 * ROOT_EMBEDDING), name="roots_flat")(x_root)
    x = layers.Concatenate(name="step_features")([x_tok, x_pos, x_root, pcs])
    for i in range(cfg.lstm_layers):
        x = layers.LSTM(cfg.lstm_size, return_sequences=True, name=f"lstm_{i}")(x)
        x = layers.Dropout(cfg.dropout, name=f"dropout_{i}")(x)
    logits = layers.Dense(vocab_size, name="logits")(x)
    if cfg.relative_heads:
        logits = heads.layer_class()(enc.min_pitch, enc.max_pitch - enc.min_pitch + 1,
                                     enc.durations, name=heads.LAYER)(
            [logits, x, tokens, pos, roots, pcs])
    return keras.Model(inputs=[tokens, pos, roots, pcs], outputs=logits, name="jazzgen_lstm")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def weight_shapes(vocab_size: int, enc: EncodingConfig, cfg: ModelConfig
                  ) -> dict[str, tuple[int, ...]]:
    """Name (``layer.index``) -> shape of every weight array of :func:`build_model`'s network,
    in Keras's layout (LSTM kernels with the input, forget, cell, output gates side by side)."""
    shapes = {"token_embedding.0": (vocab_size, cfg.embedding_size),
              "position_embedding.0": (enc.positions, POSITION_EMBEDDING),
              "root_embedding.0": (NO_ROOT + 1, ROOT_EMBEDDING)}
    n_in = cfg.embedding_size + POSITION_EMBEDDING + 2 * ROOT_EMBEDDING + CHORD_FEATURES
    for i in range(cfg.lstm_layers):
        shapes[f"lstm_{i}.0"] = (n_in, 4 * cfg.lstm_size)
        shapes[f"lstm_{i}.1"] = (cfg.lstm_size, 4 * cfg.lstm_size)
        shapes[f"lstm_{i}.2"] = (4 * cfg.lstm_size,)
        n_in = cfg.lstm_size
    shapes["logits.0"] = (cfg.lstm_size, vocab_size)
    shapes["logits.1"] = (vocab_size,)
    if cfg.relative_heads:
        shapes.update(heads.head_shapes(cfg.lstm_size))
    return shapes


class NumpyLSTM:
    """The trained network as plain arrays, stepped one event at a time (float64)."""

    def __init__(self, weights: dict[str, list[np.ndarray]], lstm_layers: int,
                 enc: EncodingConfig | None = None) -> None:
        w = {k: [np.asarray(a, dtype=np.float64) for a in v] for k, v in weights.items()}
        self.heads = w.get(heads.LAYER)  # None: a plain output layer
        self.enc = enc  # the token layout the heads need
        if self.heads is not None and enc is None:
            raise ValueError("a network with relative heads needs its encoding")
        self.tok = w["token_embedding"][0]
        self.pos = w["position_embedding"][0]
        self.root = w["root_embedding"][0]
        self.lstm = [w[f"lstm_{i}"] for i in range(lstm_layers)]
        self.dense_w, self.dense_b = w["logits"]
        self.hidden = self.lstm[0][1].shape[0]

    @classmethod
    def from_keras(cls, model, lstm_layers: int, enc: EncodingConfig | None = None
                   ) -> NumpyLSTM:
        """Copy the weights out of a Keras model built by :func:`build_model`."""
        names = ["token_embedding", "position_embedding", "root_embedding", "logits"]
        names += [f"lstm_{i}" for i in range(lstm_layers)]
        if any(layer.name == heads.LAYER for layer in model.layers):
            names.append(heads.LAYER)
        return cls({n: model.get_layer(n).get_weights() for n in names}, lstm_layers, enc)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], lstm_layers: int,
                    enc: EncodingConfig | None = None) -> NumpyLSTM:
        """Rebuild from the flat ``layer.index`` arrays that :meth:`arrays` gives."""
        layers: dict[str, list[tuple[int, np.ndarray]]] = {}
        for key, value in arrays.items():
            layer, index = key.rsplit(".", 1)
            layers.setdefault(layer, []).append((int(index), value))
        return cls({k: [a for _, a in sorted(v, key=lambda t: t[0])] for k, v in layers.items()},
                   lstm_layers, enc)

    def arrays(self, dtype=np.float32) -> dict[str, np.ndarray]:
        """Every weight as a flat ``layer.index`` -> array mapping (see :func:`weight_shapes`)."""
        out = {"token_embedding.0": self.tok, "position_embedding.0": self.pos,
               "root_embedding.0": self.root, "logits.0": self.dense_w,
               "logits.1": self.dense_b}
        for i, layer in enumerate(self.lstm):
            out.update({f"lstm_{i}.{k}": a for k, a in enumerate(layer)})
        if self.heads is not None:
            out.update({f"{heads.LAYER}.{k}": a for k, a in enumerate(self.heads)})
        return {k: np.asarray(v, dtype=dtype) for k, v in out.items()}

    def initial_state(self, batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Zero (h, c) for every layer."""
        z = np.zeros((batch, self.hidden))
        return [(z.copy(), z.copy()) for _ in self.lstm]

    def step(self, feats: Features, state, prev: np.ndarray | None = None):
        """One step for a batch: ``feats`` of leading shape [B] -> (logits [B, V], state).
        ``prev`` [B] are the tokens of the step before (None at the first step): relative
        heads score intervals from them."""
        b = len(feats)
        x = np.concatenate(
            [self.tok[feats.tokens], self.pos[feats.pos], self.root[feats.roots].reshape(b, -1),
             np.asarray(feats.pcs, dtype=np.float64)],
            axis=1,
        )
        new_state = []
        for (kernel, recurrent, bias), (h, c) in zip(self.lstm, state, strict=True):
            z = x @ kernel + h @ recurrent + bias
            i, f, g, o = np.split(z, 4, axis=1)  # Keras gate order: input, forget, cell, output
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            new_state.append((h, c))
            x = h
        logits = x @ self.dense_w + self.dense_b
        if self.heads is not None:
            n = self.enc.max_pitch - self.enc.min_pitch + 1
            context = (np.full(b, -1) if prev is None else prev, feats.pos, feats.roots,
                       feats.pcs)
            pitch, duration = heads.head_terms(self.heads, x, context, self.enc.min_pitch, n,
                                               np.asarray(self.enc.durations))
            logits[:, heads.FIRST_PITCH:] += np.concatenate([pitch, duration], axis=1)
        return logits, new_state
