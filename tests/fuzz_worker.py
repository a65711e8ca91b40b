"""The byte-mutation fuzzer behind tests/test_fuzz.py, run in a child process with limits.

``python tests/fuzz_worker.py JOB.json`` caps its own address space (``RLIMIT_AS``) and CPU
time, then feeds ``count`` seeded mutations of the seed files to one reader and prints one
JSON line: the cases where anything but a ``JazzgenError`` came out (or a case ran past its
time), the slowest case's seconds, and whether TensorFlow got imported. A regression that
tries to allocate 30 GB or loops for minutes fails a case (``MemoryError``, ``slow``) instead
of taking the machine down. Case ``k`` of a target always gets the same bytes: its random
stream is seeded with ``"<target>:<k>"``.

Targets: ``midi`` (``read_midi``), ``xml`` and ``mxl`` (``read_score``: the direct MusicXML
reader, then music21), ``xml-tree`` (the same, for edits of the XML tree that keep it
well-formed), ``midi-gen`` (MIDI files written with mido from seeded random
messages, huge delta times and odd divisions among them, no seed file needed) and
``bundle`` (``load_bundle`` after one of config.json, vocab.json, history.json, weights.npz
of the seed bundle is mutated). Every score read must also be within the readers' limits
and encode.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import shutil
import signal
import sys
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

MEMORY_LIMIT = 2 << 30
"""Address space of a fuzz child, bytes (numpy and music21 imported take about 0.4 GB)."""

TOKENS = {  # what byte flips alone rarely make: AFL-style dictionaries per format
    "midi": (b"\x8f\xff\xff\x7f", b"\xff\xff\xff\x7f", b"\xff\x51\x03\x00\x00\x00",
             b"\xff\x58\x04\x07\x00\x18\x08", b"\xff\x59\x02\x09\x05", b"\xff\x06\x02F7",
             b"\x00\x01", b"\x90\x3c\x00", b"\x80\x3c\x40", b"MTrk\x00\x00\x00\x00"),
    "xml": (b"999999999", b"1000000000000", b"-1", b"0", b"1e308", b"<chord/>",
            b'<tie type="start"/>', b"<rest/>", b"<backup><duration>9</duration></backup>",
            b"<forward><duration>99999999</duration></forward>", b"<grace/>", b"&amp;",
            b"<time><beats>7</beats><beat-type>8</beat-type></time>", b"<divisions>1",
            b"<kind>dominant</kind>", b"<offset>-5</offset>", b"</measure><measure>"),
}


def mutate(data: bytes, rng: random.Random, tokens: tuple[bytes, ...] = ()) -> bytes:
    """``data`` with 1 to 8 random edits (mostly one or two): set, flip, delete, insert or copy
    bytes, or insert one of ``tokens``."""
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
        if not b:
            b.append(rng.randrange(256))
            continue
        i, op = rng.randrange(len(b)), rng.random()
        if op < 0.3:
            b[i] = rng.randrange(256)
        elif op < 0.45:
            b[i] ^= 1 << rng.randrange(8)
        elif op < 0.55:
            del b[i:i + rng.randint(1, 8)]
        elif op < 0.65:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        elif op < 0.75:
            b[i] = rng.choice((0, 0x7F, 0x80, 0xFF))
        elif op < 0.85:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randint(1, 32)]
        elif tokens:
            b[i:i] = rng.choice(tokens)
    return bytes(b)


XML_VALUES = ("0", "-1", "1", "2", "3", "7", "12", "999999999", "1000000000000", "1e308", "nan",
              "", "x", "2.5", "-2", "1/3", "C", "B", "flat", "start", "stop", "yes", "none")
XML_ELEMENTS = ("<chord/>", "<rest/>", '<tie type="start"/>', '<tie type="stop"/>', "<grace/>",
                "<dot/>", "<backup><duration>5</duration></backup>", "<voice>2</voice>",
                "<forward><duration>1000000</duration></forward>", "<offset>-3</offset>",
                "<time-modification><actual-notes>0</actual-notes></time-modification>")


def mutate_xml(data: bytes, rng: random.Random) -> bytes:
    """``data`` (well-formed XML) with 1 to 4 edits of its tree, still well-formed: an
    element's text or attribute set to an odd value, an element dropped, doubled or moved,
    or an odd element inserted; else (unparsable seed) a byte mutation."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return mutate(data, rng, TOKENS["xml"])
    for _ in range(rng.randint(1, 4)):
        parents = {c: p for p in root.iter() for c in p}
        el = rng.choice([e for e in root.iter() if e is not root])
        parent, op = parents[el], rng.random()
        if op < 0.35:
            el.text = rng.choice(XML_VALUES)
        elif op < 0.45 and el.attrib:
            el.set(rng.choice(sorted(el.attrib)), rng.choice(XML_VALUES))
        elif op < 0.6:
            parent.remove(el)
        elif op < 0.75:
            parent.insert(list(parent).index(el), ET.fromstring(ET.tostring(el)))
        elif op < 0.85:
            parent.remove(el)
            target = rng.choice([e for e in root.iter()])
            target.insert(rng.randint(0, len(target)), el)
        else:
            el.insert(rng.randint(0, len(el)), ET.fromstring(rng.choice(XML_ELEMENTS)))
    return ET.tostring(root)


