"""jazzgen.model.heads: interval, root and chord-tone terms on the pitch logits."""

import numpy as np
import pytest
from builders import random_inputs

from jazzgen.model import heads
from jazzgen.model.config import EncodingConfig, ModelConfig
from jazzgen.model.encoding import NO_ROOT, Features, Vocabulary
from jazzgen.model.network import NumpyLSTM, build_model, weight_shapes
from jazzgen.model.stepper import StepNet

ENC = EncodingConfig()
V = Vocabulary(ENC)
P = ENC.max_pitch - ENC.min_pitch + 1


def _weights(hidden, rng, scale=1.0):
    return [rng.normal(0, scale, shape) for shape in heads.head_shapes(hidden).values()]


def _terms(w, prev, roots, pcs=None, pos=0):
    pcs = np.zeros((1, 24)) if pcs is None else pcs
    return heads.head_terms(w, np.ones((1, 1)), (np.array([prev]), np.array([pos]),
                                                  np.array([roots]), pcs),
                            ENC.min_pitch, P, np.asarray(ENC.durations))


def test_each_head_adds_its_entry_to_the_right_token():
    zero = [np.zeros(s) for s in heads.head_shapes(1).values()]
    # interval head: only +2 semitones has weight
    w = [a.copy() for a in zero]
    w[1][heads.MAX_INTERVAL + 2] = 5.0
    prev = V.pitch_id(60)
    out, dur = _terms(w, prev, [NO_ROOT, NO_ROOT])
    assert out[0, 62 - ENC.min_pitch] == 5.0 and np.count_nonzero(out) == 1
    assert not dur.any()
    # leaps past an octave share the clipped entry; a rest before means no interval term
    w[1][-1] = 1.0
    out, _ = _terms(w, prev, [NO_ROOT, NO_ROOT])
    assert out[0, 72 - ENC.min_pitch] == out[0, 90 - ENC.min_pitch] == 1.0
    assert not _terms(w, V.rest_id, [NO_ROOT, NO_ROOT])[0].any()
    # root head: the minor third above a D root is F in every octave
    w = [a.copy() for a in zero]
    w[3][3] = 2.0
    out, _ = _terms(w, prev, [2, NO_ROOT])
    fs = [p - ENC.min_pitch for p in range(ENC.min_pitch, ENC.max_pitch + 1) if p % 12 == 5]
    assert set(np.flatnonzero(out[0])) == set(fs)
    assert not _terms(w, prev, [NO_ROOT, 2])[0].any()
    # chord-tone head: tones of the current chord (C E G) and of the next (B only)
    w = [a.copy() for a in zero]
    w[5][:] = [1.0, 10.0]
    pcs = np.zeros((1, 24))
    pcs[0, [0, 4, 7]] = 1
    pcs[0, 12 + 11] = 1
    out, _ = _terms(w, prev, [0, 11], pcs)
    assert out[0, 64 - ENC.min_pitch] == 1.0 and out[0, 71 - ENC.min_pitch] == 10.0
    assert out[0, 62 - ENC.min_pitch] == 0.0
    # beat-phase head: a note at tick 16 of its bar (a swung off-beat), next onset on a beat
    w = [a.copy() for a in zero]
    w[7][0] = 3.0
    out, dur = _terms(w, prev, [0, 11], pcs, pos=16)
    lands = {d for d in ENC.durations if (16 + d) % 24 == 0}
    assert {8, 32} <= lands
    assert {ENC.durations[i] for i in np.flatnonzero(dur[0])} == lands
    assert not out.any()


def test_weight_shapes_list_the_heads_only_when_asked():
    plain = weight_shapes(len(V), ENC, ModelConfig(lstm_size=8))
    rel = weight_shapes(len(V), ENC, ModelConfig(lstm_size=8, relative_heads=True))
    assert set(rel) - set(plain) == set(heads.head_shapes(8))
    assert rel[f"{heads.LAYER}.0"] == (8, heads.INTERVALS)


