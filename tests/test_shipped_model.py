"""The model shipped inside the package (trained on the Weimar Jazz Database solos)."""

import pytest
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.evaluate.musdr import harmony_scores
from jazzgen.generate.form import Form
from jazzgen.generate.solo import PACKAGED_MODEL, Request, generate

pytestmark = pytest.mark.skipif(not PACKAGED_MODEL.is_dir(),
                                reason="no shipped model in this checkout")


@pytest.mark.slow
def test_generate_uses_the_shipped_model_without_a_local_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./models/default here
    r = CliRunner().invoke(main, ["generate", "--length", "16", "--seed", "1"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "solo.mid").exists()
    assert str(PACKAGED_MODEL) in r.output  # "Model: ..." names the bundle used


def test_shipped_bundle_is_small_enough_to_ship():
    size = sum(p.stat().st_size for p in PACKAGED_MODEL.iterdir())
    assert size < 10 * 1024 * 1024


@pytest.mark.slow
def test_over_a_blues_in_f_most_on_beat_notes_fit_the_changes(tmp_path):
    # Issue: at least 70% of on-beat notes are chord or chord-scale tones over a requested
    # 12-bar blues in F (real players: about 79%).
    n = fit = 0
    for seed in range(6):
        res = generate(PACKAGED_MODEL, tmp_path / f"b{seed}.mid",
                       Request(Form(choruses=2, changes_name="blues", key="F"), seed=seed))
        h = harmony_scores(res.solos[0].score)
        n += h["on_beat_notes"]
        fit += h["chord_or_scale_tones"]
    assert n > 50
    assert fit / n >= 0.70
