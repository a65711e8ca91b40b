"""jazzgen.live.clock: the real clock and worker thread, and their simulated twins that let
a test measure a live trade's timing without waiting for the music."""

from __future__ import annotations

import threading
import time

import pytest

from jazzgen.live.clock import RealClock, SimClock, SimWorker, ThreadWorker


def test_the_simulated_clock_moves_only_when_told():
    clock = SimClock(5.0)
    assert clock.now() == 5.0
    clock.sleep(0.25)
    clock.advance(0.5)
    clock.sleep(-1.0)  # a wait already over does nothing
    clock.sleep(0.0)
    assert clock.now() == 5.75


def test_the_real_clock_is_monotonic_and_waits():
    clock = RealClock()
    before = clock.now()
    clock.sleep(0.02)
    clock.sleep(-5)  # returns at once
    assert 0.02 <= clock.now() - before < 1.0


def test_a_simulated_job_runs_at_once_and_is_done_after_its_charge():
    clock = SimClock()
    worker = SimWorker(clock, seconds=0.3)
    calls = []
    future = worker.submit(lambda a, b: calls.append((a, b)) or a + b, 2, 3)
    assert calls == [(2, 3)]  # ran already
    assert not future.done()
    with pytest.raises(RuntimeError, match="not done"):
        future.result()
    clock.advance(0.3)
    assert future.done() and future.result() == 5
    assert worker.durations == [0.3]


def test_a_simulated_job_is_charged_its_real_time_by_default():
    clock = SimClock()
    worker = SimWorker(clock, scale=2.0)
    future = worker.submit(time.sleep, 0.02)
    assert 0.04 <= worker.durations[0] < 1.0
    clock.advance(worker.durations[0] - 0.001)
    assert not future.done()
    clock.advance(0.001)
    assert future.done()


def test_a_simulated_jobs_error_comes_back_with_its_result():
    clock = SimClock()
    future = SimWorker(clock, seconds=0.0).submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result()


def test_the_thread_worker_runs_jobs_beside_the_caller():
    worker = ThreadWorker()
    gate = threading.Event()
    future = worker.submit(lambda: gate.wait(5) and threading.current_thread().name)
    assert not future.done()  # the caller goes on while the job waits
    gate.set()
    assert future.result(timeout=5).startswith("jazzgen-sampler")
    worker.close()
