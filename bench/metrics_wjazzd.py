"""Check jazzgen.metrics against the published numbers on the WJazzD MusicXML solos.

Computes MusDr's H1, H4 and GS (and CPI) and the chord-tone shares over the 428 solos in
../shared/corpora/wjazzd/musicxml, counting played notes only (never chord symbols), and
prints them next to the reference values. Reads files with ``jazzgen.scores.read_musicxml``
when it works, else with a minimal reader here.

    .venv/bin/python bench/metrics_wjazzd.py [--limit N] [--corpus DIR] [--workers 2]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jazzgen.evaluate.musdr import (  # noqa: E402
    chord_progression_irregularity,
    grooving_similarity,
    harmony_scores,
    pitch_class_entropy,
)
from jazzgen.music.chords import Chord, ChordChange  # noqa: E402
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score, TimeSignature  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "wjazzd" / "musicxml"

# Real players over these 428 solos (measured for the project, shared/docs/gotchas.md), and
# what MusDr's code gives on the Jazz Transformer's REMI encoding of WJazzD.
REFERENCE = {"H1": 1.94, "H4": 2.88, "GS": 0.84, "chord_or_scale": 0.79, "chord_tone": 0.53}
MUSDR_CODE = {"H1": 1.94, "H4": 2.89, "GS": 0.83}


def read_private(path: Path) -> Score:
    """Minimal MusicXML reader: notes (chord symbols skipped), chord symbols, and a time
    signature for every measure whose length differs from the one before (WJazzD has 5/4
    measures inside 4/4 solos; without them every later bar line is a beat off)."""
    from music21 import converter, harmony

    part = converter.parse(str(path), forceSource=True, storePickle=False).parts[0]
    flat = part.flatten()
    notes, symbols = [], []
    for el in flat.stripTies().notes:
        start = round(float(el.offset) * TICKS_PER_BEAT)
        if isinstance(el, harmony.ChordSymbol):  # a Chord subclass: must not count as notes
            root = el.root()
            if root is not None:
                pcs = tuple(sorted({p.pitchClass for p in el.pitches}))
                symbols.append((start, Chord(el.figure, root.pitchClass, pcs, el.chordKind)))
            continue
        duration = round(float(el.quarterLength) * TICKS_PER_BEAT)
        if duration > 0:
            pitch = max(p.midi for p in el.pitches)
            notes.append(Note(pitch, start, duration))
    notes.sort(key=lambda n: (n.start, -n.pitch))
    end = max(round(float(flat.highestTime) * TICKS_PER_BEAT), notes[-1].end)
    changes = []
    for i, (tick, chord) in enumerate(symbols):
        stop = symbols[i + 1][0] if i + 1 < len(symbols) else end
        if stop > tick:
            changes.append(ChordChange(tick, stop - tick, chord))
    sigs: list[TimeSignature] = []
    for m in part.getElementsByClass("Measure"):
        length = round(float(m.duration.quarterLength) * TICKS_PER_BEAT)
        if length <= 0 or length % (TICKS_PER_BEAT // 2):
            continue  # empty measures take no time; odd lengths are left on the grid
        sig = (TimeSignature(0, length // TICKS_PER_BEAT, 4) if length % TICKS_PER_BEAT == 0
               else TimeSignature(0, 2 * length // TICKS_PER_BEAT, 8))
        start = round(float(m.offset) * TICKS_PER_BEAT)
        if not sigs or sigs[-1].bar_ticks != sig.bar_ticks:
            sigs.append(TimeSignature(start if sigs else 0, sig.numerator, sig.denominator))
    return Score(notes=tuple(notes), changes=tuple(changes),
                 time_signatures=tuple(sigs) or (TimeSignature(0),), title=path.stem)


def measure(path: Path, lead_reader: bool) -> tuple:
    """(name, H1, H4, GS, CPI, on-beat notes, chord tones, chord-or-scale tones) or an error."""
    try:
        if lead_reader:
            from jazzgen.io.musicxml import read_musicxml

            score = read_musicxml(path)
        else:
            score = read_private(path)
        return (path.name, pitch_class_entropy(score, 1), pitch_class_entropy(score, 4),
                grooving_similarity(score), chord_progression_irregularity(score),
                *harmony_counts(score))
    except Exception as exc:  # report and go on: one bad file must not stop the bench
        return (path.name, f"{type(exc).__name__}: {exc}")


def scale_available() -> bool:
    """Whether jazzgen.chord_scales.chord_scale exists yet (it is written concurrently)."""
    try:
        from jazzgen.music.scales import chord_scale  # noqa: F401
    except ImportError:
        return False
    return True


def harmony_counts(score: Score) -> tuple[int, int, int]:
    """On-beat notes under a chord, chord tones, chord-or-scale tones (-1 without scales)."""
    if scale_available():
        h = harmony_scores(score)
        return h["on_beat_notes"], h["chord_tones"], h["chord_or_scale_tones"]
    under = [(n, score.chord_at(n.start)) for n in score.notes if n.start % TICKS_PER_BEAT == 0]
    under = [(n, c) for n, c in under if c is not None]
    return len(under), sum(n.pitch % 12 in c.pcs for n, c in under), -1


def main() -> None:
    """Run the metrics over the corpus and print them beside the reference values."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--private-reader", action="store_true",
                    help="use the bench's own reader even when jazzgen.scores works")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found: {args.corpus}")
    files = sorted(args.corpus.glob("*.xml"))[: args.limit or None]
    first = measure(files[0], lead_reader=not args.private_reader)
    lead = len(first) > 2 and not args.private_reader
    print(f"reader: {'jazzgen.scores.read_musicxml' if lead else 'private (bench) reader'}"
          + ("" if lead or args.private_reader else f"  [lead reader failed: {first[1]}]"))
    t0 = time.perf_counter()
    with Pool(args.workers) as pool:
        rows = pool.map(functools.partial(measure, lead_reader=lead), files, chunksize=4)
    elapsed = time.perf_counter() - t0
    good = [r for r in rows if len(r) > 2]
    for r in rows:
        if len(r) == 2:
            print(f"  skipped {r[0]}: {r[1]}")
    if not good:
        sys.exit("no solo could be measured")
    mean = {k: sum(r[i] for r in good) / len(good) for k, i in (("H1", 1), ("H4", 2),
                                                               ("GS", 3))}
    cpis = [r[4] for r in good if r[4] is not None]
    n, tones, scale = (sum(r[i] for r in good) for i in (5, 6, 7))
    have_scale = all(r[7] >= 0 for r in good)
    print(f"{len(good)} of {len(files)} solos in {elapsed:.0f} s ({args.workers} workers)")
    print(f"{'metric':<16}{'jazzgen':>9}{'reference':>11}{'MusDr code':>12}")
    for key in ("H1", "H4", "GS"):
        print(f"{key:<16}{mean[key]:>9.3f}{REFERENCE[key]:>11.2f}{MUSDR_CODE[key]:>12.2f}")
    if cpis:
        print(f"{'CPI':<16}{sum(cpis) / len(cpis):>9.3f}{'-':>11}{'-':>12}")
    n = max(n, 1)
    print(f"{'chord tone':<16}{tones / n:>9.3f}{REFERENCE['chord_tone']:>11.2f}{'-':>12}"
          f"   ({n} on-beat notes under a chord)")
    scale_text = f"{scale / n:>9.3f}" if have_scale else f"{'n/a':>9}"
    print(f"{'chord or scale':<16}{scale_text}{REFERENCE['chord_or_scale']:>11.2f}{'-':>12}"
          + ("" if have_scale else "   (jazzgen.chord_scales.chord_scale not written yet)"))


if __name__ == "__main__":
    main()
