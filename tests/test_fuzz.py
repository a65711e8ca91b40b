"""Fuzz and property tests: whatever bytes, text or JSON come in, only jazzgen's own errors
(``JazzgenError`` subclasses; ``ReadError`` with its reason for files) come out, in bounded
time and memory.

* Byte mutations of small valid MIDI and MusicXML files, MIDI files of random messages with
  huge delta times, tree edits of MusicXML (the direct reader checked against music21 where
  it reads the file itself), and mutations of a bundle's files. They run in child processes
  (``tests/fuzz_worker.py``) capped at 2 GB of address space and a CPU budget, so a
  regression fails a case instead of taking the machine down; every case's random stream is
  seeded by its number, so a run feeds the same inputs every time. The children start with
  this module and run beside the property tests; each test below waits for its own.
* Hypothesis properties of the chord-symbol parser, the changes parser and the config reader.

A finding names its case; the worker keeps its input as ``failure-<case>-...`` in the run's
folder (printed in the message). Fix the reader, then add the minimal input as a regression
test beside the reader's other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from builders import SHARED, make_score, random_line, seeded_net
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jazzgen import __version__
from jazzgen.errors import BundleError, ChangesError, ChordSymbolError, ConfigError
from jazzgen.io.midi import write_midi
from jazzgen.model.bundle import WEIGHTS, read_config
from jazzgen.model.config import (
    FORMAT_VERSION,
    EncodingConfig,
    ModelConfig,
    TrainConfig,
    from_dict,
    to_dict,
)
from jazzgen.model.encoding import Vocabulary
from jazzgen.music.chords import parse_chord, transpose_symbol
from jazzgen.music.notes import Note, Part
from jazzgen.music.progressions import parse_changes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = {"midi": 300, "midi-gen": 300, "xml": 200, "xml-tree": 250, "xml-diff": 40,
         "mxl": 100, "bundle": 250}
"""Cases per fuzz target: about 25 CPU seconds in all, so about 15 s on two idle cores."""
CPU_SECONDS, WALL_SECONDS, CASE_SECONDS = 60, 150, 5
"""Limits of one fuzz child (CPU and wall clock) and of one case in it (CPU)."""

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
"""Hypothesis settings of the property tests: fixed examples, nothing written to disk."""


# ---------------------------------------------------------------- seed inputs

RICH_XML = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="3.1">
  <work><work-title>Rich seed</work-title></work>
  <part-list>
    <score-part id="P1"><part-name>Solo</part-name></score-part>
    <score-part id="P2"><part-name>Bass</part-name></score-part>
  </part-list>
  <part id="P1">
    <measure number="1">
      <attributes><divisions>6</divisions><key><fifths>-2</fifths></key>
        <time><beats>4</beats><beat-type>4</beat-type></time>
        <clef><sign>G</sign><line>2</line></clef></attributes>
      <direction><direction-type><metronome><beat-unit>quarter</beat-unit>
        <per-minute>184</per-minute></metronome></direction-type><sound tempo="184"/></direction>
      <harmony><root><root-step>B</root-step><root-alter>-1</root-alter></root>
        <kind>dominant</kind></harmony>
      <note><pitch><step>B</step><alter>-1</alter><octave>4</octave></pitch>
        <duration>2</duration><type>eighth</type><time-modification>
        <actual-notes>3</actual-notes><normal-notes>2</normal-notes></time-modification></note>
      <note><pitch><step>D</step><octave>5</octave></pitch><duration>2</duration>
        <type>eighth</type><time-modification><actual-notes>3</actual-notes>
        <normal-notes>2</normal-notes></time-modification></note>
      <note><pitch><step>F</step><octave>5</octave></pitch><duration>2</duration>
        <type>eighth</type><time-modification><actual-notes>3</actual-notes>
        <normal-notes>2</normal-notes></time-modification></note>
      <note><rest/><duration>6</duration><type>quarter</type></note>
      <harmony><root><root-step>E</root-step><root-alter>-1</root-alter></root>
        <kind>major-seventh</kind><bass><bass-step>G</bass-step></bass></harmony>
      <note><pitch><step>G</step><octave>4</octave></pitch><duration>12</duration>
        <tie type="start"/><type>half</type><notations><tied type="start"/></notations></note>
    </measure>
    <measure number="2">
      <attributes><time><beats>5</beats><beat-type>4</beat-type></time></attributes>
      <note><pitch><step>G</step><octave>4</octave></pitch><duration>6</duration>
        <tie type="stop"/><type>quarter</type><notations><tied type="stop"/></notations></note>
      <harmony><root><root-step>C</root-step></root><kind>minor-seventh</kind></harmony>
      <note><pitch><step>C</step><octave>5</octave></pitch><duration>3</duration>
        <type>eighth</type><dot/></note>
      <note><pitch><step>E</step><alter>-1</alter><octave>5</octave></pitch>
        <duration>1</duration><type>16th</type><accidental>flat</accidental></note>
      <note><pitch><step>G</step><octave>5</octave></pitch><duration>2</duration>
        <type>eighth</type></note>
      <note><pitch><step>B</step><alter>-1</alter><octave>5</octave></pitch>
        <duration>6</duration><type>quarter</type></note>
      <note><rest/><duration>12</duration><type>half</type></note>
    </measure>
    <measure number="3">
      <attributes><time><beats>6</beats><beat-type>8</beat-type></time></attributes>
      <harmony><root><root-step>F</root-step></root><kind>dominant</kind><degree>
        <degree-value>9</degree-value><degree-alter>-1</degree-alter>
        <degree-type>add</degree-type></degree></harmony>
      <note><pitch><step>A</step><octave>4</octave></pitch><duration>3</duration>
        <type>eighth</type></note>
      <note><pitch><step>C</step><octave>5</octave></pitch><duration>3</duration>
        <type>eighth</type></note>
      <note><chord/><pitch><step>E</step><octave>5</octave></pitch><duration>3</duration>
        <type>eighth</type></note>
      <note><pitch><step>F</step><octave>5</octave></pitch><duration>9</duration>
        <type>quarter</type><dot/></note>
      <note><rest/><duration>3</duration><type>eighth</type></note>
      <harmony><root><root-step>C</root-step></root><kind>none</kind></harmony>
    </measure>
    <measure number="4"><note><rest measure="yes"/><duration>18</duration></note></measure>
  </part>
  <part id="P2">
    <measure number="1"><attributes><divisions>2</divisions>
      <time><beats>4</beats><beat-type>4</beat-type></time>
      <clef><sign>F</sign><line>4</line></clef></attributes>
      <note><pitch><step>B</step><alter>-1</alter><octave>2</octave></pitch>
        <duration>4</duration><type>half</type></note>
      <note><pitch><step>G</step><octave>2</octave></pitch><duration>4</duration>
        <type>half</type></note></measure>
    <measure number="2"><attributes><time><beats>5</beats><beat-type>4</beat-type></time>
      </attributes><note><pitch><step>C</step><octave>3</octave></pitch>
        <duration>10</duration><type>whole</type><dot/><dot/></note></measure>
  </part>
</score-partwise>
"""
"""A small score the direct reader reads itself: triplets, a tie over the bar line, a 5/4
and a 6/8 bar, a chord, chord symbols with a bass, a degree and N.C., a tempo, a bass part."""


