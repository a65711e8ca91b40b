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

COMMANDS = ["train", "generate", "changes", "chords", "stats", "render", "play", "evaluate"]


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
            "--patience", 2, "--dropout", 0.1, "--relative-heads", "--quiet")
    assert r.exit_code == 0, r.output
    assert "Validation NLL per event" in r.output and "unigram baseline" in r.output
    assert json.loads((model / "config.json").read_text())["model"]["relative_heads"] is True
    assert sorted(p.name for p in model.iterdir()) == [
        "config.json", "corpus.json", "history.json", "log_epochs.csv", "log_steps.csv",
        "model.keras", "quotes.npz", "vocab.json", "weights.npz"]
    assert f"Training logs: {model / 'log_epochs.csv'}, {model / 'log_steps.csv'}" in r.output
    assert "val_loss: " not in r.output and "Reading corpus" not in r.output  # --quiet
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
def test_train_logdir_writes_tensorboard_events_and_prints_where(tmp_path, tiny_corpus):
    logdir = tmp_path / "runs" / "m"
    r = run("train", "--corpus", tiny_corpus, "--model", tmp_path / "m", "--epochs", 1,
            "--lstm-size", 8, "--lstm-layers", 1, "--embedding-size", 8, "--sequence-length",
            32, "--batch-size", 16, "--logdir", logdir)
    assert r.exit_code == 0, r.output
    events = list(logdir.iterdir())
    assert len(events) == 1 and "tfevents" in events[0].name and events[0].stat().st_size > 0
    assert f"TensorBoard events: {logdir} (view with: tensorboard --logdir {logdir})" in r.stdout
    # not a terminal: the per-epoch line and the reading lines, no bar
    assert "9/9 - " in r.stdout and "val_loss: " in r.stdout  # Keras's line for the epoch
    assert "Reading corpus: 4/4 files" in r.stderr
    assert "\r" not in r.output and "%|" not in r.output


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


