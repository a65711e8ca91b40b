"""Generation over changes: form and length, the band, primers, several outputs."""

import mido
from click.testing import CliRunner
from conftest import make_score

from jazzgen.cli import main
from jazzgen.io.midi import read_midi, write_midi


def gen(*args):
    r = CliRunner().invoke(main, ["generate", *map(str, args)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


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


def test_count_in_shifts_the_music_by_one_bar(tmp_path, tiny_model):
    a, b = tmp_path / "a.mid", tmp_path / "b.mid"
    gen("--model", tiny_model, "--bars", 2, "--seed", 9, "-o", a)
    gen("--model", tiny_model, "--bars", 2, "--seed", 9, "-o", b, "--count-in")
    sa, sb = read_midi(a), read_midi(b)
    assert [(n.pitch, n.start + 96) for n in sa.notes] == [(n.pitch, n.start) for n in sb.notes]
    assert sb.changes[0].start == 96


def test_num_outputs_writes_different_numbered_solos(tmp_path, tiny_model):
    r = gen("--model", tiny_model, "--length", 12, "--seed", 3, "--num-outputs", 3,
            "-o", tmp_path / "solo.mid")
    files = [tmp_path / f"solo-{i}.mid" for i in (1, 2, 3)]
    assert all(f.exists() for f in files) and r.output.count("Wrote") == 3
    assert len({f.read_bytes() for f in files}) == 3
    # solo 1 of a 3-solo run is the solo a 1-solo run with the same seed writes
    gen("--model", tiny_model, "--length", 12, "--seed", 3, "-o", tmp_path / "one.mid")
    assert (tmp_path / "one.mid").read_bytes() == files[0].read_bytes()


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
