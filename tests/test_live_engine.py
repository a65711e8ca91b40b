"""jazzgen.live.engine: a live trade under a simulated clock with in-memory ports. The band
comes out at its times, the player's notes are filed into their bars, each answer is ready a
beat early at 300 BPM (sampled by the shipped model, timed for real), a late answer loses
only its late notes, and however the engine stops, nothing is left sounding."""

from __future__ import annotations

import statistics
import time

import pytest
from builders import random_line

from jazzgen.errors import GenerateError
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import Form
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.generate.trade import (
    Answerer,
    TradeRequest,
    band_parts,
    lead_ticks,
    make_plan,
    split_player,
)
from jazzgen.live.clock import RealClock, SimClock, SimWorker, ThreadWorker
from jazzgen.live.engine import CONTEXT_BARS, START_SECONDS, Engine, Setup, live_trade
from jazzgen.live.ports import MemoryInput, MemoryOutput, note_off, note_on
from jazzgen.model.bundle import load_bundle
from jazzgen.music.notes import Note

TEMPO = 300.0
BEAT = 60.0 / TEMPO  # 0.2 s
TWO_FIVE = Form(chords="Dm7 | G7 | Cmaj7 | A7 |", choruses=1)


def setup_for(request: TradeRequest, tempo: float = TEMPO) -> Setup:
    plan = make_plan(request.form, request.bars_each, request.form.choruses)
    return Setup(plan, tempo, lead_ticks(plan, request), band_parts(plan, request, tempo),
                 request.solo_program)


def scripted(setup: Setup, delay: float = 0.0):
    """An answer function: quarter notes through each answer turn; its calls are kept."""
    calls = []

    def answer(k, history, heard):
        calls.append((k, tuple(history), heard))
        time.sleep(delay)
        turn = setup.plan.answers[k]
        return tuple(Note(70 + i % 4, s, 12, 100)
                     for i, s in enumerate(range(turn.start, turn.end, 24)))

    return answer, calls


def ons(out: MemoryOutput, channel: int) -> list[tuple[float, int]]:
    return [(round(t, 6), m.note) for t, m in out.sent
            if m.type == "note_on" and m.velocity and m.channel == channel]


def play(setup, answer, clock, timed=(), worker=None):
    out = MemoryOutput(clock)
    engine = Engine(setup, answer, MemoryInput(clock, timed), out, clock,
                    worker or SimWorker(clock, seconds=0.01))
    return engine.run(), out


def test_band_and_answers_come_out_at_their_times():
    request = TradeRequest(form=TWO_FIVE, bars_each=1, tempo=TEMPO,
                           band=BandConfig(swing=None, count_in=True))
    setup = setup_for(request)
    answer, _ = scripted(setup)
    clock = SimClock(50.0)
    result, out = play(setup, answer, clock)
    start = 50.0 + START_SECONDS  # the count-in bar's first beat
    parts = {p.name: p for p in setup.band}
    for name, channel in (("Bass", 2), ("Piano", 1), ("Drums", 9)):
        expected = sorted((round(start + n.start / 24 * BEAT, 6), n.pitch)
                          for n in parts[name].notes)
        assert sorted(ons(out, channel)) == expected, name
    assert ons(out, 9)[:4] == [(50.1, 37), (50.3, 37), (50.5, 37), (50.7, 37)]  # count-in
    first_bar = start + 4 * BEAT
    assert ons(out, 0) == [(round(first_bar + b * 0.8 + i * BEAT, 6), 70 + i)
                           for b in (1, 3) for i in range(4)]  # bars 2 and 4, jazzgen's
    assert result.lateness == pytest.approx(0.0, abs=1e-9)
    assert result.answers == tuple(n for k in (0, 1) for n in answer(k, (), 0))


