"""jazzgen.evaluate.report: generated-vs-reference reports on tiny folders."""

import json
import shutil

import numpy as np
import pytest
from builders import make_score, motif_line, write_corpus, write_scores

from jazzgen.errors import EvaluateError
from jazzgen.evaluate.report import evaluate_generated


@pytest.fixture(scope="module")
def swing_folder(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("swing"), n=10, bars=8)


def test_identical_sets_look_alike_and_are_copies(swing_folder, tmp_path):
    same = shutil.copytree(swing_folder, tmp_path / "same")
    report = evaluate_generated(same, swing_folder, train_dir=swing_folder, seed=0)
    g, r = report.generated, report.reference
    assert g.pieces == r.pieces == 10
    for name in ("H1", "H4", "GS", "CPI", "pitch_range"):
        assert g.stats[name] == r.stats[name] and g.stats[name].n == 10
    assert g.harmony == r.harmony and 0 < g.harmony["chord_tone_share"] < 1
    assert g.copy["rate"] == 1.0 and g.copy["longest_run_notes"] > 30
    for name in ("total_pitch_count", "pitch_range", "avg_pitch_interval", "avg_ioi",
                 "note_length_histogram"):
        assert report.features[name]["oa"] > 0.75
    assert 0.2 <= report.two_sample_accuracy <= 0.8
    assert report.histograms["interval"]["generated"] == report.histograms["interval"][
        "reference"]


def test_a_different_style_is_told_apart(swing_folder, tmp_path):
    rng = np.random.default_rng(1)
    quarters = [make_score([(int(rng.integers(40, 52)), 24 * i, 24) for i in range(32)],
                           [("Cmaj7", 0, 768)], title=f"q{k}") for k in range(10)]
    gen = write_scores(tmp_path / "gen", quarters)
    report = evaluate_generated(gen, swing_folder, seed=0)
    assert report.two_sample_accuracy >= 0.9
    assert report.features["avg_ioi"]["oa"] < 0.2
    assert report.generated.copy is None and report.train_pieces is None
    assert "copying n/a" in report.table()


def test_small_sets_report_na_with_the_reason(swing_folder, tmp_path):
    one = write_scores(tmp_path / "one", [motif_line("one", bars=1)])  # 8 notes
    report = evaluate_generated(one, swing_folder, seed=0)
    assert report.features is None and ">= 2 pieces" in report.features_reason
    assert report.two_sample_accuracy is None and "too few phrases" in report.two_sample_reason
    assert report.generated.stats["GS"].mean is None  # one bar: GS needs two
    assert "1 bar" in report.generated.stats["GS"].reason
    assert report.generated.stats["H1"].n == 1
    text = report.table()
    assert "KL/OA n/a" in text and "two-sample accuracy n/a" in text
    json.dumps(report.to_dict(), allow_nan=False)


def test_table_json_and_plot(swing_folder, tmp_path):
    report = evaluate_generated(swing_folder, swing_folder, train_dir=swing_folder)
    lines = report.table().splitlines()
    assert any(line.startswith("pitch-class entropy H1") for line in lines)
    assert any(line.startswith("two-sample accuracy") for line in lines)
    data = report.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert [len(h["labels"]) for h in data["histograms"].values()] == [12, 12, 12, 25]
    out = report.plot(tmp_path / "plots" / "hist.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in out.parent.iterdir()] == ["hist.png"]  # no temp file left


def test_bad_input_is_one_clear_error(tiny_corpus, tmp_path):
    with pytest.raises(EvaluateError, match="generated folder not found: .*nowhere"):
        evaluate_generated(tmp_path / "nowhere", tiny_corpus)
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvaluateError, match="reference set: no MIDI or MusicXML files"):
        evaluate_generated(tiny_corpus, tmp_path / "empty")
