"""jazzgen.generate.solo: a generation run from model to files: the band under the solo,
count-in, several outputs, primers, re-swinging (the end-to-end tests are slow)."""

from dataclasses import replace
from pathlib import Path

import mido
import pytest
from builders import gen, make_score
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.errors import BundleError, GenerateError
from jazzgen.generate import solo
from jazzgen.generate.form import MAX_PRIMER_BARS, MAX_PRIMER_NOTES
from jazzgen.generate.solo import DEFAULT_MODEL, Request, describe, resolve_model
from jazzgen.io.midi import read_midi, write_midi


@pytest.mark.slow
def test_band_rules_hold_in_the_written_file(tmp_path, tiny_model):
    out = tmp_path / "band.mid"
    gen("--model", tiny_model, "--chords", "Dm7 G7 | Cmaj7 | F#m7b5 B7b9 | Em6 | C7/E |",
        "--bars", 5, "--seed", 2, "-o", out)
    score = read_midi(out)
    parts = {p.name: p for p in score.parts}
    bass = parts["Bass"].notes
    for change in score.changes:
        first = [n for n in bass if n.start == change.start]
        want = change.chord.bass if change.chord.bass is not None else change.chord.root
        assert first and first[0].pitch % 12 == want, change.chord.symbol
    drums = mido.MidiFile(out).tracks[-1]
    assert all(m.channel == 9 for m in drums if m.type == "note_on")


@pytest.mark.slow
def test_band_parts_can_be_switched_off_and_instruments_chosen(tmp_path, tiny_model):
    out = tmp_path / "x.mid"
    gen("--model", tiny_model, "--bars", 2, "--seed", 1, "-o", out, "--no-drums",
        "--comp-instrument", "guitar", "--instrument", "trumpet", "--swing", "hard")
    mid = mido.MidiFile(out)
    names = [next(m.name for m in t if m.type == "track_name") for t in mid.tracks]
    assert names[1:] == ["Solo", "Guitar", "Bass"]
    programs = {m.channel: m.program for t in mid.tracks for m in t if m.type == "program_change"}
    assert programs[0] == 56 and programs[1] == 26
    gen("--model", tiny_model, "--bars", 2, "--seed", 1, "-o", out, "--no-comp", "--no-bass")
    names = [next(m.name for m in t if m.type == "track_name") for t in mido.MidiFile(out).tracks]
    assert names[1:] == ["Solo", "Drums"]


@pytest.mark.slow
def test_count_in_shifts_the_music_by_one_bar(tmp_path, tiny_model):
    a, b = tmp_path / "a.mid", tmp_path / "b.mid"
    gen("--model", tiny_model, "--bars", 2, "--seed", 9, "-o", a)
    gen("--model", tiny_model, "--bars", 2, "--seed", 9, "-o", b, "--count-in")
    sa, sb = read_midi(a), read_midi(b)
    assert [(n.pitch, n.start + 96) for n in sa.notes] == [(n.pitch, n.start) for n in sb.notes]
    assert sb.changes[0].start == 96


@pytest.mark.slow
def test_num_outputs_writes_different_numbered_solos(tmp_path, tiny_model):
    r = gen("--model", tiny_model, "--length", 12, "--seed", 3, "--num-outputs", 3,
            "-o", tmp_path / "solo.mid")
    files = [tmp_path / f"solo-{i}.mid" for i in (1, 2, 3)]
    assert all(f.exists() for f in files) and r.output.count("Wrote") == 3
    assert len({f.read_bytes() for f in files}) == 3
    # solo 1 of a 3-solo run is the solo a 1-solo run with the same seed writes
    gen("--model", tiny_model, "--length", 12, "--seed", 3, "-o", tmp_path / "one.mid")
    assert (tmp_path / "one.mid").read_bytes() == files[0].read_bytes()


@pytest.mark.slow
def test_primer_is_kept_and_continued(tmp_path, tiny_model):
    lick = make_score([(62, 0, 16), (65, 16, 8), (69, 24, 16), (72, 40, 8), (71, 48, 24),
                       (67, 72, 24)], [("Dm7", 0, 48), ("G7", 48, 48)])
    primer = write_midi(lick, tmp_path / "lick.mid")
    out = tmp_path / "cont.mid"
    gen("--model", tiny_model, "--primer", primer, "--chords", "Cmaj7 | A7 |", "--bars", 2,
        "--seed", 1, "-o", out, "--no-band")
    score = read_midi(out)
    head = [(n.pitch, n.start, n.duration) for n in score.notes[:6]]
    assert head == [(n.pitch, n.start, n.duration) for n in lick.notes]
    assert len(score.notes) > 6
    assert [c.chord.symbol for c in score.changes] == ["Dm7", "G7", "Cmaj7", "A7"]
    assert score.end <= 3 * 96