def test_the_players_notes_are_filed_into_their_bars():
    request = TradeRequest(form=TWO_FIVE, bars_each=1, tempo=TEMPO, band=BandConfig(
        swing=None, count_in=True))
    setup = setup_for(request)
    answer, calls = scripted(setup)
    clock = SimClock()
    bar1 = START_SECONDS + 4 * BEAT  # the first bar line, after the count-in

    def at(beats: float) -> float:
        return bar1 + beats * BEAT + 0.0011  # arriving a little after the grid

    timed = [(at(-0.5), note_on(0, 58, 70)), (at(-0.25), note_off(0, 58)),  # in the count-in
             (at(0), note_on(0, 60, 90)), (at(0.5), note_off(0, 60)),
             (at(1 + 1 / 3), note_on(0, 62, 91)), (at(2), note_off(0, 62)),
             (at(3), note_on(0, 64, 92)), (at(4.5), note_off(0, 64)),  # rings into bar 2
             (at(5), note_on(0, 65, 93)), (at(5.5), note_off(0, 65)),  # in jazzgen's bar 2
             (at(8), note_on(0, 67, 94)), (at(8), note_on(0, 71, 95)),  # a chord in bar 3
             (at(8.5), note_on(0, 67, 0)), (at(9), note_off(0, 71))]
    result, out = play(setup, answer, clock, timed)
    assert result.player == (Note(60, 0, 12, 90), Note(62, 32, 16, 91), Note(64, 72, 24, 92),
                             Note(67, 192, 12, 94), Note(71, 192, 24, 95))
    assert result.dropped == 2  # the count-in note and the one in jazzgen's bar
    # answer 1 was sampled 2 beats before bar 2 (tick 48): it heard the first two notes
    k, history, heard = calls[0]
    assert (k, heard) == (0, 48)
    assert history == (Note(60, 0, 12, 90), Note(62, 32, 16, 91))
    # answer 2 heard the player's bars 1 and 3 (as far as then) and answer 1, in order
    k, history, heard = calls[1]
    assert (k, heard) == (1, 240)
    assert [n.pitch for n in history] == [60, 62, 64, 70, 71, 72, 73, 67, 71]
    assert out.sounding() == set()


@pytest.fixture(scope="module")
def shipped_answer_seconds():
    """The median real time the shipped model takes to sample a 4-bar answer to a player's
    four (a busy 16-bar line, the live context), over 5 runs of each of 3 answers."""
    bundle = load_bundle(PACKAGED_MODEL)
    request = TradeRequest(form=Form(changes_name="blues", choruses=2), tempo=TEMPO,
                           context_bars=CONTEXT_BARS)
    plan = make_plan(request.form, 4, 2)
    answerer = Answerer(bundle, plan, request)
    player = split_player(random_line(3, bars=24).notes, plan)[0]
    took = []
    for k, turn in enumerate(plan.answers):
        history = [n for n in player if n.start < turn.start]
        for _ in range(5):
            began = time.perf_counter()
            answerer.answer(k, history, turn.start)
            took.append(time.perf_counter() - began)
    return statistics.median(took)


def test_answers_of_the_shipped_model_are_ready_a_beat_early_at_300_bpm(
        shipped_answer_seconds, record_property):
    record_property("answer_seconds", shipped_answer_seconds)
    print(f"shipped model, 4-bar answer: {1000 * shipped_answer_seconds:.1f} ms (median)")
    request = TradeRequest(form=Form(changes_name="blues", choruses=2), seed=2, tempo=TEMPO,
                           band=BandConfig(swing=None, count_in=True))
    clock = SimClock()
    bar1 = START_SECONDS + 4 * BEAT
    line = random_line(3, bars=24)
    timed = [m for n in line.notes for m in ((bar1 + n.start / 24 * BEAT, note_on(0, n.pitch, 90)),
                                             (bar1 + n.end / 24 * BEAT, note_off(0, n.pitch)))]
    worker = SimWorker(clock, seconds=shipped_answer_seconds)
    result, score = live_trade(PACKAGED_MODEL, request, MemoryInput(clock, timed),
                               MemoryOutput(clock), clock, worker)
    assert len(result.timings) == 3 and all(t.late_notes == 0 for t in result.timings)
    for t in result.timings:
        assert t.margin >= BEAT, t  # ready at least one beat before its first bar line
        assert t.launched == pytest.approx(t.due - 2 * BEAT, abs=0.003)
    assert result.player == split_player(line.notes, make_plan(request.form, 4, 2))[0]
    assert [p.name for p in score.parts] == ["Player", "Piano", "Bass", "Drums"]
    assert score.notes and all(n.start >= 96 for n in score.notes)  # after the count-in


