"""jazzgen.evaluate.runner: the one entry point of ``jazzgen evaluate``, its two modes and the
files it writes (the likelihood mode needs a model and is tested in test_evaluate_likelihood
and test_cli_app)."""

from __future__ import annotations

import json

import pytest

from jazzgen.errors import EvaluateError
from jazzgen.evaluate.report import MusicReport
from jazzgen.evaluate.runner import Evaluation, run_evaluation


def test_music_mode_writes_the_plot_then_the_json(tiny_corpus, tmp_path):
    ev = Evaluation(generated=tiny_corpus, reference=tiny_corpus, train=tiny_corpus,
                    json_path=tmp_path / "out" / "report.json", plot=tmp_path / "hist.png",
                    seed=3)
    report, written = run_evaluation(ev)
    assert isinstance(report, MusicReport)
    assert written == [tmp_path / "hist.png", tmp_path / "out" / "report.json"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(written[1].read_text())
    assert data["generated"]["pieces"] == data["reference"]["pieces"] == 4
    assert data == json.loads(json.dumps(report.to_dict(), default=str))


def test_without_files_asked_for_nothing_is_written(tiny_corpus):
    report, written = run_evaluation(Evaluation(generated=tiny_corpus, reference=tiny_corpus))
    assert written == [] and "pitch-class entropy H1" in report.table()


@pytest.mark.parametrize("ev,message", [
    (Evaluation(model="models/m"), "held-out test pieces"),
    (Evaluation(), "compared with a folder of real ones"),
    (Evaluation(generated="out/"), "compared with a folder of real ones"),
])
def test_a_half_given_evaluation_is_refused(ev, message):
    with pytest.raises(EvaluateError, match=message):
        run_evaluation(ev)
