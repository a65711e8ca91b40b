"""Trading fours live: how long jazzgen takes to sample a four-bar answer, against the one
beat (200 ms at 300 BPM) it should be ready before its first bar line.

    python -m bench.trade_latency [--model jazzgen/data/wjazzd-lstm] [--choruses 6] [--runs 5]
                                  [--realtime-choruses 1]

Part 1 times ``Answerer.answer`` for every answer of a blues traded in fours at 300 BPM,
each ``--runs`` times, primed as the live engine primes it (the player's turns and the
earlier answers, their last ``live.engine.CONTEXT_BARS`` bars); the "player" is a solo the
same model samples beforehand (seed 99), so the primer is as dense as a real one. Part 2 plays
``--realtime-choruses`` choruses through the live engine on the real clock, the sampler on its
worker thread, into an in-memory port, the player's notes fed in at their real times: it
prints each answer's readiness margin and the latest any message was sent after its time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import mido

from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import Form
from jazzgen.generate.sampling import sample
from jazzgen.generate.solo import PACKAGED_MODEL, calibrated_sampling
from jazzgen.generate.trade import Answerer, TradeRequest, make_plan, split_player
from jazzgen.live.clock import RealClock, ThreadWorker
from jazzgen.live.engine import CONTEXT_BARS, START_SECONDS, live_trade
from jazzgen.live.ports import MemoryInput, MemoryOutput
from jazzgen.model.bundle import load_bundle

TEMPO = 300.0


def player_line(bundle, plan):
    """A solo the model plays over the whole plan (seed 99), kept in the player's turns."""
    import numpy as np

    line = sample(bundle.net, bundle.vocab, plan.changes, (plan.sig,),
                  [np.random.SeedSequence(99)], calibrated_sampling(bundle), end=plan.end)[0]
    return split_player(line, plan)[0]


def time_answers(bundle, request: TradeRequest, runs: int) -> list[tuple[int, int, float]]:
    """(answer number, bars of history, median seconds) for each answer of the plan."""
    plan = make_plan(request.form, request.bars_each, request.form.choruses)
    answerer = Answerer(bundle, plan, request)
    player = player_line(bundle, plan)
    answers: list = []
    out = []
    for k, turn in enumerate(plan.answers):
        history = sorted([*player, *answers], key=lambda n: n.start)
        took = []
        for _ in range(runs):
            began = time.perf_counter()
            notes = answerer.answer(k, history, turn.start)
            took.append(time.perf_counter() - began)
        answers += notes
        out.append((k + 1, turn.start // plan.sig.bar_ticks, statistics.median(took)))
    return out


def realtime(model, request: TradeRequest) -> None:
    """Play the trade on the real clock into a memory port and print the timings."""
    bundle = load_bundle(model)
    plan = make_plan(request.form, request.bars_each, request.form.choruses)
    clock = RealClock()
    beat = 60.0 / TEMPO
    start = clock.now() + START_SECONDS  # the engine's first bar line, give or take a poll
    timed = []
    for n in player_line(bundle, plan):
        timed.append((start + n.start / 24 * beat, mido.Message("note_on", note=n.pitch,
                                                              velocity=n.velocity)))
        timed.append((start + n.end / 24 * beat, mido.Message("note_off", note=n.pitch)))
    out = MemoryOutput(clock)
    result, _ = live_trade(model, request, MemoryInput(clock, timed), out, clock,
                           ThreadWorker())
    for t in result.timings:
        print(f"  answer {t.index + 1}: sampled in {1000 * t.busy:5.1f} ms on the worker, "
              f"ready {1000 * t.margin:5.1f} ms before its first beat")
    print(f"  {result.sent} messages; the latest sent {1000 * result.lateness:.1f} ms after "
          f"its time; notes left sounding: {len(out.sounding())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(PACKAGED_MODEL))
    ap.add_argument("--choruses", type=int, default=6)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--realtime-choruses", type=int, default=1)
    args = ap.parse_args()
    request = TradeRequest(form=Form(changes_name="blues", choruses=args.choruses), seed=1,
                           tempo=TEMPO, context_bars=CONTEXT_BARS)
    rows = time_answers(load_bundle(args.model), request, args.runs)
    print(f"4-bar answers of a blues traded in fours, {args.model}, median of {args.runs} runs:")
    for k, bars, secs in rows:
        print(f"  answer {k:2d} after {bars:3d} bars: {1000 * secs:6.1f} ms")
    all_ms = [1000 * s for _, _, s in rows]
    print(f"median {statistics.median(all_ms):.1f} ms, slowest {max(all_ms):.1f} ms; one beat "
          f"at {TEMPO:g} BPM is {60000 / TEMPO:.0f} ms")
    if args.realtime_choruses:
        print(f"Live engine, real clock, {args.realtime_choruses} chorus(es) at {TEMPO:g} BPM:")
        realtime(args.model, TradeRequest(
            form=Form(changes_name="blues", choruses=args.realtime_choruses), seed=1,
            tempo=TEMPO, band=BandConfig(swing=None)))


if __name__ == "__main__":
    main()
