"""jazzgen.generate.form: what a solo is played over and for how long (the end-to-end tests
generate with the tiny model and are slow)."""

import pytest
from builders import gen
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.errors import GenerateError
from jazzgen.generate.form import (
    DEFAULT_CHANGES,
    MAX_BAR_BEATS,
    MAX_BARS,
    MAX_NOTES,
    Form,
    form_changes,
    repeat_form,
    solo_bars,
)
from jazzgen.io.midi import read_midi
from jazzgen.music.chords import ChordChange, parse_chord
from jazzgen.music.notes import TimeSignature


@pytest.mark.slow
def test_solo_follows_the_requested_changes_bar_by_bar(tmp_path, tiny_model):
    out = tmp_path / "blues.mid"
    gen("--model", tiny_model, "--changes", "blues", "--key", "Bb", "--choruses", 2,
        "--seed", 4, "-o", out, "--tempo", 160)
    score = read_midi(out)
    symbols = [c.chord.symbol for c in score.changes]
    assert symbols[:5] == ["Bb7", "Eb7", "Bb7", "Fm7", "Bb7"]
    assert score.end <= 24 * 96  # two 12-bar choruses, nothing after the last bar
    assert max(n.end for n in score.notes) <= 24 * 96
    assert max(n.start for n in score.notes) >= 22 * 96  # the solo plays into the last bars
    assert {p.name for p in score.parts} == {"Piano", "Bass", "Drums"}


@pytest.mark.slow
def test_bad_requests_are_clear_errors(tmp_path, tiny_model):
    cases = [
        (["--changes", "nosuchtune"], "nosuchtune"),
        (["--bars", "2", "--choruses", "2"], "only one of"),
        (["--chords", "Dm7 |", "--changes", "blues"], "either written chords"),
        (["--chords", "Dm7 | Xq7 |"], "Xq7"),
        (["--primer", str(tmp_path / "missing.mid")], "missing.mid"),
    ]
    for args, msg in cases:
        r = CliRunner().invoke(main, ["generate", "--model", str(tiny_model), *args])
        assert r.exit_code == 1, args
        assert msg in r.output and "Traceback" not in r.output


@pytest.mark.slow
def test_jazz_waltz_meter(tmp_path, tiny_model):
    out = tmp_path / "waltz.mid"
    gen("--model", tiny_model, "--chords", "Dm7 | G7 | Cmaj7 | A7 |", "--bars", 4,
        "--meter", "3/4", "--seed", 1, "-o", out)
    score = read_midi(out)
    assert (score.time_signatures[0].numerator, score.time_signatures[0].denominator) == (3, 4)
    assert [c.start for c in score.changes] == [0, 72, 144, 216]
    assert score.end <= 4 * 72
    r = CliRunner().invoke(main, ["generate", "--model", str(tiny_model), "--meter", "waltz"])
    assert r.exit_code == 2 and "3/4" in r.output
    r = CliRunner().invoke(main, ["generate", "--model", str(tiny_model), "--meter", "3/5"])
    assert r.exit_code == 1 and "3/5" in r.output


@pytest.mark.parametrize("kw,message", [
    ({"bars": 2, "choruses": 2}, "only one of"),
    ({"length": 8, "bars": 2}, "only one of"),
    ({"bars": 0}, "must be positive"),
    ({"chords": "Dm7 |", "changes_name": "blues"}, "either written chords"),
    ({"chords": "Dm7 |", "key": "F"}, "a key transposes a built-in progression"),
])
def test_a_form_asks_for_one_length_and_one_source_of_changes(kw, message):
    with pytest.raises(GenerateError, match=message):
        Form(**kw)


def test_meter_becomes_the_time_signature():
    assert Form().time_signature() == TimeSignature(0, 4, 4)
    assert Form(meter=(3, 4)).time_signature().bar_ticks == 72
    with pytest.raises(GenerateError, match="3/5|denominator"):
        Form(meter=(3, 5)).time_signature()


def test_form_changes_from_a_progression_or_written_chords():
    changes, bars, label = form_changes(Form(), 96)
    assert (bars, label, DEFAULT_CHANGES) == (12, "blues", "blues")
    assert changes[0].chord.symbol == "F7" and changes[-1].end == 12 * 96
    changes, bars, label = form_changes(Form(changes_name="blues", key="Bb"), 96)
    assert (changes[0].chord.symbol, bars, label) == ("Bb7", 12, "blues in Bb")
    changes, bars, label = form_changes(Form(chords="Dm7 G7 | Cmaj7 | A7"), 72)
    assert [(c.start, c.duration, c.chord.symbol) for c in changes] == [
        (0, 48, "Dm7"), (48, 24, "G7"), (72, 72, "Cmaj7"), (144, 72, "A7")]
    assert (bars, label) == (3, "the given changes")


