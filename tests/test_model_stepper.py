"""jazzgen.model.stepper: the float32 stepping tables give the NumPy network's logits."""

from __future__ import annotations

import numpy as np
import pytest
from builders import seeded_net

from jazzgen.model.encoding import NO_ROOT, Features
from jazzgen.model.stepper import StepNet


def _run_both(net, tokens, positions, roots, pcs, columns=slice(None)):
    """Logits of ``net`` and of its StepNet over the same steps, one batch of len(tokens[0])."""
    fast = StepNet(net)
    batch = len(tokens[0])
    slow_state, fast_state = net.initial_state(batch), fast.initial_state(batch)
    out = []
    for tok, pos, root, pc in zip(tokens, positions, roots, pcs, strict=True):
        want, slow_state = net.step(Features(np.array(tok), np.array(pos), np.array(root),
                                             np.array(pc)), slow_state)
        cond = np.stack([fast.condition(p, tuple(r), c) for p, r, c in zip(pos, root, pc,
                                                                             strict=True)])
        got, fast_state = fast.step(np.array(tok), cond, fast_state, columns)
        out.append((want[:, columns], got))
    return out


@pytest.mark.parametrize("layers,batch", [(1, 1), (1, 3), (2, 1), (2, 2)])
def test_stepnet_matches_the_float64_network(layers, batch):
    net = seeded_net(seed=layers, hidden=6, layers=layers)
    rng = np.random.default_rng(batch)
    steps = 5
    tokens = rng.integers(0, len(net.tok), (steps, batch)).tolist()
    positions = rng.integers(0, len(net.pos), (steps, batch)).tolist()
    roots = rng.integers(0, NO_ROOT + 1, (steps, batch, 2)).tolist()
    pcs = rng.integers(0, 2, (steps, batch, 24)).astype(float)
    for want, got in _run_both(net, tokens, positions, roots, pcs):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_stepnet_computes_only_the_columns_asked_for():
    net = seeded_net(seed=9, hidden=5, layers=2)
    cols = slice(3, 11)
    pcs = np.zeros((2, 1, 24))
    for want, got in _run_both(net, [[4], [7]], [[0], [12]], [[[0, 7]], [[7, NO_ROOT]]], pcs,
                               cols):
        assert got.shape == (1, 8)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