def test_a_late_answer_plays_only_its_notes_still_to_come():
    request = TradeRequest(form=TWO_FIVE, bars_each=1, tempo=TEMPO)
    setup = setup_for(request)
    answer, _ = scripted(setup)
    clock = SimClock()
    result, out = play(setup, answer, clock, worker=SimWorker(clock, seconds=0.5))
    first = result.timings[0]
    assert first.margin == pytest.approx(-0.1, abs=0.003) and first.late_notes == 1
    assert all(t >= START_SECONDS + first.ready - 1e-9 for t, _ in ons(out, 0))
    assert [n.pitch for n in result.answers[:3]] == [71, 72, 73]
    assert out.sounding() == set()


def test_ctrl_c_sends_note_offs_and_all_notes_off_and_keeps_what_was_played():
    class CtrlC(SimClock):
        def sleep(self, seconds):
            super().sleep(seconds)
            if self.now() > START_SECONDS + 0.9:  # in jazzgen's bar 2, notes sounding
                raise KeyboardInterrupt

    request = TradeRequest(form=TWO_FIVE, bars_each=1, tempo=TEMPO,
                           band=BandConfig(swing=None))
    setup = setup_for(request)
    clock = CtrlC()
    out = MemoryOutput(clock)
    engine = Engine(setup, scripted(setup)[0], MemoryInput(clock), out, clock,
                    SimWorker(clock, seconds=0.01))
    result = engine.run()  # Ctrl-C ends the trade, not the program
    assert ons(out, 0)  # jazzgen had begun its answer
    assert out.sounding() == set()
    offs = {m.channel for _, m in out.sent if m.type == "control_change" and m.control == 123}
    assert offs == {0, 1, 2, 9}
    assert result.stopped_at == engine.tick(clock.now()) > 0
    played = result.answers
    assert played and all(n.end <= result.stopped_at for n in played)
    # what it keeps is what sounded: one answer note per quarter up to the stop
    assert len(played) == len(ons(out, 0))


def test_an_answer_that_fails_stops_the_trade_and_silences_it():
    request = TradeRequest(form=TWO_FIVE, bars_each=1, tempo=TEMPO, band=BandConfig())
    setup = setup_for(request)

    def broken(k, history, heard):
        raise GenerateError("the model is broken")

    clock = SimClock()
    out = MemoryOutput(clock)
    with pytest.raises(GenerateError, match="broken"):
        Engine(setup, broken, MemoryInput(clock), out, clock, SimWorker(clock, 0.0)).run()
    assert out.sounding() == set()


def test_a_live_trade_needs_its_number_of_choruses():
    clock = SimClock()
    with pytest.raises(GenerateError, match="number of choruses"):
        live_trade(PACKAGED_MODEL, TradeRequest(form=Form(changes_name="blues")),
                   MemoryInput(clock), MemoryOutput(clock), clock, SimWorker(clock))


def test_on_the_real_clock_the_sampler_runs_beside_the_band():
    request = TradeRequest(form=Form(chords="C7 | F7 |", choruses=1), bars_each=1,
                           tempo=400.0, band=BandConfig(swing=None))
    setup = setup_for(request, tempo=400.0)
    answer, calls = scripted(setup, delay=0.05)  # a sampler that takes 50 ms
    clock = RealClock()
    result, out = play(setup, answer, clock, worker=ThreadWorker())
    (timing,) = result.timings
    assert 0.05 <= timing.busy < 0.3 and timing.margin > 0
    assert result.lateness < 0.05  # the band kept time while the worker sampled
    assert len(ons(out, 0)) == 4 and out.sounding() == set()
    assert calls[0][2] == 96 - 48  # sampled from two beats before bar 2
