"""A synthetic corpus of valid small solo MIDI files, for scale benchmarks and tests.

    python -m bench.synth_corpus OUT --files 20000 [--seed 0] [--workers 2]

File ``i`` is a function of (seed, i) alone: 8 to 32 bars of 4/4 at 100 to 260 BPM over a
built-in progression (blues, rhythm changes, ii-V-I...) in a random key, written as
jazzgen's own type-1 MIDI with the chord symbols as markers. The line is a random walk over
the chord tones with chromatic and scale steps between them, in swung eighths (16 + 8
ticks), eighth-note triplets and quarter notes, with rests, in 52..88 (MIDI). Every file
reads back with at least 8 melody notes, so a prepare of N files keeps N pieces. Files go
into subfolders of 1,000 (``0000/solo-000000.mid``), as a large real corpus would be laid
out.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

PROGRESSIONS = ("blues", "minor-blues", "rhythm", "ii-v-i", "minor-ii-v-i", "autumn-cycle")
KEYS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
PER_FOLDER = 1000
BAR = 96  # ticks of a 4/4 bar at 24 per beat


def _changes(r: random.Random, bars: int):
    """``bars`` bars of a random built-in progression in a random key, chorus after chorus."""
    from jazzgen.music.chords import ChordChange
    from jazzgen.music.progressions import PROGRESSIONS as BUILT_IN
    from jazzgen.music.progressions import parse_changes, progression_changes

    names = [p for p in PROGRESSIONS if p in BUILT_IN] or sorted(BUILT_IN)
    chorus = parse_changes(progression_changes(r.choice(names), r.choice(KEYS)), BAR)
    length = max(c.end for c in chorus)
    out = []
    for k in range(-(-bars * BAR // length)):
        out += [ChordChange(c.start + k * length, c.duration, c.chord) for c in chorus]
    return tuple(ChordChange(c.start, min(c.end, bars * BAR) - c.start, c.chord)
                 for c in out if c.start < bars * BAR)


def _pitch_near(r: random.Random, prev: int, pcs: tuple[int, ...], lo=52, hi=88) -> int:
    """A chord tone within a fifth of ``prev``, or a step away from it (a passing tone)."""
    if r.random() < 0.3:
        nxt = prev + r.choice((-2, -1, 1, 2))
    else:
        near = [p for p in range(prev - 7, prev + 8) if p % 12 in pcs and p != prev]
        nxt = r.choice(near) if near else prev
    return min(max(nxt, lo), hi)


def synth_score(seed: int, index: int):
    """Solo ``index`` of the corpus drawn from ``seed``: a Score of 8 to 32 bars."""
    from jazzgen.music.notes import Note, Score, chord_at

    r = random.Random(seed * 1_000_003 + index)
    bars = r.randint(8, 32)
    changes = _changes(r, bars)
    notes, t, pitch, end = [], 0, r.randint(60, 76), bars * BAR
    while t < end:
        pcs = chord_at(changes, t).pcs if chord_at(changes, t) else tuple(range(12))
        kind = r.random()
        if kind < 0.1:  # a beat's rest
            t += 24
            continue
        if kind < 0.3:  # eighth-note triplet
            lengths = (8, 8, 8)
        elif kind < 0.85:  # swung eighth pair
            lengths = (16, 8)
        else:
            lengths = (24,)
        for d in lengths:
            if t + d > end:
                break
            pitch = _pitch_near(r, pitch, pcs)
            notes.append(Note(pitch, t, d, r.randint(70, 110)))
            t += d
        t += (24 - t % 24) % 24
    return Score(tuple(notes), changes, tempo=float(r.randrange(100, 261, 4)),
                 title=f"synthetic solo {index}")


def _write_range(args: tuple[str, int, int, int]) -> int:
    """Write files ``start`` to ``stop - 1`` of the corpus into ``out``; how many."""
    from jazzgen.io.midi import write_midi

    out, seed, start, stop = args
    for i in range(start, stop):
        folder = Path(out) / f"{i // PER_FOLDER:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        write_midi(synth_score(seed, i), folder / f"solo-{i:06d}.mid")
    return stop - start


def write_synth_corpus(out: str | Path, files: int, seed: int = 0, workers: int = 1) -> Path:
    """Write ``files`` synthetic solos into ``out`` (on ``workers`` processes); the folder."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    step = 250
    ranges = [(str(out), seed, a, min(a + step, files)) for a in range(0, files, step)]
    if workers > 1 and len(ranges) > 1:
        with mp.get_context("spawn").Pool(workers) as pool:
            for _ in pool.imap_unordered(_write_range, ranges):
                pass
    else:
        for job in ranges:
            _write_range(job)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    began = time.monotonic()
    write_synth_corpus(args.out, args.files, args.seed, args.workers)
    print(f"wrote {args.files} files into {args.out} in {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