def _shipped_take(tmp_path, name, *args) -> tuple[bytes, str]:
    """A 16-bar solo with the band from the shipped model (no TensorFlow): bytes, stderr."""
    from jazzgen.generate.solo import PACKAGED_MODEL

    if not PACKAGED_MODEL.is_dir():
        pytest.skip("no shipped model in this checkout")
    out = tmp_path / f"{name}.mid"
    r = CliRunner().invoke(main, ["generate", "--model", str(PACKAGED_MODEL), "--bars", "16",
                                  "-o", str(out), *map(str, args)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return out.read_bytes(), r.stderr


def _note_ons(data: bytes) -> dict[str, list[tuple[int, int, int]]]:
    """(absolute MIDI tick, key, velocity) of every note-on, by track name."""
    import io

    out = {}
    for track in mido.MidiFile(file=io.BytesIO(data)).tracks:
        now, ons = 0, []
        for m in track:
            now += m.time
            if m.type == "note_on" and m.velocity:
                ons.append((now, m.note, m.velocity))
        out[track.name] = ons
    return out


def test_generate_humanize_is_seeded_and_plays_the_same_notes_looser(tmp_path):
    import numpy as np

    plain, _ = _shipped_take(tmp_path, "plain", "--seed", 3, "--tempo", 160)
    assert _shipped_take(tmp_path, "zero", "--seed", 3, "--tempo", 160, "--humanize", 0)[0] \
        == plain
    loose, _ = _shipped_take(tmp_path, "loose", "--seed", 3, "--tempo", 160, "--humanize")
    assert _shipped_take(tmp_path, "half", "--seed", 3, "--tempo", 160, "--humanize", 0.5)[0] \
        == loose  # --humanize alone is 0.5
    full, _ = _shipped_take(tmp_path, "full", "--tempo", 160, "--seed", 3, "--humanize", 1)
    assert _shipped_take(tmp_path, "again", "--tempo", 160, "--seed", 3, "--humanize", 1)[0] \
        == full
    assert loose != plain and full != loose
    ms_per_tick = 60_000 / (160 * 480)
    sd = {}
    for name, grid in _note_ons(plain).items():
        played = _note_ons(full)[name]
        # the same notes in the same order: only timing and velocity moved
        assert [k for _, k, _ in played] == [k for _, k, _ in grid], name
        if grid:
            shift = np.array([a - b for (a, _, _), (b, _, _) in zip(played, grid, strict=True)])
            sd[name] = float(np.std(shift)) * ms_per_tick
            assert all(t >= 0 for t, _, _ in played)
            assert all(1 <= v <= 127 for _, _, v in played)
    assert 8 < sd["Solo"] < 16 and 8 < sd["Piano"] < 16  # 12 ms at amount 1
    assert sd["Bass"] < sd["Piano"] / 2 and sd["Drums"] < sd["Piano"]
    other, _ = _shipped_take(tmp_path, "other", "--tempo", 160, "--seed", 4, "--humanize", 1)
    assert other != full
    r = CliRunner().invoke(main, ["generate", "--humanize", "1.5"])
    assert r.exit_code == 2 and "0<=x<=1" in r.output


def test_generate_band_swing_follows_the_tempo_unless_given(tmp_path):
    data, log = _shipped_take(tmp_path, "fast", "--seed", 2, "--tempo", 200)
    assert "band swing 0.67 (from tempo 200)" in log
    ride = [t % 480 for t, k, _ in _note_ons(data)["Drums"] if k == 51]
    assert set(ride) == {0, 320}  # off-beat ride eighths 2/3 into the beat: 16 of 24 ticks
    data, log = _shipped_take(tmp_path, "hard", "--seed", 2, "--tempo", 200, "--swing", "hard")
    assert "band swing 0.75" in log and "from tempo" not in log
    assert {t % 480 for t, k, _ in _note_ons(data)["Drums"] if k == 51} == {0, 360}
    assert "no band" in _shipped_take(tmp_path, "alone", "--seed", 2, "--no-band")[1]


def test_generate_band_listens_unless_told_not_to(tmp_path):
    heard, _ = _shipped_take(tmp_path, "heard", "--seed", 5, "--tempo", 180)
    deaf, _ = _shipped_take(tmp_path, "deaf", "--seed", 5, "--tempo", 180, "--no-listen")
    heard, deaf = _note_ons(heard), _note_ons(deaf)
    assert heard["Solo"] == deaf["Solo"] and heard["Bass"] == deaf["Bass"]
    assert heard["Piano"] != deaf["Piano"] and heard["Drums"] != deaf["Drums"]
    # the low tom ends each fill, and fills come from listening only
    assert any(k == 45 for _, k, _ in heard["Drums"])
    assert not any(k == 45 for _, k, _ in deaf["Drums"])


def _sheet_part(musicxml) -> tuple[str, int, str | None]:
    """(part name, key fifths, <transpose> chromatic) of a lead sheet."""
    import xml.etree.ElementTree as ET

    doc = ET.parse(musicxml).getroot()
    return (doc.findtext(".//part-name"), int(doc.findtext(".//key/fifths")),
            doc.findtext(".//transpose/chromatic"))


def test_render_part_for_and_the_instrument_of_the_file(tmp_path):
    from builders import band_score

    from jazzgen.io.midi import write_midi
    from jazzgen.music import gm

    midi = write_midi(band_score(), tmp_path / "take.mid", solo_program=gm.TRUMPET)
    sheet = tmp_path / "take.musicxml"
    assert run("render", midi, "--no-wav", "--sheet", "--part-for", "C").exit_code == 0
    name, concert, transpose = _sheet_part(sheet)
    assert (name, transpose) == ("Solo", None)
    r = run("render", midi, "--no-wav", "--sheet")
    assert r.exit_code == 0 and r.output == f"Wrote {sheet}\n"
    assert _sheet_part(sheet) == ("Trumpet in B♭", concert + 2, "-2")  # a tone up
    assert run("render", midi, "--no-wav", "--sheet", "--part-for", "tenor").exit_code == 0
    assert _sheet_part(sheet) == ("Tenor Saxophone in B♭", concert + 2, "-2")
    assert run("render", midi, "--no-wav", "--sheet", "--part-for", "eb").exit_code == 0
    assert _sheet_part(sheet) == ("Solo in E♭", concert + 3, "-9")  # any case; a 6th up
    r = CliRunner().invoke(main, ["render", str(midi), "--sheet", "--part-for", "viola"])
    assert r.exit_code == 2 and "viola" in r.output


@pytest.mark.slow
def test_generate_sheet_part_for_and_the_instrument_default(tmp_path, tiny_model):
    out = tmp_path / "solo.mid"
    args = ("generate", "--model", tiny_model, "--bars", 4, "--seed", 3, "-o", out,
            "--chords", "Dm7 G7 | Cmaj7 |", "--sheet")
    assert run(*args, "--part-for", "Eb").exit_code == 0
    eb = _sheet_part(out.with_suffix(".musicxml"))
    assert eb[0] == "Solo in E♭" and eb[2] == "-9"
    assert run(*args, "--instrument", "alto").exit_code == 0
    alto = _sheet_part(out.with_suffix(".musicxml"))
    assert alto[0] == "Alto Saxophone in E♭" and alto[1:] == eb[1:]
    assert run(*args).exit_code == 0  # --instrument tenor by default
    assert _sheet_part(out.with_suffix(".musicxml"))[0] == "Tenor Saxophone in B♭"
    assert run(*args, "--instrument", "flute").exit_code == 0
    assert _sheet_part(out.with_suffix(".musicxml"))[::2] == ("Flute", None)


def test_chords_prints_the_file_s_chord_symbols_or_infers_them(tmp_path):
    from test_io_changes import CHART, LEAD_SHEET, band_file, harmony

    r = run("chords", band_file(tmp_path / "tune.mid", symbols=True))
    assert r.exit_code == 0 and r.stdout == CHART + "\n"
    assert r.stderr == "chords from the file's chord symbols\n"
    r = run("chords", band_file(tmp_path / "plain.mid", symbols=False))
    assert r.exit_code == 0 and r.stderr == "inferred from the accompaniment (piano, bass)\n"
    assert r.stdout == "Dm7 G7 | Cmaj7 | Cmaj7 | Em7b5 A7 |\nDm7 | G7 | C6 | C6 |\n"
    sheet = tmp_path / "lead.musicxml"
    sheet.write_text(LEAD_SHEET.format(
        h1=harmony("D", "minor-seventh"), h2=harmony("G", "dominant"),
        h3=harmony("C", "major-seventh"), h4=harmony("A", "dominant")))
    r = run("chords", sheet)
    assert r.exit_code == 0 and r.stdout == "Dm7 G7 | Cmaj7 | A7 |\n"


def test_chords_json_gives_bars_chords_beats_meter_tempo_and_source(tmp_path):
    from test_io_changes import band_file

    r = run("chords", band_file(tmp_path / "plain.mid", symbols=False), "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert (data["source"], data["parts"], data["tempo"], data["meter"]) == \
        ("inferred", ["Piano", "Bass"], 160.0, "4/4")
    assert data["bars"][:2] == ["Dm7 G7", "Cmaj7"]
    assert data["chords"][:3] == [{"symbol": "Dm7", "bar": 1, "beat": 0.0, "beats": 2.0},
                                  {"symbol": "G7", "bar": 1, "beat": 2.0, "beats": 2.0},
                                  {"symbol": "Cmaj7", "bar": 2, "beat": 4.0, "beats": 8.0}]


def test_chords_of_a_bad_file_is_one_error_line(tmp_path):
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    r = CliRunner().invoke(main, ["chords", str(broken)])
    assert r.exit_code == 1 and r.output.startswith("Error: broken.mid: corrupt MIDI")
    assert len(r.output.splitlines()) == 1


def test_a_chords_chart_pastes_into_generate_chords(tmp_path):
    from test_io_changes import band_file

    chart = run("chords", band_file(tmp_path / "plain.mid", symbols=False)).stdout
    _shipped_take(tmp_path, "again", "--chords", chart, "--seed", 1)  # 16 bars: two choruses
    assert run("chords", tmp_path / "again.mid").stdout == chart * 2
