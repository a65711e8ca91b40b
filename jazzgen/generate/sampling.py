"""Seeded sampling: temperature, then top-p (nucleus), then a draw; never argmax by default.

The loop steps the network (float32 tables, ``model.stepper``) one token at a time for all
solos together, with the LSTM state carried, feeding at every step the bar position and
chords of the next onset under the requested changes (worked out once per onset tick). The
token grammar alternates pitch-or-rest and duration in lockstep for every solo, so only the
logits of the tokens allowed next are computed and drawn from. Each solo has its own random
stream spawned from the seed, so solo *i* of a run is the same whatever the number of solos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from threadpoolctl import threadpool_limits

from jazzgen.errors import ConfigError, GenerateError
from jazzgen.model.encoding import Conditioner, Vocabulary, decode, encode_events
from jazzgen.model.network import NumpyLSTM
from jazzgen.model.stepper import StepNet
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score, TimeSignature, cut_notes
from jazzgen.music.quotes import WINDOW, QuoteIndex, intervals, window_hashes


def _check_temperature(name: str, value: float) -> None:
    if not value > 0 or not np.isfinite(value):
        raise ConfigError(f"{name} must be a finite number > 0, got {value}")


def _check_top_p(value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise ConfigError(f"top-p must be in (0, 1], got {value}")


@dataclass(frozen=True)
class SampleConfig:
    """How tokens are drawn from the predicted distribution: ``temperature`` for the
    pitch-or-rest tokens, ``duration_temperature`` for the duration tokens (None: the same
    as ``temperature``), and one nucleus ``top_p`` for both."""

    temperature: float = 1.0
    top_p: float = 0.95
    duration_temperature: float | None = None

    def __post_init__(self) -> None:
        _check_temperature("temperature", self.temperature)
        if self.duration_temperature is not None:
            _check_temperature("duration temperature", self.duration_temperature)
        _check_top_p(self.top_p)

    def for_durations(self) -> SampleConfig:
        """The config duration tokens are drawn with."""
        return replace(self, temperature=self.duration_temperature or self.temperature,
                       duration_temperature=None)

    def over(self, _default: SampleConfig) -> SampleConfig:
        """A full config stands as it is, whatever a bundle's defaults say."""
        return self

    def describe(self) -> str:
        """The settings in a few words, for a person."""
        dur = self.duration_temperature
        temps = f"temperature {self.temperature:g}" + (
            f" (durations {dur:g})" if dur is not None and dur != self.temperature else "")
        return f"{temps}, top-p {self.top_p:g}"

    def to_dict(self) -> dict:
        """JSON-ready settings (as a bundle stores them)."""
        return {"temperature": self.temperature, "top_p": self.top_p,
                "duration_temperature": self.duration_temperature}


@dataclass(frozen=True)
class QuoteGuard:
    """Keep verbatim quotes of the training solos to at most ``max_notes`` notes: a pitch
    that would make a quote longer is left out of that draw (the others keep their odds)."""

    index: QuoteIndex
    max_notes: int

    def __post_init__(self) -> None:
        if self.max_notes < WINDOW:
            raise ConfigError(f"the longest quote allowed must be at least {WINDOW} notes "
                              f"(quotes are found as runs of {WINDOW} intervals), got "
                              f"{self.max_notes}")

    def start(self, primer_pitches: Sequence[int]) -> tuple[list[int], int]:
        """The recent pitches and the current quote length after a primer."""
        runs = self.index.runs(primer_pitches) if len(primer_pitches) else [0]
        return list(primer_pitches[-WINDOW:]), int(runs[-1])

    def block(self, logits: np.ndarray, recent: list[int], run: int, first_pitch: int,
              first_midi: int) -> None:
        """Set to -inf, in place, the logits [n] (rest first, then pitches from column
        ``first_pitch`` = MIDI ``first_midi``) of pitches that would make the quote too long."""
        if (run + 1 if run else WINDOW + 1) <= self.max_notes:
            return
        pitches = np.arange(len(logits) - first_pitch) + first_midi
        logits[first_pitch:][self.index.blocked(recent, pitches)] = -np.inf

    def advance(self, recent: list[int], run: int, pitch: int) -> int:
        """Add a played pitch to ``recent`` (in place); the new quote length."""
        recent.append(pitch)
        if len(recent) > WINDOW + 1:
            del recent[0]
        if len(recent) <= WINDOW:
            return 0
        hit = bool(self.index.contains(window_hashes(intervals(recent[-WINDOW - 1:])))[0])
        return (run + 1 if run else WINDOW + 1) if hit else 0


