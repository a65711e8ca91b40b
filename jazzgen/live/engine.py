"""The live trade: the band and jazzgen's answers sent to a MIDI output in time, the player's
notes read from a MIDI input and recorded on jazzgen's grid, each answer sampled beside the
clock while the player ends their turn.

Times: the engine's clock counts seconds; the music counts ticks (24 a beat) from the trade's
first bar line, which sounds at ``t0`` seconds, after the count-in bar when there is one.
A player's note is filed at the tick nearest its arrival (polled every :data:`POLL_SECONDS`).
Answer *k* is sampled from :data:`LOOKAHEAD_BEATS` beats before its first bar line (never
before the player's turn starts), primed on everything played up to then (its last
:data:`CONTEXT_BARS` bars), on a worker thread; it is played once the worker is done, any
note whose time has passed by then left out (and counted). Whatever stops the loop (the end,
an error, Ctrl-C), every note sounding gets its note-off and every channel all-notes-off.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from jazzgen.errors import GenerateError
from jazzgen.generate.solo import resolve_model
from jazzgen.generate.trade import (
    Answerer,
    Plan,
    TradeRequest,
    assemble,
    band_parts,
    lead_ticks,
    make_plan,
    split_player,
)
from jazzgen.live.clock import Clock, RealClock, ThreadWorker
from jazzgen.live.ports import note_event, note_off, note_on, program, silence
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Part, Score, cut_notes, cut_score

LOOKAHEAD_BEATS = 2.0
"""Beats before an answer's first bar line at which its sampling starts: the answer hears
the player up to there. At 300 BPM that is 0.4 s, of which one beat (0.2 s) is left for the
sampler if the answer is to be ready a beat early: a four-bar answer of the shipped model
takes 44-57 ms here (median; ``python -m bench.trade_latency``, README)."""
CONTEXT_BARS = 16
"""Bars before a live answer that its primer holds (a trade of up to 16 bars: everything).
Priming costs about 2 ms a bar of a busy line with the shipped model on one core here, and
the model learned from windows of 128 tokens (4-8 bars of a solo), so earlier bars would
cost time the answer has little of and change little."""
POLL_SECONDS = 0.002
"""Longest wait between two looks at the input port and the worker, in seconds."""
START_SECONDS = 0.1
"""Seconds from the start of the loop to the first beat (the program changes go first)."""
SOLO_CHANNEL = 0
"""MIDI channel (0-based) jazzgen's answers play on."""


@dataclass(frozen=True)
class Setup:
    """What the engine plays: the plan, the tempo (BPM), the count-in ``lead`` (ticks), the
    band's parts and jazzgen's General MIDI sound."""

    plan: Plan
    tempo: float
    lead: int
    band: tuple[Part, ...]
    solo_program: int


@dataclass(frozen=True)
class AnswerTiming:
    """When answer ``index`` was launched, ready and due, in seconds from the first bar line;
    ``busy`` the seconds the sampler itself took; ``late_notes`` notes left out as late."""

    index: int
    launched: float
    ready: float
    due: float
    busy: float
    late_notes: int = 0

    @property
    def margin(self) -> float:
        """Seconds the answer was ready before its first bar line (negative: late)."""
        return self.due - self.ready


@dataclass(frozen=True)
class LiveResult:
    """A live trade played: the player's notes in their turns and jazzgen's notes as played
    (ticks from the first bar), player notes left out, each answer's timing, the messages
    sent and the longest any was sent after its time (seconds: the clock's wake-up delay)."""

    player: tuple[Note, ...]
    answers: tuple[Note, ...]
    dropped: int
    timings: tuple[AnswerTiming, ...]
    sent: int
    lateness: float = 0.0
    stopped_at: int | None = None  # tick where Ctrl-C stopped it; None: played to the end


Answer = Callable[[int, Sequence[Note], int], tuple[Note, ...]]
"""``answer(k, history, heard_until)``: the notes of answer k (see ``Answerer.answer``)."""


