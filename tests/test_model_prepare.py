"""jazzgen.model.prepare: a corpus into shards and a manifest, with skip reasons, a stable
split, nothing redone on a finished folder, and a resumed run that ends byte for byte as an
uninterrupted one (after an injected failure, and after kill -9)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import mido
import numpy as np
import pytest
from builders import make_score, write_corpus
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.errors import CorpusError
from jazzgen.io.midi import write_midi
from jazzgen.io.read import read_score
from jazzgen.model import prepare as prep
from jazzgen.model import shards
from jazzgen.model.config import EncodingConfig, to_dict
from jazzgen.model.encoding import FIELDS, Vocabulary, encode

QUIET = {"log": lambda _m: None}


def _drums_only(path: Path) -> None:
    mid = mido.MidiFile()
    track = mido.MidiTrack()
    for _ in range(10):
        track += [mido.Message("note_on", channel=9, note=42, velocity=80, time=0),
                  mido.Message("note_off", channel=9, note=42, time=240)]
    mid.tracks.append(track)
    mid.save(path)


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory) -> Path:
    """Six good solos (two in a subfolder) and one bad file of each skip reason."""
    folder = write_corpus(tmp_path_factory.mktemp("mixed"), n=4, bars=4)
    write_corpus(folder / "sub", n=2, bars=4)
    (folder / "junk.mid").write_bytes(b"MThd\x00\x00")
    write_midi(make_score([(60, 0, 12), (62, 12, 12)]), folder / "short.mid")
    _drums_only(folder / "drums.mid")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_corpus_becomes_shards_a_manifest_and_a_skip_report(mixed_corpus, tmp_path):
    result = prep.prepare(mixed_corpus, tmp_path / "s", workers=1, shard_pieces=3,
                          validation_fraction=0.3, **QUIET)
    assert result.done and result.train + result.valid == 6
    assert result.skip_counts() == {"unreadable": 1, "too short": 1, "no melody": 1}
    assert {s.path for s in result.skipped} == {"junk.mid", "short.mid", "drums.mid"}
    man = shards.load_manifest(tmp_path / "s")
    assert man.encoding == to_dict(EncodingConfig()) and man.fraction == 0.3
    assert Path(man.corpus) == mixed_corpus.resolve()
    assert set(man.train.files + man.valid.files) == {
        "solo0.mid", "solo1.mid", "solo2.mid", "solo3.mid", "sub/solo0.mid", "sub/solo1.mid"}
    assert sorted(s["reason"] for s in man.skipped) == ["no melody", "too short", "unreadable"]
    assert all(s["detail"] for s in man.skipped)
    assert man.fingerprint == prep.fingerprint(
        man.encoding, 0, 0.3, [(n, shards.file_digest(tmp_path / "s" / n))
                               for n in (*man.train.shards, *man.valid.shards)])
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(
        [shards.MANIFEST, *man.train.shards, *man.valid.shards])  # .prepare/ is gone
    vocab = Vocabulary(EncodingConfig())
    notes = 0
    for split in (man.train, man.valid):
        records = [r for n in split.shards for r in shards.read_shard(tmp_path / "s" / n)]
        assert len(records) == split.pieces
        for rel, steps, tempo, record in zip(split.files, split.steps, split.tempos, records,
                                             strict=True):
            score = read_score(mixed_corpus / rel)
            want, got = encode(score, vocab), shards.record_features(record)
            assert all(np.array_equal(getattr(want, f), getattr(got, f)) for f in FIELDS)
            assert steps == len(want) and tempo == score.tempo
            notes += len(score.notes)
    assert man.notes == notes == result.notes


def test_the_split_is_per_file_stable_and_order_free():
    names = [f"d{i // 50}/solo{i}.mid" for i in range(1000)]
    valid = prep.validation_files(names, 0.2, seed=4)
    assert 150 < len(valid) < 250
    shuffled = names[:]
    random.Random(1).shuffle(shuffled)
    assert prep.validation_files(shuffled, 0.2, seed=4) == valid
    assert prep.validation_files(names[:500], 0.2, seed=4) == valid & set(names[:500])
    assert prep.validation_files(names, 0.2, seed=5) != valid
    assert prep.validation_files(names, 0.0, seed=4) == frozenset()


def test_tiny_corpora_keep_a_piece_on_each_side():
    for n in (2, 3, 5):
        names = [f"{i}.mid" for i in range(n)]
        assert 1 <= len(prep.validation_files(names, 0.01, 0)) < n
        assert 1 <= len(prep.validation_files(names, 0.99, 0)) < n
    # one file is never forced to either side: its own hash decides
    assert prep.validation_files(["one.mid"], 1e-12, 0) == frozenset()
    assert prep.validation_files(["one.mid"], 1 - 1e-12, 0) == {"one.mid"}


def test_the_split_does_not_depend_on_the_other_files(tmp_path):
    a = write_corpus(tmp_path / "a", n=12, bars=4)
    b = write_corpus(tmp_path / "b", n=12, bars=4)
    for i in range(12, 20):  # more files beside the same twelve
        write_midi(make_score([(60 + k % 7, k * 12, 12) for k in range(16)]), b / f"x{i}.mid")
    ma = prep.prepare(a, tmp_path / "sa", workers=1, validation_fraction=0.3, **QUIET)
    prep.prepare(b, tmp_path / "sb", workers=1, validation_fraction=0.3, **QUIET)
    va = set(shards.load_manifest(tmp_path / "sa").valid.files)
    vb = set(shards.load_manifest(tmp_path / "sb").valid.files)
    assert ma.valid >= 1 and va == {f for f in vb if f.startswith("solo")}


def test_a_second_run_does_nothing_and_says_so(mixed_corpus, tmp_path):
    prep.prepare(mixed_corpus, tmp_path / "s", workers=1, shard_pieces=4, **QUIET)
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "s").iterdir()}
    said = []
    again = prep.prepare(mixed_corpus, tmp_path / "s", workers=1, shard_pieces=4, log=said.append)
    assert not again.done and "nothing to do" in said[0]
    assert "Already prepared" in again.lines()[0]
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "s").iterdir()} == before


def test_changed_settings_files_or_shards_start_over(tmp_path):
    corpus = write_corpus(tmp_path / "c", n=6, bars=4)
    out = tmp_path / "s"
    prep.prepare(corpus, out, workers=1, shard_pieces=2, **QUIET)
    said = []
    prep.prepare(corpus, out, workers=1, shard_pieces=3, log=said.append)
    assert "starting over" in said[-1]
    assert not (out / "train-00002.tfrecord").exists()  # the old run's shards are gone
    write_midi(make_score([(62, k * 12, 12) for k in range(20)]), corpus / "solo0.mid")
    said.clear()
    result = prep.prepare(corpus, out, workers=1, shard_pieces=3, log=said.append)
    assert result.done and "starting over" in said[-1]
    name = shards.load_manifest(out).train.shards[0]
    (out / name).write_bytes(b"damaged")
    said.clear()
    assert prep.prepare(corpus, out, workers=1, shard_pieces=3, log=said.append).done
    assert list(shards.read_shard(out / name))


def test_workers_give_the_same_bytes_as_one_process(tmp_path):
    corpus = write_corpus(tmp_path / "c", n=20, bars=4)
    prep.prepare(corpus, tmp_path / "one", workers=1, shard_pieces=6, **QUIET)
    seen = []
    prep.prepare(corpus, tmp_path / "two", workers=2, shard_pieces=6,
                 progress=lambda d, t, p: seen.append((d, t)), **QUIET)
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "two")
    assert seen == [(i, 20) for i in range(1, 21)]


def test_a_run_that_fails_midway_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "c", n=10, bars=4)
    prep.prepare(corpus, tmp_path / "whole", workers=1, shard_pieces=3, **QUIET)
    real, written = prep._write_chunk, []

    def failing(out, k, pieces, valid):
        if len(written) == 2:
            raise KeyboardInterrupt
        real(out, k, pieces, valid)
        written.append(k)

    monkeypatch.setattr(prep, "_write_chunk", failing)
    with pytest.raises(KeyboardInterrupt):
        prep.prepare(corpus, tmp_path / "s", workers=1, shard_pieces=3, **QUIET)
    assert not (tmp_path / "s" / shards.MANIFEST).exists()
    monkeypatch.setattr(prep, "_write_chunk", real)
    said, seen = [], []
    prep.prepare(corpus, tmp_path / "s", workers=1, shard_pieces=3, log=said.append,
                 progress=lambda d, t, p: seen.append(d))
    assert said == ["Resuming: 2 of 4 chunks were done"]
    assert seen == [7, 8, 9, 10]
    assert _snapshot(tmp_path / "s") == _snapshot(tmp_path / "whole")


def test_kill_9_midway_leaves_whole_chunks_and_resumes_to_the_same_bytes(tmp_path):
    corpus = write_corpus(tmp_path / "c", n=120, bars=4)
    args = ["--corpus", str(corpus), "--shard-size", "3", "--workers", "1", "--quiet"]
    cmd = [sys.executable, "-m", "jazzgen", "prepare", *args]
    subprocess.run([*cmd, "--out", str(tmp_path / "whole")], check=True, capture_output=True)
    out = tmp_path / "s"
    proc = subprocess.Popen([*cmd, "--out", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    chunk = out / prep.STATE_DIR / "chunk-00003.json"
    deadline = time.monotonic() + 60
    while not chunk.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / shards.MANIFEST).exists()  # killed midway, as meant
    for shard in out.glob("*.tfrecord"):
        assert list(shards.read_shard(shard))  # every shard there is whole
    r = CliRunner().invoke(main, ["prepare", *args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert _snapshot(out) == _snapshot(tmp_path / "whole")
    assert not (out / prep.STATE_DIR).exists()


def test_the_parse_cache_is_neither_read_nor_filled(tmp_path, monkeypatch):
    monkeypatch.setenv("JAZZGEN_CACHE_DIR", str(tmp_path / "cache"))
    prep.prepare(write_corpus(tmp_path / "c", n=3, bars=4), tmp_path / "s", workers=1, **QUIET)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*"))


def test_bad_inputs_are_one_clear_error(tmp_path, mixed_corpus):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no MIDI or MusicXML files"):
        prep.prepare(tmp_path / "empty", tmp_path / "s", **QUIET)
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(mixed_corpus / "junk.mid", bad)
    shutil.copy(mixed_corpus / "short.mid", bad)
    with pytest.raises(CorpusError, match=r"no usable files .* all 2 skipped"):
        prep.prepare(bad, tmp_path / "s", **QUIET)
    (tmp_path / "file").write_text("x")
    with pytest.raises(CorpusError, match="is a file"):
        prep.prepare(mixed_corpus, tmp_path / "file", **QUIET)
    with pytest.raises(CorpusError, match="not empty and holds no prepared corpus"):
        prep.prepare(mixed_corpus, bad, **QUIET)
    with pytest.raises(CorpusError, match="validation fraction"):
        prep.prepare(mixed_corpus, tmp_path / "s", validation_fraction=1.0, **QUIET)


def test_the_summary_names_a_few_skips_and_counts_the_rest(tmp_path):
    from jazzgen.corpus.loader import Skipped

    skipped = tuple(Skipped(f"f{i}.mid", "unreadable", f"f{i}.mid: junk") for i in range(25))
    result = prep.PrepareResult(tmp_path / "manifest.json", 7, 1, skipped, 2, 300, True, 1.5)
    lines = result.skipped_lines(limit=20)
    assert lines[0] == "  [unreadable] f0.mid: junk" and len(lines) == 21
    assert lines[-1] == "  ... and 5 more (listed in the manifest)"
    assert result.lines()[:2] == [
        "Prepared 7 training and 1 validation pieces (300 notes) from 33 files in 2 shards "
        "in 1.5 s", "Skipped 25 files (25 unreadable)"]