@dataclass(frozen=True)
class SampleOverrides:
    """Settings a person gave (None: not given), laid over a bundle's calibrated defaults."""

    temperature: float | None = None
    top_p: float | None = None
    duration_temperature: float | None = None

    def __post_init__(self) -> None:
        for name in ("temperature", "duration_temperature"):
            if getattr(self, name) is not None:
                _check_temperature(name.replace("_", " "), getattr(self, name))
        if self.top_p is not None:
            _check_top_p(self.top_p)

    def over(self, default: SampleConfig) -> SampleConfig:
        """``default`` with every given setting in its place. A temperature given alone
        applies to durations too, unless a duration temperature is given as well."""
        cfg = default
        if self.temperature is not None:
            cfg = replace(cfg, temperature=self.temperature, duration_temperature=None)
        if self.duration_temperature is not None:
            cfg = replace(cfg, duration_temperature=self.duration_temperature)
        if self.top_p is not None:
            cfg = replace(cfg, top_p=self.top_p)
        return cfg


def choose_rows(logits: np.ndarray, cfg: SampleConfig, uniforms: np.ndarray) -> np.ndarray:
    """One column per row of ``logits`` [B, n]: temperature, top-p, then the draw ``uniforms``
    [B] in [0, 1) through the kept tokens' cumulative probabilities.

    Top-p keeps the smallest set of most probable tokens whose probability reaches
    ``cfg.top_p`` (ties in the order of the columns); only the ``n`` allowed tokens are
    sorted, never the whole vocabulary.
    """
    if len(logits) == 1:
        return np.array([_choose_one(logits[0], cfg, float(uniforms[0]))])
    rows = np.arange(len(logits))[:, None]
    p = np.exp((logits - logits.max(axis=1, keepdims=True)) * (1.0 / cfg.temperature))
    order = np.argsort(-p, axis=1, kind="stable")
    cum = np.cumsum(p[rows, order], axis=1)  # unnormalised: compared with shares of cum[-1]
    keep = np.minimum((cum < cfg.top_p * cum[:, -1:]).sum(axis=1) + 1, p.shape[1])
    inside = np.arange(p.shape[1])[None, :] < keep[:, None]
    pick = ((cum <= (uniforms * cum[rows[:, 0], keep - 1])[:, None]) & inside).sum(axis=1)
    return order[rows[:, 0], np.minimum(pick, keep - 1)]


def _choose_one(logits: np.ndarray, cfg: SampleConfig, u: float) -> int:
    """``choose_rows`` for one row [n], with the same arithmetic."""
    p = np.exp((logits - logits.max()) * (1.0 / cfg.temperature))
    order = np.argsort(-p, kind="stable")
    cum = np.cumsum(p[order])
    keep = min(int(np.searchsorted(cum, cfg.top_p * cum[-1])) + 1, len(p))
    pick = int(np.searchsorted(cum[:keep], u * cum[keep - 1], side="right"))
    return int(order[min(pick, keep - 1)])


def choose(logits: np.ndarray, allowed: np.ndarray, cfg: SampleConfig,
           rng: np.random.Generator) -> int:
    """Draw one token id from ``logits`` [V] restricted to ``allowed`` (a boolean mask)."""
    ids = np.flatnonzero(allowed)
    return int(ids[choose_rows(logits[None, ids], cfg, np.array([rng.random()]))[0]])


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
    guard: QuoteGuard | None = None,
    primer_end: int | None = None,
) -> list[tuple[Note, ...]]:
    """Sample one melody per seed, until ``notes`` notes are played or tick ``end`` is reached.

    With a ``primer``, its events are fed first (teacher forcing) and kept in the output; a
    primer ends where its last note ends, unless ``primer_end`` (ticks) says it goes on as a
    rest until then, so sampling starts there (on a bar line, say). With a ``guard``, no
    quote of its index grows past its length limit.
    """
    if notes is None and end is None:
        raise GenerateError("give a number of notes or an end tick")
    # Matrix-vector products of a few hundred rows: a second BLAS thread only adds waiting,
    # and on a busy machine makes each product several times slower (measured here).
    with threadpool_limits(limits=1, user_api="blas"):
        return _sample(net, vocab, changes, time_signatures, seeds, cfg, notes, end, primer,
                       guard, primer_end)


