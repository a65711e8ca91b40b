"""jazzgen.cli.options: the option groups build their library objects, checked, with the
library's own defaults; progress and skip reports on stderr."""

from __future__ import annotations

import click
from builders import motif_line
from click.testing import CliRunner

from jazzgen.cli.options import (
    band_options,
    form_options,
    friendly_errors,
    outputs_options,
    progress,
    report_skipped,
    sample_options,
    seed_option,
    training_options,
)
from jazzgen.corpus.loader import Corpus, Skipped
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import Form
from jazzgen.generate.sampling import SampleConfig, SampleOverrides
from jazzgen.model.config import ModelConfig, TrainConfig
from jazzgen.output.render import Outputs


def _command(*decorators):
    """A command taking ``decorators``' options, and the keyword arguments it received."""
    got: dict = {}

    def cmd(**kwargs):
        got.update(kwargs)

    for d in reversed(decorators):
        cmd = d(cmd)
    return click.command()(cmd), got


def built(decorator, *args) -> dict:
    cmd, got = _command(decorator)
    r = CliRunner().invoke(cmd, [str(a) for a in args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return got


def test_form_options_build_one_form():
    assert built(form_options) == {"form": Form()}
    assert built(form_options, "--bars", 4, "--changes", "rhythm", "--key", "Eb", "--meter",
                 "3/4") == {"form": Form(bars=4, changes_name="rhythm", key="Eb", meter=(3, 4))}
    assert built(form_options, "--chords", "Dm7 G7 | Cmaj7 |", "--length", 16) == {
        "form": Form(length=16, chords="Dm7 G7 | Cmaj7 |")}


def test_a_bad_form_is_a_usage_error_or_one_error_line():
    cmd, _ = _command(form_options)
    r = CliRunner().invoke(cmd, ["--meter", "waltz"])
    assert r.exit_code == 2 and "expected a time signature like 3/4, got 'waltz'" in r.output
    assert CliRunner().invoke(cmd, ["--length", "0"]).exit_code == 2
    checked, _ = _command(friendly_errors, form_options)
    r = CliRunner().invoke(checked, ["--bars", "2", "--choruses", "2"])
    assert (r.exit_code, r.output) == (1, "Error: give only one of a length in notes, bars or "
                                          "choruses\n")


def test_sample_options():
    # nothing given: the bundle's calibrated settings (else the built-in ones) stand
    assert built(sample_options) == {"sampling": SampleOverrides()}
    assert built(sample_options)["sampling"].over(SampleConfig()) == SampleConfig()
    given = built(sample_options, "--temperature", 0.5, "--top-p", 0.8)["sampling"]
    assert given == SampleOverrides(temperature=0.5, top_p=0.8)
    calibrated = SampleConfig(temperature=0.9, top_p=0.9, duration_temperature=0.7)
    assert given.over(calibrated) == SampleConfig(temperature=0.5, top_p=0.8)
    rhythm = built(sample_options, "--duration-temperature", 0.6)["sampling"]
    assert rhythm.over(calibrated) == SampleConfig(0.9, 0.9, duration_temperature=0.6)
    cmd, _ = _command(sample_options)
    assert CliRunner().invoke(cmd, ["--top-p", "1.5"]).exit_code == 2


def test_band_options():
    # by default the band swings at the tempo's ratio and listens to the solo
    assert built(band_options) == {"band": BandConfig(swing=None, listen=True), "swing": None}
    assert built(band_options, "--no-band") == {"band": None, "swing": None}
    assert built(band_options, "--no-drums", "--comp-instrument", "guitar", "--swing", "hard",
                 "--count-in", "--no-listen") == {
        "band": BandConfig(drums=False, comp_program=26, swing=0.75, count_in=True),
        "swing": 0.75}


def test_training_options_default_to_the_library_defaults():
    assert built(training_options) == {"model_cfg": ModelConfig(), "train_cfg": TrainConfig()}
    got = built(training_options, "--lstm-size", 8, "--lstm-layers", 1, "--no-transpose",
                "--keys", 3, "--seed", 5, "--epochs", 2, "--dropout", 0)
    assert got == {"model_cfg": ModelConfig(lstm_size=8, lstm_layers=1, dropout=0.0),
                   "train_cfg": TrainConfig(epochs=2, seed=5, transpose=False, keys=3)}


def test_outputs_options_for_generate_and_for_render():
    assert built(outputs_options(wav_default=False)) == {"outputs": Outputs()}
    assert built(outputs_options(wav_default=False), "--wav", "--sheet") == {
        "outputs": Outputs(wav=True, sheet=True)}
    assert built(outputs_options(wav_default=True)) == {"outputs": Outputs(wav=True)}
    assert built(outputs_options(wav_default=True), "--no-wav", "--roll") == {
        "outputs": Outputs(roll=True)}


def test_an_unseeded_run_draws_a_seed_to_report():
    assert built(seed_option(None, "Seed."), "--seed", 7) == {"seed": 7}
    drawn = {built(seed_option(None, "Seed."))["seed"] for _ in range(5)}
    assert all(isinstance(s, int) and 0 <= s < 2**31 for s in drawn) and len(drawn) > 1
    assert built(seed_option(0, "Seed.")) == {"seed": 0}


def test_skipped_files_are_listed_with_their_reasons(capsys):
    corpus = Corpus("c", (("a.mid", motif_line("a")),), (
        Skipped("x.mid", "unreadable", "x.mid: not a MIDI file (no MThd header)"),
        Skipped("y.mid", "too short", "y.mid: 2 melody notes (need 8)")))
    report_skipped(corpus)
    assert capsys.readouterr().err == (
        "Skipped 2 of 3 files (1 too short, 1 unreadable):\n"
        "  [unreadable] x.mid: not a MIDI file (no MThd header)\n"
        "  [too short] y.mid: 2 melody notes (need 8)\n")
    report_skipped(Corpus("c", corpus.pieces, ()))
    assert capsys.readouterr().err == ""


def test_progress_off_a_terminal_prints_every_tenth(capsys):
    report = progress("Reading")
    for done in range(1, 21):
        report(done, 20, f"f{done}.mid")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "Reading: 1/20 files" and lines[-1] == "Reading: 20/20 files"
    assert len(lines) == 11  # 5%, then each new tenth


def test_group_options_show_in_help():
    cmd, _ = _command(form_options, sample_options, band_options)
    out = CliRunner().invoke(cmd, ["--help"]).output
    assert all(opt in out for opt in ("--bars", "--meter", "--top-p", "--no-band", "--swing"))