@pytest.mark.slow
def test_swing_option_moves_offbeat_eighths(tmp_path, tiny_model):
    # a primer of straight eighths is kept at the start, so its feel shows what --swing does
    eighths = make_score([(60 + i, 12 * i, 12) for i in range(8)])
    primer = write_midi(eighths, tmp_path / "eighths.mid")
    starts = {}
    for swing in ("straight", "medium", "hard"):
        out = tmp_path / f"{swing}.mid"
        gen("--model", tiny_model, "--primer", primer, "--bars", 1, "--seed", 5, "-o", out,
            "--swing", swing, "--no-band")
        starts[swing] = [n.start for n in read_midi(out).notes[:8]]
    assert starts["straight"] == [0, 12, 24, 36, 48, 60, 72, 84]
    assert starts["medium"] == [0, 16, 24, 40, 48, 64, 72, 88]
    assert starts["hard"] == [0, 18, 24, 42, 48, 66, 72, 90]


def test_a_request_is_checked_when_made():
    with pytest.raises(GenerateError, match="at least 1"):
        Request(num_outputs=0)
    with pytest.raises(GenerateError, match="20..400 BPM"):
        Request(tempo=500.0)
    with pytest.raises(GenerateError, match="humanize must be 0..1"):
        Request(humanize=1.2)
    assert Request().band is None and Request().swing is None  # the solo alone, as learned


