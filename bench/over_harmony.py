"""How well a solo over a backing track fits its changes (``jazzgen generate --over``).

    python -m bench.over_harmony [--seeds 3] [--files DIR]

Backing tracks of jazzgen's own band (piano, walking bass, drums; no chord symbols, so the
changes are inferred) over every built-in progression in its written key; a solo of the
shipped model over each, per seed. The score is the share of the solo's on-beat notes that
are chord or chord-scale tones (``jazzgen.evaluate.musdr.harmony_scores``), measured against
the true changes and against the inferred ones, mean +- sd over tunes and seeds; the issue
asks for 70%. Then the same over Impro-Visor's Bags' Groove (a real multi-track file with no
chord symbols; ``../shared/corpora/impro-visor/midi`` or ``--files DIR``), against the
inferred changes; skipped, saying so, without it.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import mido
import numpy as np

from jazzgen.evaluate.musdr import harmony_scores
from jazzgen.generate.band import make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.over import generate_over
from jazzgen.generate.solo import PACKAGED_MODEL, Request
from jazzgen.io.midi import score_to_bytes
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Score, TimeSignature
from jazzgen.music.progressions import PROGRESSIONS, parse_changes, progression_changes

REAL = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "impro-visor" / "midi"


def write_band_backing(path: Path, name: str = "rhythm", key: str | None = None,
                       seed: int = 0, tempo: float = 160.0, markers: bool = False,
                       tpb: int | None = None) -> tuple[tuple[ChordChange, ...], int]:
    """Write a backing track of jazzgen's band over a built-in progression (chord symbols
    only with ``markers``; ``tpb`` ticks per beat, default 480); return its changes and end
    tick."""
    bar = 4 * TICKS_PER_BEAT
    changes = parse_changes(progression_changes(name, key), bar_ticks=bar)
    end = max(c.end for c in changes)
    parts = make_band(changes, (TimeSignature(0),), end, BandConfig().at_tempo(tempo),
                      np.random.default_rng(seed))
    score = Score((), changes if markers else (), tempo=tempo, parts=parts)
    mid = mido.MidiFile(file=io.BytesIO(score_to_bytes(score)))
    mid.tracks = [t for t in mid.tracks if not any(m.type == "track_name" and m.name == "Solo"
                                                   for m in t)]
    if tpb is not None:
        scale = tpb / mid.ticks_per_beat
        for track in mid.tracks:
            for msg in track:
                msg.time = round(msg.time * scale)
        mid.ticks_per_beat = tpb
    mid.save(path)
    return changes, end


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--files", type=Path, default=Path(os.environ.get("JAZZGEN_IMPRO", REAL)))
    args = ap.parse_args()
    true_shares, inferred = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name in PROGRESSIONS:
            backing = Path(tmp) / f"{name}.mid"
            changes, _ = write_band_backing(backing, name)
            for seed in range(1, args.seeds + 1):
                solo = generate_over(PACKAGED_MODEL, Path(tmp) / "solo.mid",
                                     Request(seed=seed, over=backing)).solos[0].score
                inferred.append(harmony_scores(solo)["chord_or_scale_share"])
                true_shares.append(harmony_scores(replace(solo, changes=changes))
                                   ["chord_or_scale_share"])
        print(f"jazzgen's band, {len(PROGRESSIONS)} progressions x {args.seeds} seeds: "
              f"on-beat chord or scale tones {np.mean(true_shares):.1%} +- "
              f"{np.std(true_shares):.1%} of the true changes, {np.mean(inferred):.1%} +- "
              f"{np.std(inferred):.1%} of the inferred ones (goal 70%)")
        bags = args.files / "bagsgroove.mid"
        if not bags.is_file():
            print(f"no {bags}: the real-file measure is skipped")
            return
        shares = [harmony_scores(generate_over(
            PACKAGED_MODEL, Path(tmp) / "solo.mid", Request(seed=seed, over=bags))
            .solos[0].score)["chord_or_scale_share"] for seed in range(1, args.seeds + 1)]
        print(f"Bags' Groove (Impro-Visor), {args.seeds} seeds: {np.mean(shares):.1%} +- "
              f"{np.std(shares):.1%} of the inferred changes")


if __name__ == "__main__":
    main()
