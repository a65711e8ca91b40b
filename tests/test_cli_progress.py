"""jazzgen.cli.progress: tqdm bars on a terminal (forced here into a StringIO), plain lines or
nothing off one, nothing with --quiet; every command that shows progress takes -q/--quiet."""

from __future__ import annotations

import io
import re

import pytest
from builders import write_corpus
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.cli import progress as progress_mod
from jazzgen.cli.progress import Bar, draws, epoch_bars
from jazzgen.generate.solo import PACKAGED_MODEL

BAR = re.compile(r"\d+%\|")  # tqdm's "40%|████      | 2/5 [...]"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_is_drawn_on_a_terminal_and_closes_at_the_end():
    out = io.StringIO()
    report = Bar("Reading corpus", "file", file=out, disable=False)
    for done in range(1, 6):
        report(done, 5, "x.mid")
    text = out.getvalue()
    assert "Reading corpus" in text and BAR.search(text) and "5/5" in text
    assert "100%" in text and "x.mid" in text
    assert report._bar is None  # closed when done reached total


def test_tqdm_rule_decides_off_the_flags_and_the_stream():
    assert draws(file=_Terminal()) and not draws(file=io.StringIO())
    assert draws(file=io.StringIO(), disable=False)
    assert not draws(quiet=True, file=_Terminal()) and not draws(file=_Terminal(), disable=True)
    term = _Terminal()
    Bar("Writing solos", "solo", file=term)(1, 2)
    assert BAR.search(term.getvalue())


def test_quiet_or_a_pipe_draws_nothing_and_lines_print_each_tenth():
    quiet, pipe = io.StringIO(), io.StringIO()
    for report in (Bar("A", "file", quiet=True, lines=True, file=quiet, disable=False),
                   Bar("B", "file", file=pipe)):
        for done in range(1, 21):
            report(done, 20)
    assert quiet.getvalue() == "" and pipe.getvalue() == ""
    lines = io.StringIO()
    report = Bar("Reading", "file", lines=True, file=lines)
    for done in range(1, 21):
        report(done, 20)
    got = lines.getvalue().splitlines()
    assert got[0] == "Reading: 1/20 files" and got[-1] == "Reading: 20/20 files"
    assert len(got) == 11 and "\r" not in lines.getvalue()


def test_a_total_under_the_minimum_shows_no_bar():
    out = io.StringIO()
    report = Bar("Rendering", "file", file=out, disable=False, min_total=2)
    report(1, 1)
    assert out.getvalue() == ""
    report(1, 2)
    assert "1/2" in out.getvalue()


def test_a_smaller_count_starts_a_new_bar():
    out = io.StringIO()
    report = Bar("Calibrating", "setting", file=out, disable=False)
    report(1, 3)
    first = report._bar
    report(0, 3)
    assert report._bar is not first and report._bar.n == 0


def test_echo_prints_on_stdout_above_an_open_bar(capsys):
    err = io.StringIO()
    report = Bar("Rendering", "file", file=err, disable=False)
    report.echo("Wrote a.wav")
    report(1, 3)
    report.echo("Wrote b.wav")
    assert capsys.readouterr().out == "Wrote a.wav\nWrote b.wav\n"
    assert "Wrote" not in err.getvalue()


def test_epoch_bars_show_each_epochs_steps_and_loss(monkeypatch):
    monkeypatch.setattr(progress_mod, "MININTERVAL", 0)  # draw every step
    assert epoch_bars(3, file=io.StringIO()) is None  # not a terminal: no per-step hook
    assert epoch_bars(3, quiet=True, file=_Terminal()) is None
    out = io.StringIO()
    report = epoch_bars(3, file=out, disable=False)
    report(1, 0, 4, None)
    for step in range(1, 5):
        report(1, step, 4, 2.5 - step / 10)
    report(2, 2, 4, None)  # a resumed epoch starts part-way
    report(2, 3, 4, 1.9)
    text = out.getvalue()
    assert "Epoch 1/3" in text and "4/4" in text and "loss 2.1000" in text
    assert "Epoch 2/3" in text and "3/4" in text and "loss 1.9000" in text


# ------------------------------------------------------------------ through the commands


@pytest.fixture
def terminal(monkeypatch):
    """Every bar drawn as if stderr were a terminal (the CliRunner's stderr is not one)."""
    monkeypatch.setattr(progress_mod, "draws", lambda quiet=False, file=None, disable=None:
                        not quiet and disable is not True)


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_stats_draws_a_bar_on_a_terminal_none_with_quiet_and_lines_off_one(tmp_path,
                                                                         monkeypatch):
    corpus = write_corpus(tmp_path / "c", n=2)
    r = _run("stats", "--corpus", corpus)  # not a terminal: today's plain lines
    assert r.exit_code == 0 and "Reading corpus: 2/2 files" in r.stderr
    assert not BAR.search(r.stderr) and "\r" not in r.output
    r = _run("stats", "--corpus", corpus, "-q")
    assert r.exit_code == 0 and r.stderr == "" and "Pieces: 2 read" in r.output
    monkeypatch.setattr(progress_mod, "draws", lambda quiet=False, file=None, disable=None:
                        not quiet)
    r = _run("stats", "--corpus", corpus)
    assert r.exit_code == 0 and BAR.search(r.stderr) and "Reading corpus" in r.stderr
    assert _run("stats", "--corpus", corpus, "--quiet").stderr == ""