def hand_made_bundle(path: Path, compressed: bool = False) -> Path:
    """A bundle folder as save_bundle lays it out, with seeded plain weights (deflated with
    ``compressed``) and an empty model.keras (never opened while weights.npz is there)."""
    enc, mcfg = EncodingConfig(), ModelConfig(embedding_size=6, lstm_size=8, lstm_layers=1)
    config = {"format_version": FORMAT_VERSION, "jazzgen_version": __version__,
              "encoding": to_dict(enc), "model": to_dict(mcfg), "train": to_dict(TrainConfig()),
              "meta": {"median_tempo": 150.0}}
    path.mkdir()
    (path / "model.keras").write_bytes(b"")
    (path / "vocab.json").write_text(json.dumps(list(Vocabulary(enc).tokens)))
    (path / "config.json").write_text(json.dumps(config, indent=2))
    (path / "history.json").write_text(json.dumps({"train_loss": [3.1, 2.4]}))
    (np.savez_compressed if compressed else np.savez)(path / WEIGHTS, **seeded_net().arrays())
    return path


def _seeds(folder: Path) -> dict[str, list[str]]:
    """Seed files per target, written into ``folder``."""
    from jazzgen.output.sheet import lead_sheet_xml

    folder.mkdir()
    band = make_score([(60, 0, 24), (62, 24, 24), (64, 48, 48), (67, 96, 96)], title="band")
    band = replace(band, parts=(
        Part("Piano", (Note(48, 0, 96), Note(52, 0, 96), Note(55, 0, 96), Note(58, 96, 96))),
        Part("Bass", (Note(36, 0, 48), Note(43, 48, 48)), program=33, channel=1),
        Part("Drums", (Note(36, 0, 12), Note(42, 24, 12)), channel=9, is_drum=True)))
    midi = [write_midi(random_line(1, bars=2), folder / "line.mid"),
            write_midi(band, folder / "band.mid"),
            ROOT / "midi_corpus" / "10_major_ii_v_i_whole_step_down.mid"]
    (folder / "sheet.musicxml").write_bytes(lead_sheet_xml(random_line(3, bars=2)))
    (folder / "rich.musicxml").write_text(RICH_XML)
    xml = [folder / "sheet.musicxml", folder / "rich.musicxml"]
    bundle = [hand_made_bundle(folder / "bundle"),
              hand_made_bundle(folder / "deflated", compressed=True)]
    return {"midi": [str(p) for p in midi], "midi-gen": [], "xml": [str(p) for p in xml],
            "xml-tree": [str(p) for p in xml], "xml-diff": [str(xml[1])],
            "mxl": [str(p) for p in xml], "bundle": [str(p) for p in bundle]}