def random_midi(rng: random.Random) -> bytes:
    """A MIDI file of seeded random messages: notes on any channel (most released soon, some
    never), tempo, meter, key and chord-symbol events, now and then a pause of up to 2**28
    ticks, and any division."""
    import mido

    tpb = rng.choice((1, 3, 24, 96, 480, 960, 32767))
    mid = mido.MidiFile(type=rng.choice((0, 1, 1, 2)), ticks_per_beat=tpb)

    def delta() -> int:
        if rng.random() < 0.06:
            return rng.choice((rng.randrange(1 << 28), (1 << 28) - 1, 1 << 20))
        return rng.choice((0, 0, 1, tpb // 2, tpb, 4 * tpb, rng.randrange(8 * tpb + 1)))

    for _ in range(1 if mid.type == 0 else rng.randint(1, 4)):
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=rng.choice(("Solo", "Piano", "Bass",
                                                                      "Drums", ""))))
        for _ in range(rng.randint(0, 40)):
            ch, pitch, kind = rng.choice((0, 0, 1, 9, 15)), rng.randrange(128), rng.random()
            if kind < 0.6:
                track.append(mido.Message("note_on", channel=ch, note=pitch,
                                          velocity=rng.randrange(128), time=delta()))
                if rng.random() < 0.9:
                    track.append(mido.Message("note_off", channel=ch, note=pitch,
                                              time=rng.choice((0, 1, tpb, 2 * tpb))))
                continue
            if kind < 0.65:
                msg = mido.Message("note_off", channel=ch, note=pitch)
            elif kind < 0.72:
                msg = mido.MetaMessage("set_tempo", tempo=rng.choice((0, 1, 500000, 16777215)))
            elif kind < 0.8:
                msg = mido.MetaMessage("time_signature", numerator=rng.choice((1, 4, 7, 255)),
                                       denominator=rng.choice((1, 2, 4, 8, 64)))
            elif kind < 0.9:
                msg = mido.MetaMessage("marker", text=rng.choice(("C7", "Dm7", "N.C.", "Bb7alt",
                                                                  "verse", "G7/B", "")))
            else:
                msg = mido.Message("program_change", channel=ch, program=rng.randrange(128))
            track.append(msg.copy(time=delta()))
        mid.tracks.append(track)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


class Slow(BaseException):  # noqa: N818 - not an Exception, so no reader's handler takes it
    """A case ran past its time."""


def _alarm(signum, frame):
    raise Slow()


def check_score(score) -> None:
    """What every read score must satisfy: within the readers' limits, already cut, encodable."""
    from jazzgen.model.config import EncodingConfig
    from jazzgen.model.encoding import Vocabulary, encode
    from jazzgen.music.notes import MAX_PIECE_BARS, cut_silence, length_in_bars

    assert length_in_bars(score) <= MAX_PIECE_BARS, length_in_bars(score)
    assert cut_silence(score) == score, "a silence longer than MAX_SILENCE_BARS is left"
    encode(score, Vocabulary(EncodingConfig()))