def test_the_model_is_the_one_named_else_models_default_else_the_shipped_one(tmp_path,
                                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_model("my/bundle") == Path("my/bundle")
    monkeypatch.setattr(solo, "PACKAGED_MODEL", tmp_path / "not-shipped")
    with pytest.raises(BundleError, match="no model at models/default"):
        resolve_model(None)
    (tmp_path / "shipped").mkdir()
    monkeypatch.setattr(solo, "PACKAGED_MODEL", tmp_path / "shipped")
    assert resolve_model(None) == tmp_path / "shipped"
    (tmp_path / DEFAULT_MODEL).mkdir(parents=True)
    assert resolve_model(None) == DEFAULT_MODEL


def test_describe_gives_notes_bars_and_seconds():
    score = make_score([(60, 0, 24), (62, 96, 24), (64, 176, 24)], tempo=120.0)
    assert describe(score) == "3 notes, 3 bars, 4.2 s at 120 BPM"  # 200 ticks = 8.33 beats


@pytest.mark.parametrize("notes,message", [
    ([(60 + k % 12, 96 * k, 48) for k in range(MAX_PRIMER_BARS + 1)],
     f"lasts {MAX_PRIMER_BARS + 1} bars; the limit is {MAX_PRIMER_BARS}"),
    ([(60 + k % 12, 12 * k, 12) for k in range(MAX_PRIMER_NOTES + 1)],
     f"has {MAX_PRIMER_NOTES + 1} notes; the limit is {MAX_PRIMER_NOTES}"),
])
def test_a_primer_beyond_the_limits_is_refused_before_the_model_is_opened(tmp_path, notes,
                                                                          message):
    primer = write_midi(make_score(notes), tmp_path / "long.mid")
    r = CliRunner().invoke(main, ["generate", "--model", str(tmp_path / "none"), "--primer",
                                  str(primer), "-o", str(tmp_path / "x.mid")])
    assert r.exit_code == 1 and message in r.output, r.output
    assert "long.mid" in r.output and not (tmp_path / "x.mid").exists()


def _with_sampling(tiny_model, folder: Path, sampling) -> Path:
    """A copy of the tiny bundle whose config.json stores ``sampling`` as its calibration."""
    import json
    import shutil

    shutil.copytree(tiny_model, folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["meta"]["sampling"] = sampling
    (folder / "config.json").write_text(json.dumps(cfg))
    return folder


@pytest.mark.slow
def test_the_bundles_calibrated_sampling_is_the_default_and_flags_override_it(tmp_path,
                                                                              tiny_model):
    cal = _with_sampling(tiny_model, tmp_path / "cal", {"temperature": 0.6, "top_p": 0.8,
                                                        "duration_temperature": 0.4})
    args = ["--chords", "Dm7 G7 | Cmaj7 |", "--bars", 4, "--seed", 3, "--no-band"]
    r = gen("--model", cal, *args, "-o", tmp_path / "a.mid")
    assert "temperature 0.6 (durations 0.4), top-p 0.8" in r.output
    gen("--model", tiny_model, *args, "--temperature", 0.6, "--duration-temperature", 0.4,
        "--top-p", 0.8, "-o", tmp_path / "b.mid")
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()
    r = gen("--model", cal, *args, "--temperature", 1.0, "-o", tmp_path / "c.mid")
    assert "temperature 1, top-p 0.8" in r.output  # a flag wins; it sets durations too
    r = gen("--model", tiny_model, *args, "-o", tmp_path / "d.mid")
    assert "temperature 1, top-p 0.95" in r.output  # no calibration: the built-in defaults


@pytest.mark.slow
@pytest.mark.parametrize("stored,message", [
    ({"temperature": "hot"}, "meta.sampling"),
    ({"temperature": -1}, "temperature must be a finite number"),
    ({"warmth": 1}, "keys among"),
    ([0.9], "must be an object"),
])
def test_a_bad_stored_calibration_names_the_file(tmp_path, tiny_model, stored, message):
    bad = _with_sampling(tiny_model, tmp_path / "bad", stored)
    r = CliRunner().invoke(main, ["generate", "--model", str(bad), "-o", str(tmp_path / "x.mid")])
    assert r.exit_code == 1 and message in r.output and "config.json" in r.output, r.output


@pytest.mark.slow
def test_the_longest_quote_is_printed_and_max_copy_keeps_it_short(tmp_path, tiny_model,
                                                                 tiny_corpus):
    import shutil

    from jazzgen.corpus.loader import load_corpus
    from jazzgen.model.novelty import index_scores, save_quotes

    args = ["--chords", "Dm7 G7 | Cmaj7 |", "--bars", 8, "--seed", 2, "--no-band"]
    model = tmp_path / "m"
    shutil.copytree(tiny_model, model)
    assert (model / "quotes.npz").is_file()  # training writes the index of its solos
    (model / "quotes.npz").unlink()  # a bundle from before the index
    r = CliRunner().invoke(main, ["generate", "--model", str(model), "--max-copy", "8",
                                  "-o", str(tmp_path / "x.mid")])
    assert r.exit_code == 1 and "has no index of its training solos" in r.output
    assert "longest quote" not in gen("--model", model, *args, "-o", tmp_path / "a.mid").output
    # index the solo the model is about to play: it then quotes it whole
    save_quotes(model, index_scores([read_midi(tmp_path / "a.mid")]))
    r = gen("--model", model, *args, "-o", tmp_path / "b.mid")
    n = len(read_midi(tmp_path / "b.mid").notes)
    assert f"longest quote of the training solos: {n} notes" in r.output
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()
    r = gen("--model", model, *args, "--max-copy", 8, "-o", tmp_path / "c.mid")
    assert "longest quote of the training solos: 0 notes" in r.output
    save_quotes(model, index_scores(s for _, s in load_corpus(tiny_corpus).pieces))
    assert "longest quote" in gen("--model", model, *args, "-o", tmp_path / "d.mid").output


def test_arranging_humanizes_from_its_own_stream_and_swings_the_band_by_tempo():
    import numpy as np
    from builders import random_line

    from jazzgen.generate.band_config import BandConfig

    line = random_line(2, bars=4)
    score = replace(line, tempo=200.0)

    def arrange(**kw):
        return solo._arrange(score, Request(**kw), 4 * 96, np.random.default_rng(9))

    band = BandConfig(swing=None, listen=True)
    plain, none = arrange(band=band)
    loose, played = arrange(band=band, humanize=0.5)
    assert none is None and played is not None
    assert loose == plain  # humanizing changes no note of the solo or the band
    played.check(loose)
    ride = {n.start % 24 for n in plain.parts[2].notes if n.pitch == 51}
    assert ride == {0, 16}  # 2:1 at 200 BPM
    deaf, _ = arrange(band=replace(band, listen=False))
    assert deaf.parts[1] == plain.parts[1] and deaf.parts[0] != plain.parts[0]
    alone, played = arrange(humanize=1.0)
    assert alone.parts == () and played.lines[0] == arrange(band=band, humanize=1.0)[1].lines[0]


def test_a_bar_longer_than_the_model_s_positions_is_one_clear_error():
    from types import SimpleNamespace

    from jazzgen.generate.solo import check_meter
    from jazzgen.music.notes import TimeSignature

    bundle = SimpleNamespace(vocab=SimpleNamespace(cfg=SimpleNamespace(positions=192)))
    check_meter(bundle, TimeSignature(0, 8, 4))  # 192 ticks: fits
    with pytest.raises(GenerateError, match=r"^a bar of 9/4 is longer than the 192 bar "
                                            r"positions this model knows$"):
        check_meter(bundle, TimeSignature(0, 9, 4))
    with pytest.raises(GenerateError, match=r"^a bar of 17/8 in song.mid is longer than"):
        check_meter(bundle, TimeSignature(0, 17, 8), "in song.mid")
