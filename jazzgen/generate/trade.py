"""Trading fours: a player's fours kept note for note, jazzgen's answers in the fours between
them, the band under both.

Times are integer ticks (24 a beat) from the first beat of the trade; bars are counted from 1
in what a person reads. The player plays first: with ``bars_each`` 4 the player has bars 1-4,
9-12, ..., jazzgen bars 5-8, 13-16, ...; the last turn stops where the choruses end. Each
answer is sampled over the real changes, primed on everything played before it (the player's
bars and jazzgen's earlier answers, in order; the last ``context_bars`` bars of it when that
is set, as the live engine does, and at most the last 2,000 notes), the primer ending with a
rest at the answer's first bar line, so the answer starts there. The live
engine (:mod:`jazzgen.live.engine`) plays the same plan through MIDI ports.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from jazzgen.errors import GenerateError
from jazzgen.generate.band import make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import MAX_PRIMER_NOTES, Form, form_changes, repeat_form, solo_bars
from jazzgen.generate.sampling import SampleConfig, SampleOverrides, sample
from jazzgen.generate.solo import (
    calibrated_sampling,
    check_meter,
    check_tempo,
    read_solo,
    resolve_model,
)
from jazzgen.io.midi import write_midi
from jazzgen.music import gm
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import Note, Part, Score, TimeSignature, cut_notes, monophonic
from jazzgen.music.swing import swing_ticks

PLAYER_CHANNEL = 3
"""MIDI channel (0-based) of the player's track; jazzgen plays on 0, the band on 1, 2, 9."""
PLAYER_NAME, JAZZGEN_NAME = "Player", "jazzgen"
"""Names of the two soloists' tracks in the MIDI file written."""


@dataclass(frozen=True)
class TradeRequest:
    """What a trade is asked for: the ``form`` (changes, meter, choruses; None choruses: as
    many as the player's file fills), ``bars_each`` turn, seed, sampling settings, tempo
    (BPM; None: the player's file's, live the model's), the band (None: no band) and the
    soloists' General MIDI sounds."""

    form: Form = field(default_factory=Form)
    bars_each: int = 4
    seed: int = 0
    sample: SampleConfig | SampleOverrides = field(default_factory=SampleOverrides)
    tempo: float | None = None
    band: BandConfig | None = None
    swing: float | None = None  # re-swing jazzgen's eighths to this ratio
    solo_program: int = gm.SOLO_PROGRAM
    player_program: int = gm.TRUMPET
    track: str | None = None  # the player's melody track in their file
    context_bars: int | None = None  # prime on the last this many bars only (None: all)

    def __post_init__(self) -> None:
        if self.bars_each < 1:
            raise GenerateError(f"each turn must last at least 1 bar, got {self.bars_each}")
        check_tempo(self.tempo)
        if self.context_bars is not None and self.context_bars < 1:
            raise GenerateError(f"the context must be at least 1 bar, got {self.context_bars}")
        if self.form.length is not None or self.form.bars is not None:
            raise GenerateError("a trade lasts whole choruses: give choruses, not notes or bars")


@dataclass(frozen=True)
class Turn:
    """One soloist's turn: the player's or jazzgen's, from ``start`` to ``end`` ticks."""

    player: bool
    start: int
    end: int


@dataclass(frozen=True)
class Plan:
    """Who plays when: the meter, the changes repeated over the whole trade, the turns."""

    sig: TimeSignature
    bars: int
    changes: tuple[ChordChange, ...]
    label: str
    turns: tuple[Turn, ...]

    @property
    def end(self) -> int:
        """The trade's last tick."""
        return self.bars * self.sig.bar_ticks

    @property
    def answers(self) -> tuple[Turn, ...]:
        """jazzgen's turns, in order."""
        return tuple(t for t in self.turns if not t.player)

    def bars_of(self, turns: Sequence[Turn]) -> str:
        """The turns as bar ranges for a person: ``5-8, 13-16``."""
        bar = self.sig.bar_ticks
        return ", ".join(f"{t.start // bar + 1}-{t.end // bar}" if t.end - t.start > bar
                         else f"{t.start // bar + 1}" for t in turns) or "none"


