"""Builders for tiny scores and corpora, shared by the tests."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import Note, Score, TimeSignature

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def chord(symbol: str):
    """A Chord from a jazz symbol (through jazzgen.chords)."""
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


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """Four short solos over ii-V-I changes."""
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def tiny_model(tiny_corpus, tmp_path_factory) -> Path:
    """A small bundle trained for one epoch on the tiny corpus (shared by many tests)."""
    from jazzgen.model.config import ModelConfig, TrainConfig
    from jazzgen.model.train import train

    out = tmp_path_factory.mktemp("models") / "tiny"
    train(tiny_corpus, out, model_cfg=ModelConfig(embedding_size=8, lstm_size=16, lstm_layers=1),
          train_cfg=TrainConfig(epochs=1, sequence_length=32, batch_size=16, seed=0),
          log=lambda _m: None, verbose=0)
    return out


@pytest.fixture(autouse=True, scope="session")
def _private_score_cache(tmp_path_factory):
    """Tests never read or write the user's parse cache."""
    import os

    os.environ["JAZZGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("score-cache"))