def _sample(net, vocab, changes, time_signatures, seeds, cfg, notes, end, primer, guard,
            primer_end=None):
    """The sampling loop of :func:`sample`."""
    stepper = StepNet(net)
    conditioner = Conditioner(changes, time_signatures, vocab.cfg.positions)
    cfg_events, cfg_durations = cfg, cfg.for_durations()
    cache: dict[int, tuple] = {}

    def cond(ticks) -> np.ndarray:
        """Conditioning rows [B, 4H] for the onset ticks, each worked out once."""
        for t in ticks:
            if t not in cache:
                f = conditioner.features(t)
                cache[t] = (stepper.condition(*f)[None], f[0], np.array([f[1]]), f[2][None])
        if len(ticks) == 1:
            return cache[ticks[0]][0]
        return np.concatenate([cache[t][0] for t in ticks])

    def context(prev, ticks) -> tuple:
        """What relative heads read besides h: the previous tokens, bar positions, roots and
        chord flags."""
        if stepper.heads is None:
            return None
        rows = [cache[t] for t in ticks]
        return (np.asarray(prev), np.array([r[1] for r in rows]),
                np.concatenate([r[2] for r in rows]), np.concatenate([r[3] for r in rows]))

    rngs = [np.random.default_rng(s) for s in seeds]
    batch = len(rngs)
    prime = [vocab.bos_id] + (encode_events(primer, vocab) if primer is not None else [])
    if primer_end is not None:  # the primer's closing rest, up to where sampling starts
        for d in vocab.duration_ids(primer_end - int(vocab.advance[prime].sum())):
            prime += [vocab.rest_id, d]
    state = stepper.initial_state(batch)
    event_ids, duration_ids = vocab.events, slice(vocab.first_duration_id, len(vocab))
    cursor = 0
    for k, tid in enumerate(prime):  # the primer is the same for every solo: one batch
        cursor += int(vocab.advance[tid])
        last = k == len(prime) - 1
        logits, state = stepper.step(
            np.full(batch, tid), cond([cursor]).repeat(batch, 0), state,
            event_ids if last else slice(0, 0),  # no column, and no heads, before the last
            context(np.full(batch, prime[k - 1] if k else vocab.pad_id), [cursor] * batch)
            if last else None)
    n_primer = sum(1 for t in prime if vocab.is_pitch(t))
    cursors = np.full(batch, cursor, np.int64)
    played = np.full(batch, n_primer)
    done = np.zeros(batch, bool)
    steps = []
    if guard is not None:
        first = guard.start([n.pitch for n in primer.notes] if primer is not None else [])
        quotes = [(list(first[0]), first[1]) for _ in range(batch)]
    expect_pitch = True  # every solo alternates pitch-or-rest, duration: in lockstep
    while True:
        ids = event_ids if expect_pitch else duration_ids
        if guard is not None and expect_pitch:
            for b in np.flatnonzero(~done):
                guard.block(logits[b], *quotes[b], vocab.first_pitch_id - ids.start,
                            vocab.cfg.min_pitch)
        # A finished solo draws nothing more, so its stream (and its dynamics after) is the
        # same whatever the other solos do.
        uniforms = np.array([0.0 if d else r.random() for r, d in zip(rngs, done, strict=True)])
        picked = choose_rows(logits, cfg_events if expect_pitch else cfg_durations,
                             uniforms) + ids.start
        picked[done] = vocab.pad_id  # finished solos idle (their tokens are dropped)
        steps.append(picked)
        if expect_pitch:
            played += vocab.pitch_mask(picked)
            if guard is not None:
                for b in np.flatnonzero(vocab.pitch_mask(picked) & ~done):
                    recent, run = quotes[b]
                    quotes[b] = (recent, guard.advance(recent, run, vocab.pitch_of(picked[b])))
        else:
            cursors += np.where(done, 0, vocab.advance[picked])
            finished = np.zeros(batch, bool)
            if notes is not None:
                finished |= played >= notes + n_primer
            if end is not None:
                finished |= cursors >= end
            done |= finished
            if done.all():
                break
        expect_pitch = not expect_pitch
        ticks = cursors.tolist()
        logits, state = stepper.step(picked, cond(ticks), state,
                                     event_ids if expect_pitch else duration_ids,
                                     context(steps[-2] if len(steps) > 1 else
                                             np.full(batch, prime[-1]), ticks))
    tokens = np.stack(steps, axis=1)
    out = []
    for b in range(batch):
        line = decode(list(prime) + tokens[b].tolist(), vocab)
        if end is not None:  # the last note or rest may run past the end: cut it there
            line = cut_notes(line, end)
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