class Engine:
    """Plays one live trade: ``run()`` returns when the last bar has sounded."""

    def __init__(self, setup: Setup, answer: Answer, inport, outport, clock: Clock,
                 worker) -> None:
        self.setup, self.answer_fn = setup, answer
        self.inport, self.outport, self.clock, self.worker = inport, outport, clock, worker
        self.beat_seconds = 60.0 / setup.tempo
        self.queue: list[tuple[float, int, int, object]] = []  # (time, off first, seq, msg)
        self.seq = itertools.count()
        self.sounding: set[tuple[int, int]] = set()
        self.held: dict[tuple[int, int], tuple[int, int]] = {}  # key -> (start tick, velocity)
        self.played: list[Note] = []
        self.early = 0  # notes played before the first bar line
        self.answers: list[Note] = []
        self.timings: list[AnswerTiming] = []
        self.sent = 0
        self.lateness = 0.0
        self.t0 = 0.0
        self.next_answer = 0
        self.job = None  # (index, future, launched seconds)

    def seconds(self, tick: float) -> float:
        """Clock time of ``tick`` (ticks from the first bar line)."""
        return self.t0 + tick / TICKS_PER_BEAT * self.beat_seconds

    def tick(self, seconds: float) -> int:
        """The tick nearest clock time ``seconds``."""
        return round((seconds - self.t0) / self.beat_seconds * TICKS_PER_BEAT)

    def run(self) -> LiveResult:
        """Play the trade to its end; all notes off however it stops."""
        s = self.setup
        self.t0 = self.clock.now() + START_SECONDS + s.lead / TICKS_PER_BEAT * self.beat_seconds
        self._send(program(SOLO_CHANNEL, s.solo_program))
        for part in s.band:
            if not part.is_drum:
                self._send(program(part.channel, part.program))
            self._schedule(part.channel, part.notes, -s.lead)
        end = self.seconds(s.plan.end)
        stopped = None
        try:
            while True:
                now = self.clock.now()
                self._listen(now)
                self._launch(now)
                self._collect(now)
                while self.queue and self.queue[0][0] <= now:
                    when, _, _, msg = heapq.heappop(self.queue)
                    self.lateness = max(self.lateness, now - when)
                    self._send(msg)
                if now >= end and not self.queue:
                    break
                wake = min(self.queue[0][0] if self.queue else end, now + POLL_SECONDS)
                self.clock.sleep(wake - now)
        except KeyboardInterrupt:  # Ctrl-C: what was played so far is the session
            stopped = max(0, self.tick(self.clock.now()))
        finally:
            self._silence()
            self.worker.close()
        kept, dropped = split_player(self._heard(self.tick(self.clock.now())), s.plan)
        answers = tuple(self.answers)
        if stopped is not None:  # nothing that had not sounded yet
            kept, answers = cut_notes(kept, stopped), cut_notes(answers, stopped)
        return LiveResult(kept, answers, dropped + self.early, tuple(self.timings),
                          self.sent, self.lateness, stopped)

    def _send(self, msg) -> None:
        """Send one message, keeping track of the notes it leaves sounding."""
        event = note_event(msg)
        if event is not None:
            (self.sounding.add if event[0] == "on" else self.sounding.discard)(event[1:3])
        self.outport.send(msg)
        self.sent += 1

    def _schedule(self, channel: int, notes: Sequence[Note], offset: int = 0) -> None:
        """Queue each note's on and off, at ``offset`` ticks from where it is written."""
        for n in notes:
            on, off = self.seconds(n.start + offset), self.seconds(n.end + offset)
            heapq.heappush(self.queue, (on, 1, next(self.seq), note_on(channel, n.pitch,
                                                                        n.velocity)))
            heapq.heappush(self.queue, (off, 0, next(self.seq), note_off(channel, n.pitch)))

    def _listen(self, now: float) -> None:
        """Record the notes the player started or ended since the last look."""
        tick = self.tick(now)
        for msg in self.inport.iter_pending():
            event = note_event(msg)
            if event is None:
                continue
            kind, channel, pitch, velocity = event
            if (channel, pitch) in self.held:
                self._close((channel, pitch), tick)
            if kind == "on":
                self.held[(channel, pitch)] = (tick, velocity)

    def _close(self, key: tuple[int, int], tick: int) -> None:
        """End a held note of the player at ``tick``."""
        start, velocity = self.held.pop(key)
        if start < 0:
            self.early += 1
        else:
            self.played.append(Note(key[1], start, max(1, tick - start), velocity))

    def _heard(self, tick: int) -> list[Note]:
        """The player's notes so far, a held one as if released at ``tick``."""
        held = [Note(k[1], s, tick - s, v) for k, (s, v) in self.held.items() if 0 <= s < tick]
        return sorted(self.played + held, key=lambda n: (n.start, n.pitch))

    def _launch(self, now: float) -> None:
        """Start sampling the next answer once its time has come and the worker is free."""
        answers = self.setup.plan.answers
        if self.job is not None or self.next_answer >= len(answers):
            return
        k = self.next_answer
        turn = answers[k]
        before = max(t.start for t in self.setup.plan.turns if t.start < turn.start)
        at = max(before, turn.start - round(LOOKAHEAD_BEATS * TICKS_PER_BEAT))
        if now < self.seconds(at):
            return
        heard = self.tick(now)
        kept, _ = split_player(self._heard(heard), self.setup.plan)
        history = tuple(sorted([*kept, *self.answers], key=lambda n: n.start))
        self.job = (k, self.worker.submit(self._timed, k, history, heard), now)
        self.next_answer += 1

    def _timed(self, k: int, history: Sequence[Note], heard: int) -> tuple[tuple[Note, ...],
                                                                             float]:
        """Run the answerer (on the worker), and how many seconds it took."""
        began = time.perf_counter()
        notes = self.answer_fn(k, history, heard)
        return notes, time.perf_counter() - began

    def _collect(self, now: float) -> None:
        """Queue a finished answer's notes (those still in time) and note its timing."""
        if self.job is None or not self.job[1].done():
            return
        k, future, launched = self.job
        self.job = None
        notes, busy = future.result()
        in_time = tuple(n for n in notes if self.seconds(n.start) >= now)
        self._schedule(SOLO_CHANNEL, in_time)
        self.answers += in_time
        due = self.setup.plan.answers[k].start
        self.timings.append(AnswerTiming(k, launched - self.t0, now - self.t0,
                                         self.seconds(due) - self.t0, busy,
                                         len(notes) - len(in_time)))

    def _silence(self) -> None:
        """Note-offs for every note still sounding, then all notes off on every channel."""
        for channel, pitch in sorted(self.sounding):
            self._send(note_off(channel, pitch))
        for channel in sorted({SOLO_CHANNEL} | {p.channel for p in self.setup.band}):
            for msg in silence(channel):
                self._send(msg)


