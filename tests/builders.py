"""Builders shared by the tests: tiny scores and corpora, chord tables, band progressions.

A plain module (not a conftest), imported as ``from builders import ...``; the tests folder
is on ``sys.path`` because it is pytest's rootdir-relative test folder without an
``__init__.py``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from jazzgen.music.chords import Chord, ChordChange
from jazzgen.music.notes import Note, Part, Score, TimeSignature

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
"""The shared corpora beside the checkout (absent on most machines: tests skip)."""


# ---------------------------------------------------------------- scores and corpora


def chord(symbol: str):
    """A Chord from a jazz symbol (through jazzgen.music.chords)."""
    from jazzgen.music.chords import parse_chord

    return parse_chord(symbol)


def make_score(notes, changes=(), tempo=120.0, sigs=None, title="test") -> Score:
    """A Score from [(pitch, start, duration)] and [(symbol, start, duration)], ticks."""
    return Score(
        notes=tuple(Note(p, s, d) for p, s, d in notes),
        changes=tuple(ChordChange(s, d, chord(sym)) for sym, s, d in changes),
        time_signatures=tuple(sigs or (TimeSignature(0),)),
        tempo=tempo,
        title=title,
    )


def raw_score(notes, changes=()) -> Score:
    """A Score from (pitch, start, duration) triples and (Chord, start, duration) triples."""
    return Score(notes=tuple(Note(p, s, d) for p, s, d in notes),
                 changes=tuple(ChordChange(s, d, c) for c, s, d in changes))


def line(pitches, step=12, start=0):
    """(pitch, start, duration) triples of length ``step``, one after another."""
    return [(p, start + i * step, step) for i, p in enumerate(pitches)]


MOTIF = (60, 62, 64, 67, 65, 64, 62, 59)  # a fixed eighth-note line, for predictable corpora


def motif_line(title: str, bars: int = 4, shift: int = 0) -> Score:
    """The motif in straight eighths over ii-V-I-VI, ``bars`` bars."""
    notes = [(MOTIF[i % len(MOTIF)] + shift, i * 12, 12) for i in range(bars * 8)]
    changes = [(("Dm7", "G7", "Cmaj7", "A7")[b % 4], b * 96, 96) for b in range(bars)]
    return make_score(notes, changes, title=title)


def write_scores(folder: Path, scores) -> Path:
    """Write ``scores`` as piece0.mid, piece1.mid, ... into ``folder``."""
    from jazzgen.io.midi import write_midi

    folder.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(scores):
        write_midi(s, folder / f"piece{i}.mid")
    return folder


def random_line(seed: int, bars: int = 8, changes=("Dm7", "G7", "Cmaj7", "A7")) -> Score:
    """A seeded jazz-ish line (swing eighths, triplets, rests) over a repeating ii-V-I."""
    r = random.Random(seed)
    notes, t = [], 0
    end = bars * 96
    while t < end:
        kind = r.random()
        if kind < 0.15:
            t += 24  # a beat's rest
            continue
        if kind < 0.35 and t % 24 == 0:  # eighth-note triplet
            for _ in range(3):
                notes.append((r.randint(60, 76), t, 8))
                t += 8
            continue
        if t % 24 == 0:  # swung eighth pair
            notes.append((r.randint(58, 79), t, 16))
            notes.append((r.randint(58, 79), t + 16, 8))
            t += 24
        else:
            t += 24 - t % 24
    notes = [n for n in notes if n[1] + n[2] <= end]
    ch = [(changes[i % len(changes)], i * 96, 96) for i in range(bars)]
    return make_score(notes, ch, tempo=150.0, title=f"line {seed}")


def write_corpus(folder: Path, n: int = 4, bars: int = 8) -> Path:
    """Write ``n`` seeded MIDI solos with chord markers into ``folder``."""
    from jazzgen.io.midi import write_midi

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_midi(random_line(i, bars), folder / f"solo{i}.mid")
    return folder


# ---------------------------------------------------------------- chord symbols

FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
NAMES = {n: i for i, n in enumerate(FLATS)} | {"C#": 1, "D#": 3, "F#": 6, "G#": 8, "A#": 10}


def pcs(names: str) -> tuple[int, ...]:
    """Sorted pitch classes from note names: pcs("C Eb G Bb")."""
    return tuple(sorted({NAMES[n] for n in names.split()}))


GOOD = [
    # symbol, quality, chord tones
    ("C", "maj", "C E G"), ("CM", "maj", "C E G"), ("Cmaj", "maj", "C E G"),
    ("Cm", "m", "C Eb G"), ("Cmin", "m", "C Eb G"), ("C-", "m", "C Eb G"),
    ("Cmaj7", "maj7", "C E G B"), ("CM7", "maj7", "C E G B"), ("CΔ", "maj7", "C E G B"),
    ("CΔ7", "maj7", "C E G B"), ("Cma7", "maj7", "C E G B"), ("C^7", "maj7", "C E G B"),
    ("Cm7", "m7", "C Eb G Bb"), ("Cmin7", "m7", "C Eb G Bb"), ("C-7", "m7", "C Eb G Bb"),
    ("Bb7", "7", "Bb D F Ab"), ("Eb7", "7", "Eb G Bb Db"), ("B-7", "m7", "B D F# A"),
    ("F#m7b5", "m7b5", "F# A C E"), ("Cø", "m7b5", "C Eb Gb Bb"), ("Cø7", "m7b5", "C Eb Gb Bb"),
    ("Ch7", "m7b5", "C Eb Gb Bb"),
    ("Cdim", "dim", "C Eb Gb"), ("Co", "dim", "C Eb Gb"), ("Cdim7", "dim7", "C Eb Gb A"),
    ("Co7", "dim7", "C Eb Gb A"), ("C#07", "dim7", "C# E G Bb"), ("C°7", "dim7", "C Eb Gb A"),
    ("C6", "6", "C E G A"), ("Cm6", "m6", "C Eb G A"), ("C6/9", "69", "C D E G A"),
    ("C69", "69", "C D E G A"), ("Cm69", "m69", "C D Eb G A"),
    ("C9", "9", "C E G Bb D"), ("Cm9", "m9", "C Eb G Bb D"), ("Cmaj9", "maj9", "C E G B D"),
    ("C11", "11", "C E G Bb D F"), ("Cm11", "m11", "C Eb G Bb D F"),
    ("C13", "13", "C E G Bb D A"), ("Cm13", "m13", "C Eb G Bb D F A"),
    ("C7b9", "7b9", "C E G Bb Db"), ("C7#9", "7#9", "C E G Bb D#"),
    ("C7#11", "7#11", "C E G Bb F#"), ("C7b13", "7b13", "C E G Bb Ab"),
    ("C7#5", "7#5", "C E G# Bb"), ("C7+", "7#5", "C E G# Bb"), ("Caug7", "7#5", "C E G# Bb"),
    ("C+7", "7#5", "C E G# Bb"), ("Caug", "aug", "C E G#"), ("C+", "aug", "C E G#"),
    ("C7alt", "7alt", "C Db Eb E Gb Ab Bb"), ("C7b5", "7b5", "C E Gb Bb"),
    ("Csus4", "sus4", "C F G"), ("Csus", "sus4", "C F G"), ("C7sus4", "7sus4", "C F G Bb"),
    ("C7sus", "7sus4", "C F G Bb"), ("Csus2", "sus2", "C D G"), ("C9sus4", "9sus4", "C F G Bb D"),
    ("CmMaj7", "mmaj7", "C Eb G B"), ("Cm(maj7)", "mmaj7", "C Eb G B"),
    ("Cm/maj7", "mmaj7", "C Eb G B"), ("C-Δ7", "mmaj7", "C Eb G B"),
    ("Cadd9", "add9", "C E G D"), ("Cmadd9", "madd9", "C Eb G D"),
    ("C13b9", "13b9", "C E G Bb Db A"), ("C7b9b13", "7b9b13", "C E G Bb Db Ab"),
    ("C9#11", "9#11", "C E G Bb D F#"), ("C7(b9,#11)", "7b9#11", "C E G Bb Db F#"),
    ("C7#5#9", "7#5#9", "C E G# Bb D#"), ("Cmaj7#11", "maj7#11", "C E G B F#"),
    ("Cmaj7#5", "maj7#5", "C E G# B"), ("C7(13)", "13", "C E G Bb D A"),
    ("Cmb6", "mb6", "C Eb G Ab"), ("C7b9sus", "7b9sus4", "C F G Bb Db"), ("C5", "5", "C G"),
    ("B♭7", "7", "Bb D F Ab"), ("F♯m7", "m7", "F# A C# E"), ("Cb7", "7", "B Eb Gb A"),
]
"""Chord symbols jazzgen reads: (symbol, quality name, chord tones)."""


def jazz_standards_symbols() -> dict[str, int]:
    """Symbol -> count over every tune in JazzStandards.json (skips when it is absent)."""
    path = SHARED / "chords" / "JazzStandards.json"
    if not path.exists():
        pytest.skip(f"{path} not present (shared corpora are not part of the repo)")
    counts: dict[str, int] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Chords":
                    for sym in re.split(r"[|,]", value):
                        if sym:
                            counts[sym] = counts.get(sym, 0) + 1
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return counts


# ---------------------------------------------------------------- the band

BAR = 96
BEAT = 24
FOUR_FOUR = (TimeSignature(0),)


def ch(symbol: str, root: int, rel: tuple[int, ...], quality: str, bass: int | None = None):
    """A Chord built from intervals above the root."""
    return Chord(symbol, root, tuple(sorted({(root + i) % 12 for i in rel})), quality, bass)


M7, DOM7, MAJ7 = (0, 3, 7, 10), (0, 4, 7, 10), (0, 4, 7, 11)

# Each entry: (chord, length in beats, guide tones that every voicing of it must hold),
# the guide tones worked out by hand: third (4th for sus) and seventh (sixth for 6/m6,
# bb7 for dim7, the fifth for triads, which have no seventh).
TUNES = {
    "ii-V-I-vi": [
        (ch("Dm7", 2, M7, "m7"), 4, {5, 0}),
        (ch("G7", 7, DOM7, "7"), 4, {11, 5}),
        (ch("Cmaj7", 0, MAJ7, "maj7"), 4, {4, 11}),
        (ch("Am7", 9, M7, "m7"), 4, {0, 7}),
    ]
    * 2,
    "Bb blues": [
        (ch("Bb7", 10, DOM7, "7"), 4, {2, 8}),
        (ch("Eb7", 3, DOM7, "7"), 4, {7, 1}),
        (ch("Bb7", 10, DOM7, "7"), 8, {2, 8}),
        (ch("Eb7", 3, DOM7, "7"), 8, {7, 1}),
        (ch("Bb7", 10, DOM7, "7"), 4, {2, 8}),
        (ch("G7", 7, DOM7, "7"), 4, {11, 5}),
        (ch("Cm7", 0, M7, "m7"), 4, {3, 10}),
        (ch("F7", 5, DOM7, "7"), 4, {9, 3}),
        (ch("Bb7", 10, DOM7, "7"), 2, {2, 8}),
        (ch("G7", 7, DOM7, "7"), 2, {11, 5}),
        (ch("Cm7", 0, M7, "m7"), 2, {3, 10}),
        (ch("F7", 5, DOM7, "7"), 2, {9, 3}),
    ],
    "minor": [
        (ch("F#m7b5", 6, (0, 3, 6, 10), "m7b5"), 4, {9, 4}),
        (ch("B7b9", 11, (0, 1, 4, 7, 10), "7b9"), 4, {3, 9}),
        (ch("Em6", 4, (0, 3, 7, 9), "m6"), 8, {7, 1}),
        (ch("E7#9", 4, (0, 3, 4, 7, 10), "7#9"), 4, {8, 2}),
        (ch("A7alt", 9, (0, 1, 3, 4, 6, 8, 10), "7alt"), 4, {1, 7}),
        (ch("Cmmaj7", 0, (0, 3, 7, 11), "mmaj7"), 4, {3, 11}),
    ],
    "colours": [
        (ch("C6", 0, (0, 4, 7, 9), "6"), 2, {4, 9}),
        (ch("Dsus4", 2, (0, 5, 7), "sus4"), 2, {7, 9}),
        (ch("D7sus4", 2, (0, 5, 7, 10), "7sus4"), 4, {7, 0}),
        (ch("Bdim7", 11, (0, 3, 6, 9), "dim7"), 2, {2, 8}),
        (ch("Db13", 1, (0, 2, 4, 7, 9, 10), "13"), 2, {5, 11}),
        (ch("Ebmaj7", 3, MAJ7, "maj7"), 3, {7, 2}),
        (ch("Am", 9, (0, 3, 7), "m"), 1, {0, 4}),
        (ch("Caug", 0, (0, 4, 8), "aug"), 4, {4, 8}),
    ],
    "slash": [
        (ch("C7/E", 0, DOM7, "7", bass=4), 4, {4, 10}),
        (ch("Fmaj7", 5, MAJ7, "maj7"), 4, {9, 4}),
        (ch("F/A", 5, (0, 4, 7), "maj", bass=9), 2, {9, 0}),
        (ch("Gm7/C", 7, M7, "m7", bass=0), 2, {10, 5}),
        (ch("C7", 0, DOM7, "7"), 4, {4, 10}),
    ],
}
"""Tunes the band is tested over, by name: (chord, beats, hand-worked guide tones)."""

CASES = [(name, seed) for name in TUNES for seed in (0, 1, 2)]
"""(tune, seed) pairs for the parametrised band tests."""


def build(prog: list[tuple[Chord, int, set[int]]]) -> tuple[tuple[ChordChange, ...], int]:
    """Back-to-back chord changes and their end tick."""
    changes, t = [], 0
    for c, beats, _ in prog:
        changes.append(ChordChange(t, beats * BEAT, c))
        t += beats * BEAT
    return tuple(changes), t


def band(changes, end, seed=0, sigs=FOUR_FOUR, **kw) -> dict[str, Part]:
    """The band's parts by name."""
    from jazzgen.generate.band import make_band
    from jazzgen.generate.band_config import BandConfig

    parts = make_band(changes, sigs, end, BandConfig(**kw), np.random.default_rng(seed))
    return {p.name: p for p in parts}


