"""The sampling rule: grammar mask, temperature, top-p, seeded draws."""

import numpy as np
import pytest

from jazzgen.generate.sampling import SampleConfig, choose


def test_choose_never_leaves_the_mask():
    rng = np.random.default_rng(0)
    logits = np.array([5.0, 4.0, 3.0, 0.0, -1.0])
    allowed = np.array([False, True, True, True, False])
    draws = {choose(logits, allowed, SampleConfig(temperature=2.0, top_p=1.0), rng)
             for _ in range(300)}
    assert draws == {1, 2, 3}


def test_top_p_keeps_the_nucleus_only():
    rng = np.random.default_rng(0)
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    allowed = np.ones(4, bool)
    draws = {choose(logits, allowed, SampleConfig(top_p=0.7), rng) for _ in range(300)}
    assert draws == {0, 1}


def test_draws_follow_the_distribution_not_argmax():
    rng = np.random.default_rng(1)
    logits = np.log(np.array([0.6, 0.4]))
    picks = [choose(logits, np.ones(2, bool), SampleConfig(top_p=1.0), rng) for _ in range(2000)]
    assert 0.35 < np.mean(picks) < 0.45


def test_low_temperature_sharpens():
    rng = np.random.default_rng(2)
    logits = np.log(np.array([0.6, 0.4]))
    cfg = SampleConfig(temperature=0.1, top_p=1.0)
    picks = [choose(logits, np.ones(2, bool), cfg, rng) for _ in range(500)]
    assert np.mean(picks) < 0.05


@pytest.mark.parametrize("kw", [{"temperature": 0}, {"top_p": 0}, {"top_p": 1.5}])
def test_bad_settings_are_rejected(kw):
    with pytest.raises(ValueError):
        SampleConfig(**kw)
