"""jazzgen.evaluate.calibrate: the profile and gap, the ranking of settings on held-out
pieces with a seeded NumPy network, storing the choice in a bundle, and the command."""

import json
import math

import pytest
from builders import random_line, seeded_net
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.errors import EvaluateError
from jazzgen.evaluate import calibrate as cal
from jazzgen.evaluate.musdr import grooving_similarity, harmony_scores, pitch_class_entropy
from jazzgen.generate.sampling import SampleConfig
from jazzgen.model.config import EncodingConfig
from jazzgen.model.encoding import Vocabulary

V = Vocabulary(EncodingConfig())
PIECES = [random_line(40 + i, bars=4) for i in range(3)]


def test_profile_is_the_mean_of_the_piece_measures_and_the_pooled_harmony():
    prof = cal.profile(PIECES)
    assert prof["H1"] == pytest.approx(sum(pitch_class_entropy(p, 1) for p in PIECES) / 3)
    assert prof["H4"] == pytest.approx(sum(pitch_class_entropy(p, 4) for p in PIECES) / 3)
    assert prof["GS"] == pytest.approx(sum(grooving_similarity(p) for p in PIECES) / 3)
    h = [harmony_scores(p) for p in PIECES]
    n = sum(x["on_beat_notes"] for x in h)
    assert prof["chord_tones"] == pytest.approx(sum(x["chord_tones"] for x in h) / n)
    assert prof["chord_or_scale_tones"] == pytest.approx(
        sum(x["chord_or_scale_tones"] for x in h) / n)


def test_the_gap_counts_each_measure_in_units_of_its_tolerance():
    real = {"H1": 2.0, "H4": 3.0, "GS": 0.8, "chord_tones": 0.5, "chord_or_scale_tones": 0.8}
    assert cal.gap(real, real) == 0.0
    assert cal.gap({**real, "H1": 2.1}, real) == pytest.approx(1.0)  # 5% of 2.0
    assert cal.gap({**real, "chord_tones": 0.4}, real) == pytest.approx(4.0)  # 2 x 5 points
    assert cal.gap({**real, "chord_or_scale_tones": 0.77}, real) == pytest.approx(1.0)
    real["classifier"] = 0.5
    assert cal.gap({**real, "classifier": 0.7}, real) == pytest.approx(4.0)  # 2 x 10 points
    assert cal.gap({**real, "classifier": None}, real) == 0.0  # too few phrases: no term


def test_settings_are_ranked_by_gap_and_the_run_is_reproducible():
    settings = cal.grid((0.5, 1.5), (1.0,), (1.0,))
    assert [s.temperature for s in settings] == [0.5, 1.5]
    net = seeded_net(4)
    seen = []
    pieces = [random_line(40 + i, bars=16) for i in range(3)]  # enough 4-bar phrases
    result = cal.calibrate(net, V, pieces, settings, seeds=2,
                           progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 2), (2, 2)]
    assert [t.gap for t in result.trials] == sorted(t.gap for t in result.trials)
    assert result.best == result.trials[0].setting and (result.pieces, result.seeds) == (3, 2)
    for t in result.trials:
        assert len(t.profiles) == 2
        assert t.gap == pytest.approx(sum(cal.gap(p, result.real) for p in t.profiles) / 2)
        assert all(math.isfinite(v) for v in t.mean.values())
        assert all(0.0 <= p["classifier"] <= 1.0 for p in t.profiles)
    assert result.real["classifier"] == 0.5
    # an untrained network's solos are easy to tell from the real lines
    assert result.trials[0].mean["classifier"] > 0.6
    short = cal.calibrate(net, V, PIECES, settings[:1], seeds=1)  # 4 bars: too few phrases
    assert short.trials[0].mean["classifier"] is None and "n/a" in short.table()
    again = cal.calibrate(net, V, pieces, settings, seeds=2)
    assert again.to_dict() == result.to_dict()
    assert "real" in result.table() and json.loads(json.dumps(result.to_dict()))


