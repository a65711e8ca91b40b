"""The Keras network and its NumPy twin used for sampling."""

import math

import numpy as np

from jazzgen.model.config import EncodingConfig, ModelConfig
from jazzgen.model.encoding import Features, Vocabulary
from jazzgen.model.network import NumpyLSTM, build_model

V = Vocabulary(EncodingConfig())


def test_numpy_twin_matches_keras_step_by_step():
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(0)
    cfg = ModelConfig(embedding_size=8, lstm_size=12, lstm_layers=2)
    model = build_model(len(V), EncodingConfig(), cfg)
    rng = np.random.default_rng(0)
    t = 7
    x = {"tokens": rng.integers(0, len(V), (2, t)).astype("int32"),
         "pos": rng.integers(0, 96, (2, t)).astype("int32"),
         "roots": rng.integers(0, 13, (2, t, 2)).astype("int32"),
         "pcs": rng.integers(0, 2, (2, t, 24)).astype("float32")}
    want = np.asarray(model.predict_on_batch(x))
    net = NumpyLSTM.from_keras(model, cfg.lstm_layers)
    state = net.initial_state(2)
    for i in range(t):
        logits, state = net.step(Features(x["tokens"][:, i], x["pos"][:, i], x["roots"][:, i],
                                          x["pcs"][:, i]), state)
        np.testing.assert_allclose(logits, want[:, i], atol=1e-4)


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
