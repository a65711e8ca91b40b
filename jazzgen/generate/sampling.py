"""Seeded sampling: temperature, then top-p (nucleus), then a draw; never argmax by default.

The loop steps the NumPy twin of the network one event at a time with its LSTM state
carried, feeding at every step the bar position and chords of the next onset under the
requested changes. A token grammar mask keeps the stream well formed (pitch-or-rest, then
duration). Each solo has its own random stream spawned from the seed, so solo *i* of a run
is the same whatever the number of solos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.errors import ConfigError, GenerateError
from jazzgen.model.encoding import Conditioner, Vocabulary, decode, encode_events
from jazzgen.model.network import NumpyLSTM
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score, TimeSignature


@dataclass(frozen=True)
class SampleConfig:
    """How tokens are drawn from the predicted distribution."""

    temperature: float = 1.0
    top_p: float = 0.95

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise ConfigError(f"temperature must be > 0, got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ConfigError(f"top-p must be in (0, 1], got {self.top_p}")


def choose(logits: np.ndarray, allowed: np.ndarray, cfg: SampleConfig,
           rng: np.random.Generator) -> int:
    """Draw one token id from ``logits`` restricted to ``allowed`` (a boolean mask)."""
    z = np.where(allowed, logits / cfg.temperature, -np.inf)
    z = z - z.max()
    p = np.exp(z)
    p /= p.sum()
    order = np.argsort(-p, kind="stable")
    cum = np.cumsum(p[order])
    keep = int(np.searchsorted(cum, cfg.top_p) + 1)  # smallest set reaching top_p
    top = order[:keep]
    q = p[top] / p[top].sum()
    return int(top[min(int(np.searchsorted(np.cumsum(q), rng.random(), side="right")),
                       len(top) - 1)])


def sample(
    net: NumpyLSTM,
    vocab: Vocabulary,
    changes: Sequence[ChordChange],
    time_signatures: Sequence[TimeSignature],
    seeds: Sequence[np.random.SeedSequence],
    cfg: SampleConfig,
    notes: int | None = None,
    end: int | None = None,
    primer: Score | None = None,
) -> list[tuple[Note, ...]]:
    """Sample one melody per seed, until ``notes`` notes are played or tick ``end`` is reached.

    With a ``primer``, its events are fed first (teacher forcing) and kept in the output.
    """
    if notes is None and end is None:
        raise GenerateError("give a number of notes or an end tick")
    cond = Conditioner(changes, time_signatures, vocab.cfg.positions)
    rngs = [np.random.default_rng(s) for s in seeds]
    batch = len(rngs)
    prime = [vocab.bos_id] + (encode_events(primer, vocab) if primer is not None else [])
    state = net.initial_state(batch)
    cursor = 0
    logits = None
    for tid in prime:  # the primer is the same for every solo: feed it as one batch
        cursor += int(vocab.advance[tid])
        logits, state = net.step(cond.at([tid] * batch, [cursor] * batch), state)
    pitch_ok, dur_ok = vocab.grammar()
    n_primer = sum(1 for t in prime if vocab.is_pitch(t))
    tokens: list[list[int]] = [list(prime) for _ in range(batch)]
    cursors = [cursor] * batch
    played = [n_primer] * batch
    done = [False] * batch
    expect_pitch = [True] * batch
    while not all(done):
        for b in range(batch):
            if not done[b]:
                tid = choose(logits[b], pitch_ok if expect_pitch[b] else dur_ok, cfg, rngs[b])
                tokens[b].append(tid)
                if expect_pitch[b]:
                    played[b] += vocab.is_pitch(tid)
                else:
                    cursors[b] += int(vocab.advance[tid])
                    if (notes is not None and played[b] >= notes + n_primer) or (
                            end is not None and cursors[b] >= end):
                        done[b] = True
                expect_pitch[b] = not expect_pitch[b]
        if all(done):
            break
        logits, state = net.step(cond.at([t[-1] for t in tokens], cursors), state)
    out = []
    for b in range(batch):
        line = decode(tokens[b], vocab)
        if end is not None:  # the last note or rest may run past the end: cut it there
            line = tuple(n if n.end <= end else Note(n.pitch, n.start, end - n.start, n.velocity)
                         for n in line if n.start < end)
        out.append(_dynamics(line, rngs[b]))
    return out


def _dynamics(line: tuple[Note, ...], rng: np.random.Generator) -> tuple[Note, ...]:
    """Velocities a horn player might use: accents on beats, ghosted off-beats, a little life."""
    out = []
    for n in line:
        vel = 86
        if n.start % TICKS_PER_BEAT == 0:
            vel += 8
        elif n.duration <= TICKS_PER_BEAT // 3:
            vel -= 8
        vel += int(rng.integers(-5, 6))
        out.append(Note(n.pitch, n.start, n.duration, max(1, min(127, vel))))
    return tuple(out)
