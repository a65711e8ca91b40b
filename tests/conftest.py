"""Fixtures shared by the tests, and the guard that keeps the quick run free of TensorFlow.

Builders (tiny scores, corpora, chord tables) live in ``builders.py``; tests import them
from there, never from this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from builders import write_corpus

SMOKE_EXPRESSION = "not slow"
"""The -m expression of ``make smoke``: a run with it must never import TensorFlow."""


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """Four short solos over ii-V-I changes."""
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def tiny_model(tiny_corpus, tmp_path_factory) -> Path:
    """A small bundle trained for one epoch on the tiny corpus (shared by many tests).

    It imports TensorFlow: every test that uses it is marked ``slow``.
    """
    from jazzgen.model.config import ModelConfig, TrainConfig
    from jazzgen.model.train import train

    out = tmp_path_factory.mktemp("models") / "tiny"
    train(tiny_corpus, out, model_cfg=ModelConfig(embedding_size=8, lstm_size=16, lstm_layers=1),
          train_cfg=TrainConfig(epochs=1, sequence_length=32, batch_size=16, seed=0),
          log=lambda _m: None, verbose=0)
    return out


@pytest.fixture(autouse=True, scope="session")
def _private_score_cache(tmp_path_factory):
    """Tests never read or write the user's parse cache."""
    import os

    os.environ["JAZZGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("score-cache"))


@pytest.fixture(autouse=True, scope="session")
def _no_user_settings(tmp_path_factory):
    """Commands never see the developer's jazzgen.toml (an empty settings file stands in) or
    JAZZGEN_<COMMAND>_<OPTION> variables; JAZZGEN_SOUNDFONT and the like are left alone."""
    import os

    from jazzgen.cli import main
    from jazzgen.cli.config import CONFIG_ENV, ENV_PREFIX

    empty = tmp_path_factory.mktemp("settings") / "jazzgen.toml"
    empty.write_text("")
    os.environ[CONFIG_ENV] = str(empty)
    prefixes = tuple(f"{ENV_PREFIX}_{name.upper().replace('-', '_')}_" for name in main.commands)
    for name in [n for n in os.environ if n.startswith(prefixes)]:
        del os.environ[name]


def pytest_sessionfinish(session, exitstatus):
    """Fail a ``-m "not slow"`` run that imported TensorFlow: some test that needs it is
    missing its ``slow`` mark (the marker is what keeps ``make smoke`` quick)."""
    if session.config.getoption("markexpr") != SMOKE_EXPRESSION:
        return
    if "tensorflow" in sys.modules:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")  # end the progress line
            reporter.write_sep(
                "=", f'a -m "{SMOKE_EXPRESSION}" run imported tensorflow: mark the test that '
                "needs it with @pytest.mark.slow", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