def run_worker(job: dict, folder: Path) -> dict:
    """Run one fuzz child on ``job``; its report, or a report of how it died."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "job.json").write_text(json.dumps({**job, "out": str(folder)}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
           "OPENBLAS_NUM_THREADS": "1", "JAZZGEN_CACHE_DIR": "off"}
    env.pop("JAZZGEN_XML_READER", None)
    try:
        done = subprocess.run([sys.executable, str(HERE / "fuzz_worker.py"),
                               str(folder / "job.json")], capture_output=True, text=True,
                              env=env, cwd=str(ROOT), timeout=WALL_SECONDS)
    except subprocess.TimeoutExpired:
        return {"died": f"ran past {WALL_SECONDS} s", "folder": str(folder)}
    if done.returncode != 0 or not done.stdout.strip():
        return {"died": f"exit status {done.returncode}: {done.stderr[-1500:]}",
                "folder": str(folder)}
    return {**json.loads(done.stdout.splitlines()[-1]), "folder": str(folder)}


@pytest.fixture(scope="module", autouse=True)
def fuzz_runs(tmp_path_factory):
    """Every fuzz target's run, started now, as many at a time as there are cores (2 to 4)."""
    base = tmp_path_factory.mktemp("fuzz")
    seeds = _seeds(base / "seeds")
    pool = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))
    futures = {}
    for target, count in CASES.items():
        job = {"target": "xml-tree" if target == "xml-diff" else target, "count": count,
               "first": 0, "seeds": seeds[target], "compare": target == "xml-diff",
               "case_seconds": CASE_SECONDS, "cpu_seconds": CPU_SECONDS}
        futures[target] = pool.submit(run_worker, job, base / target)
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def _check(report: dict, at_least_read: int) -> None:
    """A fuzz report with no findings, no TensorFlow, and enough inputs that really read."""
    assert "died" not in report, f"the fuzz child died: {report}"
    print(report["outcomes"], f"slowest case {report['slowest']} s")  # shown with -s
    findings = "\n".join(f"case {f['case']}: {f['error']} at {f['where']}"
                         for f in report["failures"])
    assert not report["failures"], f"inputs kept in {report['folder']}:\n{findings}"
    assert not report["tensorflow"]
    assert report["outcomes"].get("read", 0) >= at_least_read, report["outcomes"]


# ---------------------------------------------------------------- properties of the parsers

CHORD_TEXT = st.text(alphabet="ABCDEFG" "b#♭♯-+mMajinsudg°øΔ^()/,.0123456789 hNCalt", max_size=14)


@PROPERTY
@given(CHORD_TEXT | st.text(max_size=12))
def test_a_chord_symbol_reads_or_is_a_chord_symbol_error(text):
    try:
        chord = parse_chord(text)
    except ChordSymbolError as exc:
        assert isinstance(exc.symbol, str)
        return
    assert chord.pcs == tuple(sorted(set(chord.pcs))) and all(0 <= pc < 12 for pc in chord.pcs)
    assert chord.root in chord.pcs
    moved = parse_chord(transpose_symbol(text, 5))
    assert moved.pcs == tuple(sorted((pc + 5) % 12 for pc in chord.pcs))


