"""jazzgen.cli.app: the commands end to end on tiny corpora built in the tests (those that
train or load a model are slow)."""

import json
import subprocess
import sys

import mido
import pytest
from builders import write_corpus
from click.testing import CliRunner

from jazzgen.cli import main

COMMANDS = ["train", "generate", "changes", "stats", "render", "play", "evaluate"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_help_does_not_import_tensorflow():
    code = ("import sys; from click.testing import CliRunner; from jazzgen.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0; "
            "assert 'generate' in r.output; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_version_and_module_entry_point():
    from jazzgen import __version__

    assert __version__ in run("--version").output
    out = subprocess.run([sys.executable, "-m", "jazzgen", "--help"], capture_output=True,
                         text=True, check=True)
    assert "Usage" in out.stdout


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help_with_an_example(cmd):
    r = run(cmd, "--help")
    assert r.exit_code == 0
    assert "Example" in r.output


@pytest.mark.slow
def test_train_then_generate_one_epoch(tmp_path, tiny_corpus):
    model = tmp_path / "m"
    r = run("train", "--corpus", tiny_corpus, "--model", model, "--epochs", 1, "--seed", 3,
            "--lstm-size", 16, "--lstm-layers", 1, "--embedding-size", 8, "--sequence-length",
            32, "--batch-size", 16, "--learning-rate", 0.01, "--validation-fraction", 0.25,
            "--patience", 2, "--dropout", 0.1, "--quiet")
    assert r.exit_code == 0, r.output
    assert "Validation NLL per event" in r.output and "unigram baseline" in r.output
    assert sorted(p.name for p in model.iterdir()) == [
        "config.json", "corpus.json", "history.json", "model.keras", "quotes.npz", "vocab.json",
        "weights.npz"]
    assert not (tmp_path / "m.checkpoint").exists()
    hist = json.loads((model / "history.json").read_text())
    assert len(hist["epochs"]) == 1 and hist["valid_nll_per_event"] > 0
    out = tmp_path / "solo.mid"
    r = run("generate", "--model", model, "--length", 24, "--output", out, "--seed", 5)
    assert r.exit_code == 0, r.output
    assert f"Wrote {out}" in r.output
    mid = mido.MidiFile(out)
    solo = [t for t in mid.tracks if any(m.type == "track_name" and m.name == "Solo" for m in t)]
    assert sum(1 for m in solo[0] if m.type == "note_on" and m.velocity > 0) == 24
    from music21 import converter

    parsed = converter.parse(str(out), forceSource=True)  # music21 opens it too
    assert len(parsed.parts) >= 2 and len(parsed.parts[0].recurse().notes) >= 20


@pytest.mark.slow
def test_same_seed_same_bytes_different_seed_different_solo(tmp_path, tiny_model):
    paths = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        p = tmp_path / f"{name}.mid"
        r = run("generate", "--model", tiny_model, "--bars", 4, "--seed", seed, "--output", p,
                "--chords", "Dm7 G7 | Cmaj7 |")
        assert r.exit_code == 0, r.output
        paths.append(p.read_bytes())
    assert paths[0] == paths[1]
    assert paths[0] != paths[2]


@pytest.mark.slow
def test_sampling_options_are_accepted_and_change_the_solo(tmp_path, tiny_model):
    a, b = tmp_path / "a.mid", tmp_path / "b.mid"
    assert run("generate", "--model", tiny_model, "--length", 16, "--seed", 1, "-o", a,
               "--temperature", 0.5, "--top-p", 0.8, "--tempo", 180, "--no-band").exit_code == 0
    assert run("generate", "--model", tiny_model, "--length", 16, "--seed", 1, "-o", b,
               "--temperature", 1.5, "--top-p", 1.0, "--tempo", 180, "--no-band").exit_code == 0
    assert a.read_bytes() != b.read_bytes()
    mid = mido.MidiFile(a)
    assert len(mid.tracks) == 2  # conductor + solo: no band
    tempo = next(m.tempo for m in mid.tracks[0] if m.type == "set_tempo")
    assert round(mido.tempo2bpm(tempo)) == 180


@pytest.mark.slow
def test_errors_are_one_line_with_exit_1(tmp_path, tiny_model):
    r = CliRunner().invoke(main, ["train", "--corpus", str(tmp_path / "nothing")])
    assert r.exit_code == 1 and r.output.startswith("Error: corpus folder not found")
    assert "Traceback" not in r.output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.mid").write_bytes(b"junk")
    r = CliRunner().invoke(main, ["train", "--corpus", str(tmp_path / "bad")])
    assert r.exit_code == 1 and "no usable files" in r.output
    r = CliRunner().invoke(main, ["generate", "--model", str(tmp_path / "nomodel")])
    assert r.exit_code == 1 and "no model bundle" in r.output
    r = CliRunner().invoke(main, ["generate", "--model", str(tiny_model), "--chords", "Hmaj7 |"])
    assert r.exit_code == 1 and "Hmaj7" in r.output
    r = CliRunner().invoke(main, ["generate", "--length", "0"])
    assert r.exit_code == 2  # usage error


def test_train_checkpoint_interval_reaches_the_library(monkeypatch):
    from pathlib import Path

    from jazzgen.corpus.loader import Corpus
    from jazzgen.model import train as train_mod

    got = []

    def fake_train(corpus, model, **kwargs):
        got.append(kwargs["checkpoint_every"])
        return train_mod.TrainResult(Path(model), Corpus(str(corpus), (), ()), 1, 1, None,
                                     None, 0, 0)

    monkeypatch.setattr(train_mod, "train", fake_train)
    assert run("train").exit_code == 0
    assert run("train", "--checkpoint-every", 0).exit_code == 0
    assert got == [train_mod.DEFAULT_CHECKPOINT_EVERY, 0]
    r = CliRunner().invoke(main, ["train", "--checkpoint-every", "-1"])
    assert r.exit_code == 2 and "--checkpoint-every" in r.output


def test_stats_reports_corpus_and_skips(tmp_path):
    write_corpus(tmp_path / "c", n=2)
    (tmp_path / "c" / "junk.mid").write_bytes(b"junk")
    r = CliRunner().invoke(main, ["stats", "--corpus", str(tmp_path / "c")])
    assert r.exit_code == 0
    assert "Pieces: 2 read, 1 skipped" in r.output
    assert "Notes under a chord symbol: 100%" in r.output
    assert "[unreadable]" in r.output


@pytest.mark.slow
def test_evaluate_command_both_modes(tmp_path, tiny_model, tiny_corpus):
    r = CliRunner().invoke(main, ["evaluate", "--model", str(tiny_model), "--corpus",
                                  str(tiny_corpus), "--train-corpus", str(tiny_corpus),
                                  "--valid-corpus", str(tiny_corpus),
                                  "--json", str(tmp_path / "lik.json")])
    assert r.exit_code == 0, r.output
    assert "LSTM" in r.output and "unigram" in r.output and "-gram" in r.output
    data = json.loads((tmp_path / "lik.json").read_text())
    assert {row["name"] for row in data["rows"]} == {"LSTM", "n-gram", "unigram"}
    r = CliRunner().invoke(main, ["evaluate", "--generated", str(tiny_corpus), "--reference",
                                  str(tiny_corpus), "--train-corpus", str(tiny_corpus),
                                  "--json", str(tmp_path / "m.json"), "--plot",
                                  str(tmp_path / "h.png"), "--seed", "2"])
    assert r.exit_code == 0, r.output
    assert "pitch-class entropy H1" in r.output
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "m.json").read_text())["generated"]["pieces"] == 4
    r = CliRunner().invoke(main, ["evaluate", "--model", str(tiny_model)])
    assert r.exit_code == 2 and "--corpus" in r.output
    # without --train-corpus: the files the bundle says it trained and validated on
    r = CliRunner().invoke(main, ["evaluate", "--model", str(tiny_model), "--corpus",
                                  str(tiny_corpus)])
    assert r.exit_code == 0, r.output
    assert "Baselines fitted on 3 training pieces" in r.output
    assert "also training pieces" in r.output
    r = CliRunner().invoke(main, ["evaluate"])
    assert r.exit_code == 2
    r = CliRunner().invoke(main, ["evaluate", "--generated", str(tmp_path / "none"),
                                  "--reference", str(tiny_corpus)])
    assert r.exit_code == 1 and "Traceback" not in r.output