@pytest.mark.skipif(not PACKAGED_MODEL.is_dir(), reason="no shipped model in this install")
def test_generate_many_solos_and_render_many_files_show_bars_unless_quiet(tmp_path, terminal):
    # two bars: a solo may rest through its first bar, as players often do, and a file
    # with no notes is not one render draws
    common = ["generate", "--model", PACKAGED_MODEL, "--bars", 2, "--no-band", "--seed", 1,
              "--num-outputs", 2, "-o", tmp_path / "s.mid"]
    r = _run(*common)
    assert r.exit_code == 0, r.output
    assert "Writing solos" in r.stderr and "2/2" in r.stderr and BAR.search(r.stderr)
    assert r.output.count("Wrote") == 2
    r = _run(*common, "--quiet")
    assert r.exit_code == 0 and not BAR.search(r.stderr) and "Writing solos" not in r.stderr
    assert "seed: 1" in r.stderr  # the summary line stays
    one = _run("generate", "--model", PACKAGED_MODEL, "--bars", 1, "--no-band", "--seed", 1,
               "-o", tmp_path / "one.mid")
    assert one.exit_code == 0 and not BAR.search(one.stderr)  # one solo: no bar
    files = [tmp_path / "s-1.mid", tmp_path / "s-2.mid"]
    r = _run("render", *files, "--no-wav", "--roll")
    assert r.exit_code == 0, r.output
    assert "Rendering" in r.stderr and BAR.search(r.stderr)
    assert r.stdout.splitlines() == [f"Wrote {tmp_path / 's-1.png'}",
                                     f"Wrote {tmp_path / 's-2.png'}"]
    r = _run("render", *files, "--no-wav", "--roll", "-q")
    assert r.exit_code == 0 and r.stderr == "" and r.output.count("Wrote") == 2


@pytest.mark.skipif(not PACKAGED_MODEL.is_dir(), reason="no shipped model in this install")
def test_calibrate_and_evaluate_show_progress_unless_quiet(tmp_path, terminal):
    corpus = write_corpus(tmp_path / "c", n=2, bars=4)
    cal = ["calibrate", "--model", PACKAGED_MODEL, "--corpus", corpus, "--seeds", 1,
           "--temperatures", "0.9,1.0", "--duration-temperatures", 1.0, "--top-ps", 0.95,
           "--dry-run"]
    r = _run(*cal)
    assert r.exit_code == 0, r.output
    assert "Calibrating" in r.stderr and "2/2" in r.stderr and "Reading" in r.stderr
    assert "Chosen:" in r.stdout
    r = _run(*cal, "--quiet")
    assert r.exit_code == 0 and r.stderr == "" and "Chosen:" in r.stdout
    ev = ["evaluate", "--generated", corpus, "--reference", corpus]
    r = _run(*ev)
    assert r.exit_code == 0, r.output
    assert "Reading" in r.stderr and BAR.search(r.stderr)
    r = _run(*ev, "-q")
    assert r.exit_code == 0 and r.stderr == "" and "H1" in r.stdout


def test_calibration_off_a_terminal_prints_plain_lines_only(tmp_path):
    if not PACKAGED_MODEL.is_dir():
        pytest.skip("no shipped model in this install")
    corpus = write_corpus(tmp_path / "c", n=2, bars=4)
    r = _run("calibrate", "--model", PACKAGED_MODEL, "--corpus", corpus, "--seeds", 1,
             "--temperatures", "1.0", "--duration-temperatures", 1.0, "--top-ps", 0.95,
             "--dry-run")
    assert r.exit_code == 0, r.output
    assert "Calibrating: 1/1 settings" in r.stderr.splitlines()
    assert not BAR.search(r.stderr) and "\r" not in r.stderr


@pytest.mark.slow
def test_train_draws_a_bar_of_steps_per_epoch_unless_quiet(tmp_path, tiny_corpus, terminal,
                                                           monkeypatch):
    monkeypatch.setattr(progress_mod, "MININTERVAL", 0)  # draw every step
    args = ["train", "--corpus", tiny_corpus, "--model", tmp_path / "m", "--epochs", 2,
            "--lstm-size", 8, "--lstm-layers", 1, "--embedding-size", 8, "--sequence-length",
            32, "--batch-size", 16]
    r = _run(*args)
    assert r.exit_code == 0, r.output
    assert "Epoch 1/2" in r.stderr and "Epoch 2/2" in r.stderr and "9/9" in r.stderr
    assert re.search(r"loss \d\.\d{4}", r.stderr) and BAR.search(r.stderr)
    assert "Epoch 2/2" in r.stdout and "val_loss: " in r.stdout  # Keras's lines stay
    assert "Reading corpus" in r.stderr
    r = _run(*args, "--quiet")
    assert r.exit_code == 0, r.output
    assert not BAR.search(r.stderr) and "Epoch 1/2" not in r.output and "Reading" not in r.output
    assert "Model bundle:" in r.stdout