def band_score(bars: int = 2, tempo: float = 160.0) -> Score:
    """A short swung line over ii-V-I with piano, bass and drums from make_band."""
    from jazzgen.generate.band import make_band
    from jazzgen.generate.band_config import BandConfig

    solo = random_line(5, bars=bars, changes=("Dm7", "G7", "Cmaj7"))
    parts = make_band(solo.changes, solo.time_signatures, bars * 96, BandConfig(),
                      np.random.default_rng(3))
    return Score(solo.notes, solo.changes, tempo=tempo, title="band test", parts=parts)


# ---------------------------------------------------------------- networks


def seeded_net(seed: int = 0, hidden: int = 8, layers: int = 1, embedding: int = 6):
    """A NumpyLSTM with seeded random weights, laid out as a trained one (no TensorFlow)."""
    from jazzgen.model.config import EncodingConfig
    from jazzgen.model.encoding import Vocabulary
    from jazzgen.model.network import NumpyLSTM

    vocab = Vocabulary(EncodingConfig())
    rng = np.random.default_rng(seed)

    def w(*shape):
        return rng.normal(0.0, 0.5, shape)

    width = embedding + 16 + 2 * 8 + 24  # token, position, two roots, the chords' pitch classes
    weights = {"token_embedding": [w(len(vocab), embedding)],
               "position_embedding": [w(vocab.cfg.positions, 16)],
               "root_embedding": [w(13, 8)],
               "logits": [w(hidden, len(vocab)), w(len(vocab))]}
    for i in range(layers):
        weights[f"lstm_{i}"] = [w(width if i == 0 else hidden, 4 * hidden),
                                w(hidden, 4 * hidden), w(4 * hidden)]
    return NumpyLSTM(weights, lstm_layers=layers)


# ---------------------------------------------------------------- the command line


def gen(*args):
    """Run ``jazzgen generate`` with ``args`` in-process; it must succeed."""
    from click.testing import CliRunner

    from jazzgen.cli import main

    r = CliRunner().invoke(main, ["generate", *map(str, args)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


def pool_job(arg: int) -> int:
    """A job for the corpus pool's tests: squares ``arg``, and kills its own process (as the
    kernel's out-of-memory killer would) when ``arg`` is negative."""
    import os
    import signal

    if arg < 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return arg * arg


def random_inputs(vocab_size: int, batch: int, steps: int, rng: np.random.Generator) -> dict:
    """Random Keras inputs for the network (tokens, bar positions, roots, chord flags)."""
    return {"tokens": rng.integers(0, vocab_size, (batch, steps)).astype("int32"),
            "pos": rng.integers(0, 96, (batch, steps)).astype("int32"),
            "roots": rng.integers(0, 13, (batch, steps, 2)).astype("int32"),
            "pcs": rng.integers(0, 2, (batch, steps, 24)).astype("float32")}