@pytest.mark.slow
def test_train_transposition_track_and_fresh_options(tmp_path, tiny_corpus):
    common = ["train", "--corpus", str(tiny_corpus), "--epochs", "1", "--lstm-size", "8",
              "--lstm-layers", "1", "--sequence-length", "16", "--quiet",
              "--validation-fraction", "0.25", "--track", "Solo"]
    events = {}
    for name, extra in (("plain", ["--no-transpose"]), ("three", ["--keys", "3"]),
                        ("all", [])):
        model = tmp_path / name
        r = CliRunner().invoke(main, [*common, "--model", str(model), *extra])
        assert r.exit_code == 0, r.output
        events[name] = json.loads((model / "history.json").read_text())["train_events"]
    assert events["three"] == 3 * events["plain"]
    assert events["all"] == 12 * events["plain"]
    # --fresh ignores a leftover checkpoint of the same run
    ckpt = tmp_path / "plain.checkpoint"
    ckpt.mkdir()
    (ckpt / "state.json").write_text("{}")
    r = CliRunner().invoke(main, [*common, "--model", str(tmp_path / "plain"), "--fresh",
                                  "--no-transpose"])
    assert r.exit_code == 0 and "Resuming" not in r.output
    r = CliRunner().invoke(main, [*common, "--model", str(tmp_path / "x"), "--track", "tuba"])
    assert r.exit_code == 1 and "no track matches" in r.output


