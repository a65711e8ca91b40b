"""jazzgen.cli.trade: ``jazzgen trade`` from a file and live (ports faked, the clock
simulated), ``jazzgen ports``, and ``jazzgen play --port``; every bad input is one
``Error:`` line with exit code 1. Sampling uses the shipped model (NumPy, no TensorFlow)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import mido
import pytest
from builders import make_score, random_line
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.io.midi import write_midi
from jazzgen.live import engine, ports
from jazzgen.live.clock import SimClock, SimWorker
from jazzgen.live.ports import MemoryInput, MemoryOutput, note_off, note_on
from jazzgen.music.notes import Note, Part, Score

SHIPPED = "jazzgen/data/wjazzd-lstm"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def player(tmp_path_factory):
    return write_midi(random_line(2, bars=12), tmp_path_factory.mktemp("p") / "fours.mid")


@pytest.mark.parametrize("cmd", ["trade", "ports", "play"])
def test_help_has_examples(cmd):
    r = run(cmd, "--help")
    assert r.exit_code == 0 and "Example" in r.output
    if cmd == "play":
        assert "--port" in r.output


def test_trade_writes_the_file_and_says_what_it_did(tmp_path, player):
    out = tmp_path / "t.mid"
    args = ("trade", "--input", player, "--changes", "blues", "--key", "Bb", "--choruses", 1,
            "--seed", 3, "--model", SHIPPED, "-o", out, "--instrument", "alto",
            "--player-instrument", "trumpet", "--temperature", "0.9", "--no-drums")
    r = run(*args)
    assert r.exit_code == 0, r.output
    mid = mido.MidiFile(out)
    notes = {t.name: sum(m.type == "note_on" and m.velocity > 0 for m in t) for t in mid.tracks}
    assert notes["Player"] > 0 and notes["jazzgen"] > 0
    assert r.stdout == (f"Wrote {out} (12 bars of blues in Bb at 150 BPM; player: bars 1-4, "
                        f"9-12 ({notes['Player']} notes); jazzgen: bars 5-8 "
                        f"({notes['jazzgen']} notes))\n")
    assert r.stderr.startswith(f"Model: {SHIPPED}; seed: 3; temperature 0.9, top-p 1; "
                               f"band swing 0.75 (from tempo 150)\nNote: ")
    assert [t.name for t in mid.tracks][1:] == ["jazzgen", "Player", "Piano", "Bass"]
    programs = {t.name: m.program for t in mid.tracks for m in t if m.type == "program_change"}
    assert programs["jazzgen"] == 65 and programs["Player"] == 56  # alto, trumpet
    first = out.read_bytes()
    assert run(*args).exit_code == 0 and out.read_bytes() == first  # same seed, same bytes


def test_trade_writes_out_trade_mid_by_default(tmp_path, player, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("trade", "--input", player, "--chords", "Dm7 | G7 | Cmaj7 | % |", "--bars-each",
            2, "--no-band")  # no ./models/default here: the shipped model
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Wrote out/trade.mid (12 bars of the given changes")
    assert "seed: " in r.stderr and "no band" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--input", "nope.mid"], "Error: player's solo nope.mid: cannot read (No such file or "
                              "directory)"),
    (["--input", "{player}", "--bars-each", "0"], "Error: each turn must last at least 1 bar, "
                                                  "got 0"),
    (["--input", "{player}", "--chords", "F7 | Bb7 |", "--changes", "blues"],
     "Error: give either written chords or a built-in progression, not both"),
    (["--input", "{player}", "--chords", "F7 | Bb7 |", "--choruses", "1"],
     "Error: 1 chorus(es) of 2 bars hold no turn for jazzgen at 4 bars each: give more "
     "choruses or fewer bars each"),
    (["--input", "{player}", "--in-port", "keys", "--out-port", "synth"],
     "Error: trade with a file (--input) or live (--in-port, --out-port), not both"),
    ([], "Error: give the player's solo (--input FILE), or play live (--in-port and "
         "--out-port)"),
    (["--out-port", "synth"], "Error: trading live needs both --in-port and --out-port"),
    (["--input", "{drums}"], "Error: player's solo drums.mid: no melody (no pitched notes "
                             "outside the drum channel)"),
])
def test_bad_input_is_one_error_line(tmp_path, player, args, message):
    drums = Score((), parts=(Part("Drums", (Note(36, 0, 24),), channel=9, is_drum=True),))
    names = {"player": player, "drums": write_midi(drums, tmp_path / "drums.mid")}
    r = run("trade", "--model", SHIPPED, *[a.format(**names) for a in args])
    assert r.exit_code == 1 and r.stderr == message + "\n" and r.stdout == ""


def test_without_python_rtmidi_live_commands_say_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "rtmidi", None)
    hint = ("Error: MIDI ports need python-rtmidi, which is not installed: "
            "pip install 'jazzgen[live]'\n")
    lick = write_midi(make_score([(60, 0, 24)]), tmp_path / "l.mid")
    for args in (["ports"], ["play", lick, "--port", "synth"],
                 ["trade", "--in-port", "a", "--out-port", "b", "--choruses", "1"]):
        r = run(*args)
        assert (r.exit_code, r.stderr, r.stdout) == (1, hint, ""), args


def test_ports_lists_inputs_and_outputs(monkeypatch):
    class Fake:
        def get_input_names(self):
            return ["Keystation 49 MIDI 1 20:0"]

        def get_output_names(self):
            return []

    monkeypatch.setattr(ports, "backend", Fake)
    r = run("ports")
    assert r.exit_code == 0
    assert r.stdout == "MIDI inputs:\n  Keystation 49 MIDI 1 20:0\nMIDI outputs: none\n"


def test_play_port_streams_the_file(monkeypatch, tmp_path):
    lick = write_midi(make_score([(60, 0, 12), (62, 12, 12)], tempo=240.0), tmp_path / "l.mid")
    out = MemoryOutput(SimClock())
    out.name = "FLUID Synth"
    monkeypatch.setattr(ports, "open_output", lambda name: out)
    r = run("play", lick, "--port", "fluid")
    assert r.exit_code == 0, r.output
    assert r.stdout == "Sent 5 messages (0.2 s) to FLUID Synth\n"
    assert [m.note for _, m in out.sent if m.type == "note_on"] == [60, 62] and out.closed


BEAT_240 = 60.0 / 240.0
BAR1_240 = engine.START_SECONDS + 4 * BEAT_240  # live, the band always counts in


def trade_live(monkeypatch, clock, out: Path, choruses: int):
    """``jazzgen trade`` live at 240 BPM on faked ports and ``clock``, a player playing four
    quarter notes in bar 1; the result and the two ports."""
    timed = [(BAR1_240 + i * BEAT_240, note_on(0, 60 + i, 90)) for i in range(4)]
    timed += [(BAR1_240 + (i + 0.5) * BEAT_240, note_off(0, 60 + i)) for i in range(4)]
    inport, outport = MemoryInput(clock, timed), MemoryOutput(clock)
    monkeypatch.setattr(ports, "open_ports", lambda a, b: (inport, outport))
    monkeypatch.setattr(engine, "RealClock", lambda: clock)
    monkeypatch.setattr(engine, "ThreadWorker", lambda: SimWorker(clock, 0.02))
    r = run("trade", "--in-port", "keys", "--out-port", "synth", "--chords", "C7 | F7 |",
            "--choruses", choruses, "--bars-each", 1, "--tempo", 240, "--seed", 1, "--model",
            SHIPPED, "-o", out)
    return r, inport, outport


def test_trade_live_through_faked_ports_on_a_simulated_clock(monkeypatch, tmp_path):
    out = tmp_path / "live.mid"
    r, inport, outport = trade_live(monkeypatch, SimClock(), out, 2)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("Played 4 notes of yours and ") and lines[1] == f"Wrote {out}"
    assert r.stderr.splitlines()[0] == "Trading live (seed 1): you play first; Ctrl-C stops."
    assert r.stderr.count("ready 0.48 s before its first beat") == 2  # 2 beats less 20 ms
    assert inport.closed and outport.closed and outport.sounding() == set()
    data = mido.MidiFile(file=io.BytesIO(out.read_bytes()))
    assert [t.name for t in data.tracks][1:] == ["jazzgen", "Player", "Piano", "Bass", "Drums"]


def test_ctrl_c_in_a_live_trade_writes_what_was_played(monkeypatch, tmp_path):
    class CtrlC(SimClock):
        def sleep(self, seconds):
            super().sleep(seconds)
            if self.now() > stop:
                raise KeyboardInterrupt

    stop = BAR1_240 + 6 * BEAT_240  # in jazzgen's first answer bar, of 8 bars
    out = tmp_path / "live.mid"
    r, inport, outport = trade_live(monkeypatch, CtrlC(), out, 4)
    assert r.exit_code == 0, r.output
    assert "Stopped with Ctrl-C: the trade so far is kept." in r.stderr
    assert r.stdout.splitlines()[1] == f"Wrote {out}"
    assert inport.closed and outport.closed and outport.sounding() == set()
    data = mido.MidiFile(file=io.BytesIO(out.read_bytes()))
    assert [t.name for t in data.tracks][1:] == ["jazzgen", "Player", "Piano", "Bass", "Drums"]
    # the file ends where the trade stopped (count-in bar + 6 beats), not after 8 bars
    assert 2.5 <= data.length <= 2.6
    player = [m.note for m in data.tracks[2] if m.type == "note_on" and m.velocity]
    assert player == [60, 61, 62, 63]
