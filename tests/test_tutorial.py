"""docs/tutorial.md runs as written: its Python blocks are executed in order."""

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # the tutorial trains a model
def test_tutorial_code_runs(tmp_path, monkeypatch, capsys):
    text = (ROOT / "docs" / "tutorial.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 5
    shutil.copytree(ROOT / "midi_corpus", tmp_path / "midi_corpus")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/tutorial.md", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "(2, 5, 8, 10)" in out and "validation NLL" in out
    assert (tmp_path / "out" / "tutorial.mid").exists()