@pytest.mark.slow
def test_evaluate_without_training_files_asks_for_them(tmp_path, tiny_model, tiny_corpus):
    import shutil

    moved = tmp_path / "m"
    shutil.copytree(tiny_model, moved)
    info = json.loads((moved / "corpus.json").read_text())
    info["root"] = str(tmp_path / "gone")
    (moved / "corpus.json").write_text(json.dumps(info))
    r = CliRunner().invoke(main, ["evaluate", "--model", str(moved), "--corpus",
                                  str(tiny_corpus)])
    assert r.exit_code == 1 and "give a training folder" in r.output


def _complete(words: str, shell: str = "bash_complete") -> list[str]:
    """What the installed ``jazzgen`` offers to complete ``words`` (Click's completion)."""
    import os
    import subprocess
    import sys

    parts = words.split(" ")
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1),
           "_JAZZGEN_COMPLETE": shell}
    out = subprocess.run([sys.executable, "-m", "jazzgen"], env=env, capture_output=True,
                         text=True, check=True).stdout
    return [line.split(",", 1)[1] for line in out.splitlines() if "," in line]


def test_shell_completion_offers_commands_options_and_progressions():
    import os
    import subprocess
    import sys

    from jazzgen.music.progressions import PROGRESSIONS

    script = subprocess.run([sys.executable, "-m", "jazzgen"], capture_output=True, text=True,
                            env={**os.environ, "_JAZZGEN_COMPLETE": "bash_source"}).stdout
    assert "_jazzgen_completion()" in script and "complete -o nosort" in script
    assert _complete("jazzgen cal") == ["calibrate"]
    assert "--max-copy" in _complete("jazzgen generate --max")
    assert _complete("jazzgen generate --changes ") == list(PROGRESSIONS)
    assert _complete("jazzgen generate --instrument t") == ["tenor", "trombone", "trumpet"]