def _case(target: str, k: int, seeds: list[Path], scratch: Path, compare: bool = False) -> None:
    """Run case ``k``: make its input in ``scratch`` and read it."""
    from jazzgen.io.read import read_score

    rng = random.Random(f"{target}:{k}")
    if target == "bundle":
        from jazzgen.model.bundle import load_bundle

        bundle = scratch / "bundle"
        shutil.rmtree(bundle, ignore_errors=True)
        shutil.copytree(seeds[k % len(seeds)], bundle)
        victim = bundle / rng.choice(("config.json", "vocab.json", "history.json",
                                      "weights.npz", "weights.npz"))
        victim.write_bytes(mutate(victim.read_bytes(), rng))
        load_bundle(bundle)
        return
    if target == "midi-gen":
        data, suffix = random_midi(rng), ".mid"
    else:
        seed = seeds[k % len(seeds)]
        data, suffix = seed.read_bytes(), seed.suffix
        if target == "xml-tree":
            data = mutate_xml(data, rng)
        elif target != "mxl":
            data = mutate(data, rng, TOKENS.get(target, ()))
        else:  # the score inside an intact archive, or the archive's bytes
            inside = rng.random() < 0.5
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("META-INF/container.xml", '<container><rootfiles><rootfile '
                           'full-path="score.xml"/></rootfiles></container>')
                z.writestr("score.xml", mutate_xml(data, rng) if inside else data)
            data, suffix = buf.getvalue() if inside else mutate(buf.getvalue(), rng), ".mxl"
    path = scratch / f"case{suffix}"
    path.write_bytes(data)
    score = read_score(path)
    check_score(score)
    if compare and _direct_reads(path):  # then music21 must give the very same Score
        os.environ["JAZZGEN_XML_READER"] = "music21"
        try:
            assert read_score(path) == score, "the direct reader and music21 disagree"
        finally:
            del os.environ["JAZZGEN_XML_READER"]


def _direct_reads(path: Path) -> bool:
    """Whether the direct MusicXML reader reads ``path`` itself (not handing it to music21)."""
    from jazzgen.io import xml_direct

    try:
        xml_direct.read_direct(path)
    except xml_direct.Unsupported:
        return False
    return True


def run(job: dict) -> dict:
    """Run the cases of ``job``; the cases that failed, with what came out and where."""
    from jazzgen.errors import JazzgenError

    scratch, seeds = Path(job["out"]), [Path(s) for s in job.get("seeds", ())]
    failures, slowest, outcomes = [], 0.0, Counter()
    signal.signal(signal.SIGPROF, _alarm)  # CPU time: fuzz children share the cores
    for k in range(job["first"], job["first"] + job["count"]):
        began = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, job["case_seconds"])
        try:
            _case(job["target"], k, seeds, scratch, job.get("compare", False))
            outcomes["read"] += 1
        except JazzgenError as exc:
            outcomes[f"{type(exc).__name__}: {getattr(exc, 'reason', '')}".rstrip(": ")] += 1
        except (Exception, Slow) as exc:  # everything else is a finding
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            kept = scratch / f"failure-{k}"
            for made in scratch.iterdir():
                if made.name.startswith(("case", "bundle")):
                    (shutil.copytree if made.is_dir() else shutil.copy)(
                        made, kept.with_name(f"{kept.name}-{made.name}"))
            failures.append({"case": k, "error": f"{type(exc).__name__}: {str(exc)[:200]}",
                             "where": f"{Path(frame.filename).name}:{frame.lineno}"})
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        slowest = max(slowest, time.process_time() - began)
    return {"failures": failures, "slowest": round(slowest, 3), "outcomes": outcomes,
            "tensorflow": "tensorflow" in sys.modules, "music21": "music21" in sys.modules}


def limited_python(code: str, timeout: float = 60.0) -> dict:
    """Run ``code`` in a fresh interpreter capped at :data:`MEMORY_LIMIT`; the JSON value of
    the last line it prints. For tests whose regression would allocate tens of GB."""
    import subprocess

    here = Path(__file__).resolve().parent
    preamble = ("import resource; resource.setrlimit(resource.RLIMIT_AS, "
                f"({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here), str(here.parent)]),
           "OPENBLAS_NUM_THREADS": "1", "JAZZGEN_CACHE_DIR": "off"}
    done = subprocess.run([sys.executable, "-c", preamble + code], capture_output=True,
                          text=True, env=env, cwd=str(here.parent), timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    cpu = int(job.get("cpu_seconds", 120))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    print(json.dumps(run(job)))


if __name__ == "__main__":
    main()