def make_plan(form: Form, bars_each: int, choruses: int) -> Plan:
    """The turns of ``choruses`` choruses of the form, ``bars_each`` bars a turn, the player
    first; GenerateError when jazzgen would never play."""
    sig = form.time_signature()
    bar = sig.bar_ticks
    chorus, form_bars, label = form_changes(form, bar)
    bars = solo_bars(replace(form, choruses=choruses), form_bars) or 0
    if bars <= bars_each:
        raise GenerateError(f"{choruses} chorus(es) of {form_bars} bars hold no turn for "
                            f"jazzgen at {bars_each} bars each: give more choruses or fewer "
                            f"bars each")
    turns = tuple(Turn(k % 2 == 0, s * bar, min(s + bars_each, bars) * bar)
                  for k, s in enumerate(range(0, bars, bars_each)))
    return Plan(sig, bars, repeat_form(chorus, form_bars, bar, bars), label, turns)


def split_player(notes: Sequence[Note], plan: Plan) -> tuple[tuple[Note, ...], int]:
    """The player's notes in the player's turns (one ringing over a turn's end cut there),
    and how many were dropped (starting in jazzgen's turns or after the trade)."""
    kept = []
    for n in notes:
        turn = next((t for t in plan.turns if t.start <= n.start < t.end), None)
        if turn is not None and turn.player:
            kept += cut_notes((n,), turn.end)
    return tuple(kept), len(notes) - len(kept)


def trade_seeds(seed: int, answers: int) -> tuple[list[np.random.SeedSequence],
                                                  np.random.SeedSequence]:
    """One stream per answer and one for the band, spawned from ``seed`` (the same seed,
    the same streams, whatever the player plays)."""
    answer_root, band_root = np.random.SeedSequence(seed).spawn(2)
    return answer_root.spawn(answers), band_root


class Answerer:
    """Samples jazzgen's answers of a plan with one model bundle, each from its own stream."""

    def __init__(self, bundle, plan: Plan, request: TradeRequest) -> None:
        check_meter(bundle, plan.sig)
        self.bundle, self.plan, self.request = bundle, plan, request
        self.sampling = request.sample.over(calibrated_sampling(bundle))
        self.seeds = trade_seeds(request.seed, len(plan.answers))[0]

    def answer(self, k: int, history: Sequence[Note], heard_until: int) -> tuple[Note, ...]:
        """Answer ``k`` (0-based): notes starting in its turn, primed on ``history`` (what
        was played before it, the notes cut at tick ``heard_until``)."""
        turn, bar = self.plan.answers[k], self.plan.sig.bar_ticks
        heard = min(heard_until, turn.start)
        context = self.request.context_bars
        lo = 0 if context is None else max(0, turn.start - context * bar)
        line = monophonic(cut_notes([n for n in history if lo <= n.start], heard))
        if len(line) > MAX_PRIMER_NOTES:  # the primer's limit: its last notes, from a bar line
            line = line[-MAX_PRIMER_NOTES:]
            lo = line[0].start // bar * bar
        # Everything moves back by lo, a bar line, so bar positions and chords stay the same.
        changes = tuple(ChordChange(max(c.start, lo) - lo,
                                    min(c.end, turn.end) - max(c.start, lo), c.chord)
                        for c in self.plan.changes if c.end > lo and c.start < turn.end)
        primer = Score(tuple(replace(n, start=n.start - lo) for n in line), changes,
                       (self.plan.sig,)) if line else None
        out = sample(self.bundle.net, self.bundle.vocab, changes, (self.plan.sig,),
                     [self.seeds[k]], self.sampling, end=turn.end - lo, primer=primer,
                     primer_end=turn.start - lo)[0]
        notes = tuple(replace(n, start=n.start + lo) for n in out if n.start >= turn.start - lo)
        if self.request.swing is not None:
            notes = swing_ticks(notes, self.request.swing)
        return cut_notes([n for n in notes if turn.start <= n.start], turn.end)


def band_parts(plan: Plan, request: TradeRequest, tempo: float,
               solo: Sequence[Note] | None = None) -> tuple[Part, ...]:
    """The band under the whole trade (after a count-in bar when asked for; listening to
    ``solo`` when its config says so and the solo is known); () without a band."""
    if request.band is None:
        return ()
    cfg = request.band.at_tempo(tempo)
    lead = lead_ticks(plan, request)
    changes = tuple(replace(c, start=c.start + lead) for c in plan.changes)
    listened = tuple(replace(n, start=n.start + lead) for n in solo) \
        if cfg.listen and solo is not None else None
    rng = np.random.default_rng(trade_seeds(request.seed, 0)[1])
    return make_band(changes, (plan.sig,), plan.end + lead, cfg, rng, solo=listened)


def lead_ticks(plan: Plan, request: TradeRequest) -> int:
    """Ticks before the trade's first bar: one bar of count-in clicks when asked for."""
    return plan.sig.bar_ticks if request.band is not None and request.band.count_in else 0