@pytest.mark.parametrize("form,message", [
    (Form(chords="N.C. |"), "hold no chords"),
    (Form(chords="Dm7 | Xq7 |"), "Xq7"),
    (Form(changes_name="nosuchtune"), "nosuchtune"),
    (Form(changes_name="blues", key="H"), "'H'"),
])
def test_bad_changes_are_generate_errors(form, message):
    with pytest.raises(GenerateError, match=message):
        form_changes(form, 96)


def test_repeat_form_fills_the_bars_from_the_offset_and_cuts_the_last_chord():
    form, _, _ = form_changes(Form(chords="Dm7 G7 | Cmaj7 |"), 96)
    out = repeat_form(form, 2, 96, 5, offset=96)
    assert [(c.start, c.duration, c.chord.symbol) for c in out] == [
        (96, 48, "Dm7"), (144, 48, "G7"), (192, 96, "Cmaj7"),
        (288, 48, "Dm7"), (336, 48, "G7"), (384, 96, "Cmaj7"),
        (480, 48, "Dm7"), (528, 48, "G7")]
    held = (ChordChange(0, 192, parse_chord("Cmaj7")),)
    assert [(c.start, c.duration) for c in repeat_form(held, 2, 96, 3)] == [(0, 192), (192, 96)]


@pytest.mark.parametrize("kw,message", [
    ({"length": MAX_NOTES + 1}, f"at most {MAX_NOTES} notes"),
    ({"length": 100_000_000}, f"at most {MAX_NOTES} notes"),
    ({"bars": MAX_BARS + 1}, f"at most {MAX_BARS} bars"),
    ({"bars": 10_000_000}, f"at most {MAX_BARS} bars"),
    ({"chords": ""}, "changes are empty"),
    ({"chords": "  |  | "}, "changes are empty"),
])
def test_lengths_have_stated_limits_and_empty_chords_are_refused(kw, message):
    with pytest.raises(GenerateError, match=message):
        Form(**kw)
    assert Form(length=MAX_NOTES).length == MAX_NOTES  # the limit itself is allowed
    assert Form(bars=MAX_BARS).bars == MAX_BARS


def test_choruses_and_written_changes_are_held_to_the_bar_limit():
    assert solo_bars(Form(choruses=MAX_BARS // 12), 12) == MAX_BARS // 12 * 12
    assert solo_bars(Form(length=64), 12) is None
    with pytest.raises(GenerateError, match=f"100000 choruses of 12 bars.*at most {MAX_BARS}"):
        solo_bars(Form(choruses=100_000), 12)
    with pytest.raises(GenerateError, match=f"last {MAX_BARS + 1} bars; the limit is"):
        form_changes(Form(chords="C7 |" * (MAX_BARS + 1)), 96)


@pytest.mark.parametrize("meter", [(99, 4), (9, 4), (17, 8), (3, 1)])
def test_bars_longer_than_the_positions_the_model_embeds_are_refused(meter):
    with pytest.raises(GenerateError, match=f"limit of {MAX_BAR_BEATS} quarter notes"):
        Form(meter=meter).time_signature()


@pytest.mark.parametrize("meter", [(8, 4), (16, 8), (7, 4), (5, 8), (2, 1)])
def test_bars_up_to_the_limit_are_kept(meter):
    assert Form(meter=meter).time_signature().bar_ticks <= MAX_BAR_BEATS * 24


@pytest.mark.parametrize("args,message", [
    (["--bars", "10000000"], "at most 2000 bars"),
    (["--length", "100000000"], "at most 5000 notes"),
    (["--choruses", "100000"], "at most 2000"),
    (["--meter", "99/4"], "limit of 8 quarter notes"),
    (["--chords", ""], "changes are empty"),
])
def test_the_cli_states_each_limit_in_one_line_before_any_work(tmp_path, args, message):
    # the limits are checked before the model is opened: a missing model never gets asked
    r = CliRunner().invoke(main, ["generate", "--model", str(tmp_path / "none"), *args,
                                  "-o", str(tmp_path / "x.mid")])
    assert r.exit_code == 1, r.output
    assert message in r.output and len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.mid").exists()
