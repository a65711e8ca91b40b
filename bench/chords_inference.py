"""Chord changes inferred from an accompaniment, against the changes it was played over.

    python -m bench.chords_inference [--seeds 3] [--files DIR]

The score is the share of half-bars whose inferred chord has the right root and family
(``jazzgen.music.inference.agreement``). Two sets:

- jazzgen's own band (piano and walking bass, no drums, chord symbols never shown to the
  reader) over every built-in progression in four keys (the written key and 3, 6 and 9
  semitones up), seeds 0..N-1;
- real multi-track MIDI from Impro-Visor whose changes are known (``REAL``), read by
  ``read_midi`` as any plain MIDI file is (its own melody and accompaniment choice).

Each set is also read the way jazzgen did before (``window_by_window``: template matching of
each half-bar on its own, every pitched part but the melody), in the same run. Without the
real files (``../shared/corpora/impro-visor/midi``, or ``--files DIR``) the second set is
skipped: the run prints one line and exits 0.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.generate.band import make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.io.midi import read_midi
from jazzgen.music.chords import ChordChange
from jazzgen.music.inference import accompaniment, agreement, chord_from_pitches, infer_changes
from jazzgen.music.notes import Note, Part, Score, TimeSignature, bar_meters
from jazzgen.music.progressions import PROGRESSIONS, parse_changes, progression_changes
from jazzgen.music.spelling import FLAT_NAMES, LETTER_PC

HALF_BAR = 48
KEY_SHIFTS = (0, 3, 6, 9)
DEFAULT_FILES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "impro-visor" / "midi"

Reader = Callable[[Score, Sequence[Part]], tuple[ChordChange, ...]]


@dataclass(frozen=True)
class RealFile:
    """A MIDI file whose changes are known: ``chart`` (one chorus, bars split by "|")
    played ``choruses`` times from bar ``first_bar`` (1-based)."""

    name: str
    title: str
    first_bar: int
    choruses: int
    chart: str
    source: str


_BERNIE_A = "Dm | Dm | Bb7 | Bb7 | Em7b5 | A7 | Dm |"
REAL = (
    RealFile("bagsgroove.mid", "Bags' Groove", 2, 6,
             "F7 | Bb7 | F7 | F7 | Bb7 | Bb7 | F7 | D7 | Gm7 | C7 | F7 | C7",
             "the blues in F a player would write for it (issue 13)"),
    RealFile("BerniesTuneWardellGray.mid", "Bernie's Tune", 2, 2,
             f"{_BERNIE_A} Em7 A7 | {_BERNIE_A} Cm7 F7 |"
             " Bb6 | Cm7 F7 | Bb6 | Cm7 F7 | Bb6 | Cm7 F7 | Bb6 | Em7b5 A7 |"
             f" {_BERNIE_A} Em7 A7",
             "Impro-Visor's Mulligan leadsheet of the tune, its Em7 written Em7b5 as this "
             "file's piano voices it (G Bb D over E)"),
    RealFile("milestones.mid", "Milestones", 1, 3,
             " | ".join(["Gm7"] * 16 + ["Am7"] * 16 + ["Gm7"] * 8),
             "Impro-Visor's Cannonball Adderley leadsheet: 16 bars Gm7, 16 Am7, 8 Gm7"),
)
"""The real files and their known changes."""


def window_by_window(score: Score, parts: Sequence[Part], window: int = HALF_BAR
                     ) -> tuple[ChordChange, ...]:
    """How jazzgen read changes before: each window on its own, the pitches sounding a
    quarter of it or more (one note's longest stretch) and the lowest, by template."""
    notes = [n for p in parts if not p.is_drum for n in p.notes]
    if not notes:
        return ()
    end = max(n.end for n in notes)
    changes: list[ChordChange] = []
    for bar, sig in bar_meters(score, end):
        for ws in range(bar, min(bar + sig.bar_ticks, end), window):
            weight: dict[int, int] = {}
            for n in notes:
                overlap = min(n.end, ws + window) - max(n.start, ws)
                if overlap > 0:
                    weight[n.pitch] = max(weight.get(n.pitch, 0), overlap)
            if not weight:
                continue
            pitches = [p for p, w in weight.items() if w >= 0.25 * window] + [min(weight)]
            chord = chord_from_pitches(pitches)
            if chord is None:
                continue
            last = changes[-1] if changes else None
            if last is not None and last.end == ws and last.chord == chord:
                changes[-1] = ChordChange(last.start, last.duration + window, chord)
            else:
                changes.append(ChordChange(ws, window, chord))
    return tuple(changes)


def key_names(key: str) -> list[str]:
    """``key`` and the keys ``KEY_SHIFTS`` semitones above it, minor kept minor."""
    minor = key.endswith("m")
    tonic = key.removesuffix("m")
    pc = LETTER_PC[tonic[0]] + {"": 0, "b": -1, "#": 1}[tonic[1:]]
    return [FLAT_NAMES[(pc + s) % 12] + ("m" if minor else "") for s in KEY_SHIFTS]


def band_cases(seeds: int = 3) -> list[tuple[str, str, int]]:
    """(progression, key, seed) for every built-in progression, four keys, ``seeds`` seeds."""
    return [(name, key, seed) for name, prog in PROGRESSIONS.items()
            for key in key_names(prog.key) for seed in range(seeds)]


def band_agreement(reader: Reader = infer_changes, seeds: int = 3) -> tuple[int, int]:
    """(right, half-bars) of ``reader`` over jazzgen's band on every case of ``band_cases``."""
    right = total = 0
    for name, key, seed in band_cases(seeds):
        changes = parse_changes(progression_changes(name, key))
        end = changes[-1].end
        parts = make_band(changes, (TimeSignature(0),), end, BandConfig(drums=False),
                          np.random.default_rng(seed))
        score = Score(notes=(Note(60, 0, 1),), parts=parts)  # no changes: only the parts
        found = reader(score, accompaniment(parts))
        r, n = agreement(changes, found, range(0, end, HALF_BAR))
        right, total = right + r, total + n
    return right, total


def real_agreement(folder: Path, spec: RealFile) -> tuple[tuple[int, int], tuple[int, int]]:
    """(right, half-bars) of today's inference and of ``window_by_window`` on one file."""
    score = read_midi(folder / spec.name)
    start = (spec.first_bar - 1) * 96
    expected = parse_changes(" | ".join([spec.chart] * spec.choruses), 96, start)
    ticks = range(start, expected[-1].end, HALF_BAR)
    before = window_by_window(score, [p for p in score.parts if not p.is_drum])
    return agreement(expected, score.changes, ticks), agreement(expected, before, ticks)


def share(counts: tuple[int, int]) -> str:
    """``right / total`` as a percentage."""
    return f"{100 * counts[0] / counts[1]:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--files", default=os.environ.get("JAZZGEN_IMPRO_VISOR_MIDI"),
                        help=f"folder of the real files (default: {DEFAULT_FILES})")
    args = parser.parse_args()
    folder = Path(args.files or DEFAULT_FILES)
    now, before = band_agreement(seeds=args.seeds), band_agreement(window_by_window, args.seeds)
    line = (f"band ({len(PROGRESSIONS)} progressions x {len(KEY_SHIFTS)} keys x {args.seeds} "
            f"seeds, {now[1]:,} half-bars): {share(now)} right by root and family; "
            f"window by window (before): {share(before)}")
    missing = [s.name for s in REAL if not (folder / s.name).is_file()]
    if missing:
        print(f"{line}; real files skipped: {', '.join(missing)} not found in {folder}")
        return
    print(line)
    totals = [0, 0, 0, 0]
    for spec in REAL:
        (r, n), (br, bn) = real_agreement(folder, spec)
        totals = [totals[0] + r, totals[1] + n, totals[2] + br, totals[3] + bn]
        print(f"{spec.title} ({spec.name}, {n} half-bars): {share((r, n))}; "
              f"before: {share((br, bn))}")
    print(f"real files, all {totals[1]} half-bars: {share((totals[0], totals[1]))}; "
          f"before: {share((totals[2], totals[3]))}")


if __name__ == "__main__":
    main()