def live_trade(model, request: TradeRequest, inport, outport, clock: Clock | None = None,
               worker=None) -> tuple[LiveResult, Score]:
    """Trade live through the ports, after a bar of count-in clicks when there is a band;
    the result, and the whole trade as a Score (to write)."""
    from jazzgen.model.bundle import load_bundle

    if request.form.choruses is None:
        raise GenerateError("a live trade needs its length: give the number of choruses")
    plan = make_plan(request.form, request.bars_each, request.form.choruses)
    if request.context_bars is None:
        request = replace(request, context_bars=CONTEXT_BARS)
    if request.band is not None and not request.band.count_in:  # the player needs one
        request = replace(request, band=replace(request.band, count_in=True))
    bundle = load_bundle(resolve_model(model))
    answerer = Answerer(bundle, plan, request)
    tempo = request.tempo or bundle.default_tempo
    band = band_parts(plan, request, tempo)  # played before the solo exists: it cannot listen
    setup = Setup(plan, tempo, lead_ticks(plan, request), band, request.solo_program)
    engine = Engine(setup, answerer.answer, inport, outport, clock or RealClock(),
                    worker or ThreadWorker())
    result = engine.run()
    score = assemble(plan, request, tempo, result.player, result.answers, band)
    if result.stopped_at is not None:  # the band and the changes stop where the trade did
        score = cut_score(score, result.stopped_at + lead_ticks(plan, request))
    return result, score
