"""jazzgen.model.backend: Keras on the TensorFlow backend, imported only when asked for and
without TensorFlow's start-up chatter."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from jazzgen.model.backend import import_keras


def test_a_keras_already_loaded_is_returned_as_it_is(monkeypatch):
    loaded = types.ModuleType("keras")
    monkeypatch.setitem(sys.modules, "keras", loaded)
    assert import_keras() is loaded


@pytest.mark.slow
def test_keras_comes_on_tensorflow_with_nothing_on_stderr():
    code = ("import os, sys; from jazzgen.model.backend import import_keras; k = import_keras(); "
            "print(k.backend.backend(), 'tensorflow' in sys.modules, "
            "os.environ['TF_CPP_MIN_LOG_LEVEL']); sys.stderr.write('still here\\n')")
    env = {k: v for k, v in os.environ.items()
           if k not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, timeout=300)
    assert out.stdout.split() == ["tensorflow", "True", "3"]
    assert out.stderr == "still here\n"  # TensorFlow's import said nothing; stderr is back
