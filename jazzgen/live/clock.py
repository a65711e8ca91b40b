"""Clocks and workers for playing in time: the real ones, and simulated ones for tests.

A clock tells the time in seconds (``now()``) and waits (``sleep(seconds)``). The live engine
asks a worker to run the sampler beside the clock (``submit(fn, *args)`` returns a future with
``done()`` and ``result()``), so sampling an answer never holds the band up.

:class:`SimClock` and :class:`SimWorker` replace both in tests: simulated time moves only
when the engine sleeps, and a job submitted to the simulated worker runs at once but counts
as done only after the simulated seconds it is said to take, by default the real seconds it
took, so a test measures how early a real answer is ready without waiting for the music.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol


class Clock(Protocol):
    """Seconds since some fixed moment, and a way to wait."""

    def now(self) -> float:
        """The time in seconds."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (nothing when <= 0)."""


class RealClock:
    """The monotonic clock of this machine (``time.monotonic``), waiting with ``time.sleep``."""

    def now(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``; returns at once when it is not positive."""
        if seconds > 0:
            time.sleep(seconds)


class SimClock:
    """Simulated time: starts at ``start`` seconds and moves only by :meth:`sleep` and
    :meth:`advance`, never waiting for real."""

    def __init__(self, start: float = 0.0) -> None:
        self.time = float(start)

    def now(self) -> float:
        """The simulated time in seconds."""
        return self.time

    def sleep(self, seconds: float) -> None:
        """Move the simulated time on by ``seconds`` (nothing when <= 0)."""
        if seconds > 0:
            self.time += seconds

    def advance(self, seconds: float) -> None:
        """The same as :meth:`sleep`, for a test that moves time itself."""
        self.sleep(seconds)


class ThreadWorker:
    """Runs jobs one at a time on a background thread (the sampler in NumPy releases the
    interpreter between steps often enough for the clock's loop to keep time)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jazzgen-sampler")

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Start ``fn(*args)`` on the worker thread; its future."""
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        """Let a running job finish, start no other."""
        self.pool.shutdown(wait=False, cancel_futures=True)


class SimFuture:
    """A job's result that counts as done from simulated time ``ready_at`` on."""

    def __init__(self, clock: SimClock, ready_at: float, value: Any = None,
                 error: BaseException | None = None) -> None:
        self.clock, self.ready_at, self.value, self.error = clock, ready_at, value, error

    def done(self) -> bool:
        """True once the simulated clock has reached ``ready_at``."""
        return self.clock.now() >= self.ready_at

    def result(self) -> Any:
        """The job's value (its exception raised again); the job must be done."""
        if not self.done():
            raise RuntimeError("the simulated job is not done yet")  # a bug in the caller
        if self.error is not None:
            raise self.error
        return self.value


class SimWorker:
    """Runs each job at once and says it took ``seconds`` of simulated time (None: the real
    seconds it took, times ``scale``). ``durations`` lists what each job was charged."""

    def __init__(self, clock: SimClock, seconds: float | None = None, scale: float = 1.0) -> None:
        self.clock, self.seconds, self.scale = clock, seconds, scale
        self.durations: list[float] = []

    def submit(self, fn: Callable[..., Any], *args: Any) -> SimFuture:
        """Run ``fn(*args)`` now; a future done after the simulated time it is charged."""
        began = time.perf_counter()
        value, error = None, None
        try:
            value = fn(*args)
        except Exception as exc:  # handed to whoever asks for the result, as a Future does
            error = exc
        took = self.seconds if self.seconds is not None else \
            (time.perf_counter() - began) * self.scale
        self.durations.append(took)
        return SimFuture(self.clock, self.clock.now() + took, value, error)

    def close(self) -> None:
        """Nothing to stop."""
