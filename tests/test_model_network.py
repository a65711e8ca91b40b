"""jazzgen.model.network: the Keras network and its NumPy twin used for sampling."""

import math

import numpy as np
import pytest
from builders import random_inputs

from jazzgen.model.config import EncodingConfig, ModelConfig
from jazzgen.model.encoding import Features, Vocabulary
from jazzgen.model.network import NumpyLSTM, build_model

V = Vocabulary(EncodingConfig())


@pytest.mark.slow
def test_numpy_twin_matches_keras_step_by_step():
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(0)
    cfg = ModelConfig(embedding_size=8, lstm_size=12, lstm_layers=2)
    model = build_model(len(V), EncodingConfig(), cfg)
    rng = np.random.default_rng(0)
    t = 7
    x = random_inputs(len(V), 2, t, rng)
    want = np.asarray(model.predict_on_batch(x))
    net = NumpyLSTM.from_keras(model, cfg.lstm_layers)
    state = net.initial_state(2)
    for i in range(t):
        logits, state = net.step(Features(x["tokens"][:, i], x["pos"][:, i], x["roots"][:, i],
                                          x["pcs"][:, i]), state)
        np.testing.assert_allclose(logits, want[:, i], atol=1e-4)


@pytest.mark.slow
def test_untrained_loss_is_about_log_vocab():
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(1)
    model = build_model(len(V), EncodingConfig(), ModelConfig(lstm_size=16, lstm_layers=1))
    x = {"tokens": np.ones((4, 10), "int32"), "pos": np.zeros((4, 10), "int32"),
         "roots": np.full((4, 10, 2), 12, "int32"), "pcs": np.zeros((4, 10, 24), "float32")}
    logits = np.asarray(model.predict_on_batch(x), dtype=np.float64)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    assert abs(-logp[..., 5].mean() - math.log(len(V))) < 0.1


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_numpy_step_uses_the_keras_gate_order_and_carries_the_state():
    # One unit whose gates see only their biases, in Keras order: input, forget, cell, output.
    bi, bf, bg, bo = 0.3, -0.7, 1.1, 2.0
    vocab, width = 3, 1 + 1 + 2 * 1 + 24  # token, position, two roots, pitch classes
    weights = {
        "token_embedding": [np.zeros((vocab, 1))],
        "position_embedding": [np.zeros((4, 1))],
        "root_embedding": [np.zeros((13, 1))],
        "lstm_0": [np.zeros((width, 4)), np.zeros((1, 4)), np.array([bi, bf, bg, bo])],
        "logits": [np.array([[1.0, -2.0, 0.5]]), np.array([0.1, 0.2, 0.3])],
    }
    net = NumpyLSTM(weights, lstm_layers=1)
    assert net.hidden == 1
    state = net.initial_state(2)
    assert [(h.shape, c.shape, h.any() or c.any()) for h, c in state] == [((2, 1), (2, 1), False)]
    feats = Features(np.array([0, 2]), np.array([0, 3]), np.full((2, 2), 12),
                     np.zeros((2, 24)))
    c = 0.0
    for _ in range(3):
        logits, state = net.step(feats, state)
        c = _sigmoid(bf) * c + _sigmoid(bi) * math.tanh(bg)
        h = _sigmoid(bo) * math.tanh(c)
        np.testing.assert_allclose(logits, [[h * 1.0 + 0.1, h * -2.0 + 0.2, h * 0.5 + 0.3]] * 2)
        np.testing.assert_allclose(state[0][1], [[c], [c]])
