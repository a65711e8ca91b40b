"""jazzgen.cli.training: the train and stats commands parse their options and refuse bad
combinations before any TensorFlow work (the training itself: test_model_train*.py)."""

from click.testing import CliRunner

from jazzgen.cli import main


def test_stats_reads_a_corpus(tiny_corpus):
    r = CliRunner().invoke(main, ["stats", "--corpus", str(tiny_corpus), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "4" in r.output and "pieces" in r.output.lower()


def test_train_help_names_every_way_to_feed_and_place_it():
    r = CliRunner().invoke(main, ["train", "--help"])
    assert r.exit_code == 0
    for flag in ("--data", "--steps-per-epoch", "--strategy", "--shuffle-buffer",
                 "--checkpoint-every", "--logdir", "--fresh"):
        assert flag in r.output


def test_train_refuses_bad_combinations_before_reading(tiny_corpus, tmp_path):
    runner = CliRunner()
    both = runner.invoke(main, ["train", "--corpus", str(tiny_corpus), "--data",
                                str(tmp_path), "--model", str(tmp_path / "m")])
    assert both.exit_code == 2 and "--corpus or --data" in both.output
    lone = runner.invoke(main, ["train", "--corpus", str(tiny_corpus), "--model",
                                str(tmp_path / "m"), "--strategy", "multi-worker"],
                         env={"TF_CONFIG": ""})
    assert lone.exit_code == 1 and "two or more workers" in lone.output
    bad = runner.invoke(main, ["train", "--corpus", str(tiny_corpus), "--model",
                               str(tmp_path / "m"), "--strategy", "multi-worker"],
                        env={"TF_CONFIG": "{broken"})
    assert bad.exit_code == 1 and "TF_CONFIG" in bad.output
    odd = runner.invoke(main, ["train", "--strategy", "horovod"])
    assert odd.exit_code == 2
    zero = runner.invoke(main, ["train", "--steps-per-epoch", "0"])
    assert zero.exit_code == 2
    assert not (tmp_path / "m").exists()
