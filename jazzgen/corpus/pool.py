"""Run a one-file job over many files on all cores, in a bounded pool that survives its
workers: a worker killed (out of memory, a signal) costs one file, never a stalled run.

Workers are spawned, not forked (forking a process that holds TensorFlow threads can
deadlock), at most ``4 x workers`` jobs are in flight so memory stays bounded, and results
come back in the order of the jobs. When a worker dies, the pool is broken for every job in
flight; each of those is then run again alone in a fresh one-worker pool, so only the file
that kills its worker again is given up, with ``dead(job)`` as its result.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

IN_FLIGHT_PER_WORKER = 4


def run_pool(job: Callable[[Any], Any], args: Sequence[Any], workers: int,
             dead: Callable[[Any], Any], done: Callable[[int, Any], None] | None = None,
             keep: bool = True) -> list[Any]:
    """``[job(a) for a in args]`` on ``workers`` processes; ``done(i, result)`` as each ends.

    ``job`` must be a module-level function (it is pickled by reference) that never raises;
    ``dead(a)`` is the result for an argument whose worker died twice. With ``keep=False``
    results are only handed to ``done`` (memory stays bounded) and the list returned is empty.
    """
    results: list[Any] = [None] * len(args) if keep else []
    pending = deque(range(len(args)))
    context = mp.get_context("spawn")

    def finish(i: int, result: Any) -> None:
        if keep:
            results[i] = result
        if done is not None:
            done(i, result)

    while pending:
        suspects = _run_until_broken(job, args, pending, workers, context, finish)
        for i in suspects:  # alone, one at a time: only the file that kills again is lost
            try:
                with ProcessPoolExecutor(1, mp_context=context) as solo:
                    finish(i, solo.submit(job, args[i]).result())
            except BrokenProcessPool:
                finish(i, dead(args[i]))
    return results


def _run_until_broken(job, args, pending: deque, workers: int, context, finish) -> list[int]:
    """Run ``pending`` jobs until done or a worker dies; the jobs in flight at the death."""
    inflight: dict = {}
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            while pending or inflight:
                while pending and len(inflight) < IN_FLIGHT_PER_WORKER * workers:
                    i = pending.popleft()
                    inflight[pool.submit(job, args[i])] = i
                ready, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in ready:
                    result = fut.result()  # BrokenProcessPool when a worker has died
                    finish(inflight.pop(fut), result)
    except BrokenProcessPool:
        return sorted(inflight.values())
    return []
