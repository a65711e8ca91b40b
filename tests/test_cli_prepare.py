"""jazzgen.cli.prepare: the command end to end on a tiny corpus built in the test: summary,
skip report, settings reaching the manifest, a second run, errors and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest
from builders import make_score, write_corpus
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.io.midi import write_midi


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory) -> Path:
    """Four good solos and one bad file of each skip reason."""
    folder = write_corpus(tmp_path_factory.mktemp("mixed"), n=4, bars=4)
    (folder / "junk.mid").write_bytes(b"MThd\x00\x00")
    write_midi(make_score([(60, 0, 12), (62, 12, 12)]), folder / "short.mid")
    mid = mido.MidiFile()
    mid.tracks.append(mido.MidiTrack([mido.Message("note_on", channel=9, note=42, time=0),
                                      mido.Message("note_off", channel=9, note=42, time=240)]))
    mid.save(folder / "drums.mid")
    return folder


def test_the_command_prints_a_summary_and_the_skips(mixed_corpus, tmp_path):
    out = tmp_path / "s"
    args = ["prepare", "--corpus", str(mixed_corpus), "--out", str(out), "--workers", "1",
            "--shard-size", "4", "--validation-fraction", "0.2", "--seed", "3", "--quiet"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "[no melody] drums.mid" in r.output and "[too short] short.mid" in r.output
    assert "Skipped 3 files (1 no melody, 1 too short, 1 unreadable)" in r.output
    assert f"Manifest: {out / 'manifest.json'}" in r.output
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed"] == 3 and man["validation_fraction"] == 0.2
    assert man["prepare"]["shard_pieces"] == 4
    assert "Already prepared" in CliRunner().invoke(main, args).output
    r = CliRunner().invoke(main, ["prepare", "--corpus", str(mixed_corpus), "--out",
                                  str(mixed_corpus)])
    assert r.exit_code == 1 and r.output.startswith("Error: ") and "Traceback" not in r.output
    assert CliRunner().invoke(main, [*args[:-1], "--validation-fraction", "0.9"]).exit_code == 2


def test_help_has_examples():
    r = CliRunner().invoke(main, ["prepare", "--help"])
    assert r.exit_code == 0 and "jazzgen prepare --corpus" in r.output
    assert "--shard-size" in r.output and "--validation-fraction" in r.output