def test_the_refinement_tries_half_a_grid_step_around_the_best_setting():
    best = SampleConfig(temperature=1.0, top_p=1.0, duration_temperature=1.0)
    near = cal.neighbours(best, cal.grid())
    assert len(near) == 8 and best not in near
    assert {s.temperature for s in near} == {0.95, 1.0, 1.05}
    assert {s.duration_temperature for s in near} == {0.925, 1.0, 1.075}
    assert {s.top_p for s in near} == {1.0}
    # an axis with one value stays put; no temperature at or below zero is tried
    one = cal.grid((0.05, 0.15), (0.9,), (0.95,))
    assert cal.neighbours(one[0], one) == [SampleConfig(0.1, 0.95, duration_temperature=0.9)]
    assert cal.neighbours(one[0], one[:1]) == []  # one value on every axis: nothing to refine
    # a calibration merged with its refinement ranks every trial together
    pieces = [random_line(40 + i, bars=16) for i in range(2)]
    a = cal.calibrate(seeded_net(4), V, pieces, one, seeds=1)
    b = cal.calibrate(seeded_net(4), V, pieces, cal.neighbours(a.best, one), seeds=1)
    both = a.merged(b)
    assert len(both.trials) == 3 and [t.gap for t in both.trials] == sorted(
        t.gap for t in a.trials + b.trials)


def test_pieces_without_chords_or_settings_are_refused():
    no_chords = [random_line(1, bars=2)]
    no_chords = [type(no_chords[0])(notes=no_chords[0].notes)]
    with pytest.raises(EvaluateError, match="chord changes"):
        cal.calibrate(seeded_net(), V, no_chords, cal.grid())
    with pytest.raises(EvaluateError, match="at least one seed"):
        cal.calibrate(seeded_net(), V, PIECES, [], seeds=1)


def test_store_writes_the_choice_where_generate_reads_it(tmp_path):
    from jazzgen.generate.solo import calibrated_sampling

    (tmp_path / "config.json").write_text(json.dumps({"meta": {"median_tempo": 150}}))
    result = cal.calibrate(seeded_net(1), V, PIECES[:1], cal.grid((0.7,), (0.6,), (0.9,)),
                           seeds=1)
    written = cal.store(tmp_path, result)
    assert [p.name for p in written] == ["config.json", "calibration.json"]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["meta"]["median_tempo"] == 150
    assert config["meta"]["sampling"] == {"temperature": 0.7, "top_p": 0.9,
                                          "duration_temperature": 0.6}

    class Stub:
        path, meta = tmp_path, config["meta"]

    assert calibrated_sampling(Stub()) == SampleConfig(0.7, 0.9, duration_temperature=0.6)
    table = json.loads((tmp_path / "calibration.json").read_text())
    assert table["chosen"] == config["meta"]["sampling"] and "tolerance" in table["method"]


def test_the_command_refuses_a_missing_model_and_bad_lists(tmp_path):
    r = CliRunner().invoke(main, ["calibrate", "--model", str(tmp_path / "none")])
    assert r.exit_code == 1 and "model folder not found" in r.output
    r = CliRunner().invoke(main, ["calibrate", "--temperatures", "warm"])
    assert r.exit_code == 2 and "numbers separated by commas" in r.output


@pytest.mark.slow
def test_the_command_calibrates_a_bundle_on_its_validation_files(tmp_path, tiny_model):
    import shutil

    from jazzgen.model.bundle import load_bundle

    model = tmp_path / "m"
    shutil.copytree(tiny_model, model)
    before = (model / "config.json").read_text()
    args = ["calibrate", "--model", str(model), "--seeds", "1", "--temperatures", "0.8,1",
            "--duration-temperatures", "0.9", "--top-ps", "0.95"]
    r = CliRunner().invoke(main, [*args, "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "Chosen: temperature" in r.output and "Wrote" not in r.output
    assert (model / "config.json").read_text() == before
    r = CliRunner().invoke(main, [*args, "--no-refine"])
    assert r.exit_code == 0, r.output
    assert len(json.loads((model / "calibration.json").read_text())["trials"]) == 2
    assert load_bundle(model).meta["sampling"]["temperature"] in (0.8, 1.0)
    r = CliRunner().invoke(main, args)  # refined: the best one's neighbours 0.1 away too
    assert r.exit_code == 0, r.output
    stored = load_bundle(model).meta["sampling"]
    assert stored["temperature"] in (0.7, 0.8, 0.9, 1.0, 1.1)
    assert stored["duration_temperature"] == 0.9
    trials = json.loads((model / "calibration.json").read_text())["trials"]
    assert len(trials) == 4 and {0.8, 1.0} < {t["setting"]["temperature"] for t in trials}
    assert f"Wrote {model / 'calibration.json'}" in r.output


def test_the_command_s_default_grid_is_the_module_s():
    from jazzgen.cli.app import calibrate as command

    defaults = {p.name: p.default for p in command.params}
    for name, values in (("temperatures", cal.TEMPERATURES),
                         ("duration_temperatures", cal.DURATION_TEMPERATURES),
                         ("top_ps", cal.TOP_PS)):
        assert tuple(float(x) for x in defaults[name].split(",")) == values
    assert 1.0 in cal.TOP_PS  # plain sampling (no cut) is always on the grid