@PROPERTY
@given(st.text(alphabet="CDFGBb7m-| %/\nN.maj9", max_size=60),
       st.sampled_from((72, 96, 120, 36, 1)), st.integers(0, 10 ** 6))
def test_written_changes_read_in_order_or_raise_their_error(text, bar_ticks, start):
    try:
        changes = parse_changes(text, bar_ticks, start)
    except (ChangesError, ChordSymbolError):
        return
    assert all(c.start >= start and c.duration > 0 for c in changes)
    assert all(a.end <= b.start for a, b in zip(changes, changes[1:], strict=False))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
SETTING = st.sampled_from(sorted({f.name for cls in (EncodingConfig, ModelConfig, TrainConfig)
                                  for f in cls.__dataclass_fields__.values()}))
VALUE = JSON | st.integers(-3, 300) | st.floats(-1, 2) | st.lists(st.integers(-2, 300), max_size=8)


@settings(PROPERTY, max_examples=200)
@given(st.sampled_from((EncodingConfig, ModelConfig, TrainConfig)),
       st.dictionaries(SETTING, VALUE, max_size=6) | JSON)
def test_a_config_from_any_json_is_built_or_a_config_error(cls, data):
    try:
        cfg = from_dict(cls, data)
    except ConfigError:
        return
    assert from_dict(cls, json.loads(json.dumps(to_dict(cfg)))) == cfg


@settings(PROPERTY, max_examples=60)
@given(st.sampled_from(("config.json", "vocab.json", "history.json")),
       JSON.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=40))
def test_a_bundle_with_any_json_loads_or_is_a_bundle_error(tmp_path_factory, name, data):
    from jazzgen.model.bundle import load_bundle

    path = hand_made_bundle(tmp_path_factory.mktemp("bundle") / "m")
    (path / name).write_bytes(data)
    try:
        load_bundle(path)
    except BundleError as exc:
        assert str(path) in str(exc)
    else:
        read_config(path)  # what loads, loads again


# ---------------------------------------------------------------- the fuzz runs
# (after the properties: the children run while those do)


def test_the_midi_reader_survives_byte_mutations(fuzz_runs):
    _check(fuzz_runs["midi"].result(), at_least_read=20)


def test_midi_files_of_random_messages_and_huge_delta_times_read_within_limits(fuzz_runs):
    report = fuzz_runs["midi-gen"].result()
    _check(report, at_least_read=100)
    assert report["outcomes"].get("ReadError: unreadable", 0) >= 20  # some too long


def test_both_musicxml_readers_survive_byte_mutations(fuzz_runs):
    _check(fuzz_runs["xml"].result(), at_least_read=5)
    _check(fuzz_runs["mxl"].result(), at_least_read=0)


def test_both_musicxml_readers_survive_edits_of_the_xml_tree(fuzz_runs):
    report = fuzz_runs["xml-tree"].result()
    _check(report, at_least_read=100)
    assert report["music21"]  # some edits sent the file to music21


def test_the_direct_reader_still_gives_music21s_score_after_edits(fuzz_runs):
    _check(fuzz_runs["xml-diff"].result(), at_least_read=10)


def test_the_bundle_loader_survives_mutated_files_without_tensorflow(fuzz_runs):
    report = fuzz_runs["bundle"].result()
    _check(report, at_least_read=0)
    assert report["outcomes"].get("BundleError", 0) >= 100


@pytest.mark.skipif(not (SHARED / "wjazzd" / "musicxml").is_dir(),
                    reason="../shared corpora absent")
def test_real_solos_survive_byte_mutations(tmp_path):
    seeds = [SHARED / "wjazzd" / "musicxml" / "LouisArmstrong_GutBucketBlues_Solo.xml",
             SHARED / "wjazzd" / "midi" / "ArtPepper_Anthropology_FINAL.mid"]
    seeds += sorted((SHARED / "odd-midi").rglob("*.mid"))[:6]
    seeds = [p for p in seeds if p.is_file()]
    midi = [str(p) for p in seeds if p.suffix == ".mid"]
    xml = [str(p) for p in seeds if p.suffix == ".xml"]
    for target, files in (("midi", midi), ("xml-tree", xml)):
        if files:
            _check(run_worker({"target": target, "count": 40, "first": 1000, "seeds": files,
                               "case_seconds": CASE_SECONDS, "cpu_seconds": CPU_SECONDS},
                              tmp_path / target), at_least_read=0)