def test_a_network_with_heads_needs_its_encoding():
    rng = np.random.default_rng(0)
    cfg = ModelConfig(lstm_size=4, lstm_layers=1, embedding_size=3, relative_heads=True)
    arrays = {k: rng.normal(0, 0.1, s) for k, s in weight_shapes(len(V), ENC, cfg).items()}
    with pytest.raises(ValueError, match="encoding"):
        NumpyLSTM.from_arrays(arrays, 1)


def _random_net(hidden=6, seed=0):
    rng = np.random.default_rng(seed)
    cfg = ModelConfig(lstm_size=hidden, lstm_layers=2, embedding_size=5, relative_heads=True)
    arrays = {k: rng.normal(0, 0.3, s) for k, s in weight_shapes(len(V), ENC, cfg).items()}
    return NumpyLSTM.from_arrays(arrays, 2, ENC)


def test_stepnet_adds_the_same_terms_as_the_numpy_twin_on_any_columns():
    net = _random_net()
    step = StepNet(net)
    rng = np.random.default_rng(1)
    b = 3
    toks = np.array([V.pitch_id(60), V.rest_id, V.first_duration_id])
    prev = np.array([V.pitch_id(67), V.pitch_id(50), V.rest_id])
    feats = Features(toks, rng.integers(0, 96, b), rng.integers(0, 13, (b, 2)),
                     rng.integers(0, 2, (b, 24)).astype(np.uint8))
    want, _ = net.step(feats, net.initial_state(b), prev)
    cond = np.stack([step.condition(int(feats.pos[i]), tuple(feats.roots[i]), feats.pcs[i])
                     for i in range(b)])
    for cols in (slice(None), V.events, slice(V.first_duration_id, len(V)), slice(0, 10),
                 slice(V.first_duration_id - 5, V.first_duration_id + 5)):
        got, _ = step.step(toks, cond, step.initial_state(b), cols,
                           (prev, feats.pos, feats.roots, feats.pcs))
        np.testing.assert_allclose(got, want[:, cols], atol=1e-4)
    with pytest.raises(ValueError, match="context"):
        step.step(toks, cond, step.initial_state(b), V.events)
    step.step(toks, cond, step.initial_state(b), slice(0, 0))  # no column: no context needed


@pytest.mark.slow
def test_keras_layer_matches_the_numpy_twin_and_starts_at_zero(tmp_path):
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(0)
    cfg = ModelConfig(embedding_size=8, lstm_size=12, lstm_layers=2, relative_heads=True)
    model = build_model(len(V), ENC, cfg)
    plain = build_model(len(V), ENC, ModelConfig(embedding_size=8, lstm_size=12))
    rng = np.random.default_rng(0)
    t = 9
    x = random_inputs(len(V), 2, t, rng)
    x["tokens"][:, ::2] = rng.integers(V.rest_id, V.first_duration_id, (2, (t + 1) // 2))
    for layer in plain.layers:  # zero heads: the same function as the plain network
        if layer.get_weights():
            model.get_layer(layer.name).set_weights(layer.get_weights())
    np.testing.assert_allclose(model.predict_on_batch(x), plain.predict_on_batch(x), atol=1e-5)
    layer = model.get_layer(heads.LAYER)
    layer.set_weights(_weights(12, rng, 0.5))
    model.save(tmp_path / "m.keras")  # and it comes back in safe mode
    model = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    want = np.asarray(model.predict_on_batch(x))
    assert np.abs(want - np.asarray(plain.predict_on_batch(x))).max() > 0.1
    net = NumpyLSTM.from_keras(model, 2, ENC)
    state = net.initial_state(2)
    for i in range(t):
        logits, state = net.step(Features(x["tokens"][:, i], x["pos"][:, i], x["roots"][:, i],
                                          x["pcs"][:, i]), state,
                                 x["tokens"][:, i - 1] if i else None)
        np.testing.assert_allclose(logits, want[:, i], atol=1e-4)