def assemble(plan: Plan, request: TradeRequest, tempo: float, player: Sequence[Note],
             answers: Sequence[Note], band: Sequence[Part]) -> Score:
    """The whole trade as one Score: jazzgen's answers as the melody, the player's notes as
    the part named ``Player``, then the band; shifted after a count-in bar if there is one."""
    lead = lead_ticks(plan, request)

    def moved(notes: Sequence[Note]) -> tuple[Note, ...]:
        return tuple(sorted((replace(n, start=n.start + lead) for n in notes),
                            key=lambda n: (n.start, n.pitch)))

    part = Part(PLAYER_NAME, moved(player), request.player_program, PLAYER_CHANNEL)
    return Score(moved(answers), tuple(replace(c, start=c.start + lead) for c in plan.changes),
                 (plan.sig,), tempo, f"jazzgen trading with a player over {plan.label}",
                 (part, *band))


@dataclass(frozen=True)
class Trade:
    """A trade made: the whole ``score``, its plan, the notes of each soloist (ticks from the
    trade's first bar), and remarks for a person (notes dropped, fours left silent)."""

    score: Score
    plan: Plan
    player: tuple[Note, ...]
    answers: tuple[Note, ...]
    model: Path
    sampling: SampleConfig
    remarks: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line: the form, the turns, the notes of each soloist."""
        p = self.plan
        return (f"{p.bars} bars of {p.label} at {self.score.tempo:g} BPM; player: bars "
                f"{p.bars_of([t for t in p.turns if t.player])} ({len(self.player)} notes); "
                f"jazzgen: bars {p.bars_of(p.answers)} ({len(self.answers)} notes)")


def trade(model: str | os.PathLike | None, player_file: str | os.PathLike,
          request: TradeRequest) -> Trade:
    """Trade with the solo in ``player_file`` (MIDI or MusicXML, its melody track): keep the
    player's turns note for note, sample jazzgen's answers, put the band under both."""
    from jazzgen.model.bundle import load_bundle

    played = read_solo(player_file, request.track, "player's solo")
    if not played.notes:
        raise GenerateError(f"player's solo {Path(player_file).name}: no notes")
    sig = request.form.time_signature()
    chorus_bars = form_changes(request.form, sig.bar_ticks)[1]
    choruses = request.form.choruses or max(1, math.ceil(
        max(n.end for n in played.notes) / (chorus_bars * sig.bar_ticks)))
    plan = make_plan(request.form, request.bars_each, choruses)
    kept, dropped = split_player(played.notes, plan)
    path = resolve_model(model)
    answerer = Answerer(load_bundle(path), plan, request)
    answers: list[Note] = []
    for k, turn in enumerate(plan.answers):
        history = sorted([*kept, *answers], key=lambda n: n.start)
        answers += answerer.answer(k, history, turn.start)
    tempo = request.tempo or played.tempo
    band = band_parts(plan, request, tempo, sorted([*kept, *answers], key=lambda n: n.start))
    score = assemble(plan, request, tempo, kept, answers, band)
    remarks = _remarks(Path(player_file).name, played, plan, dropped)
    return Trade(score, plan, kept, tuple(answers), path, answerer.sampling, remarks)


def write_trade(score: Score, path: str | os.PathLike, solo_program: int = gm.SOLO_PROGRAM
                ) -> Path:
    """Write a trade's score as a type-1 MIDI file, atomically: the conductor track, then
    tracks named ``jazzgen`` (its answers, as ``solo_program``) and ``Player``, the band."""
    return write_midi(score, path, solo_program=solo_program, solo_name=JAZZGEN_NAME)


def _remarks(name: str, played: Score, plan: Plan, dropped: int) -> tuple[str, ...]:
    """What a person should know: notes dropped, the player's fours left silent, a meter
    that differs from the file's."""
    out = []
    if dropped:
        out.append(f"{dropped} note(s) of {name} start in jazzgen's bars "
                   f"({plan.bars_of(plan.answers)}) or after the trade: left out")
    last = max(n.end for n in played.notes)
    silent = [t for t in plan.turns if t.player and t.start >= last]
    if silent:
        out.append(f"{name} ends in bar {math.ceil(last / plan.sig.bar_ticks)}: the player's "
                   f"bars {plan.bars_of(silent)} are rests")
    first = played.time_signatures[0]
    if (first.numerator, first.denominator) != (plan.sig.numerator, plan.sig.denominator):
        out.append(f"{name} is in {first.numerator}/{first.denominator}; its notes are laid "
                   f"over bars of {plan.sig.numerator}/{plan.sig.denominator}")
    return tuple(out)
