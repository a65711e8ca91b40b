"""Progress bars on stderr for the long steps: reading a corpus, training steps, writing
many solos or WAV files, evaluation, calibration.

A bar is drawn (with tqdm, imported only then) when stderr is a terminal and ``--quiet`` is
not given, tqdm's ``disable=None`` rule. Off a terminal (a CI log, a pipe) nothing is drawn;
a report made with ``lines=True`` prints a plain ``label: done/total units`` line at each
new tenth instead, the few lines such logs have always had. The library calls the reports;
it never imports tqdm.
"""

from __future__ import annotations

import sys
from typing import TextIO

import click

MININTERVAL = 0.1
"""Seconds between redraws of a bar (tqdm's ``mininterval``)."""


def draws(quiet: bool = False, file: TextIO | None = None, disable: bool | None = None) -> bool:
    """Whether a bar shows: not ``quiet``, and ``disable`` False, or None with ``file``
    (default: the current stderr) a terminal."""
    if quiet or disable is True:
        return False
    stream = file if file is not None else sys.stderr
    try:
        return disable is False or bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class Bar:
    """A progress report ``(done, total, note="")`` drawn as one tqdm bar labelled ``label``.

    A report with a smaller ``done`` or another ``total`` than the last starts a new bar;
    the bar closes when ``done`` reaches ``total``. Totals under ``min_total`` show nothing
    (one file needs no bar). ``file`` defaults to the current stderr; ``disable`` is tqdm's
    (None: draw on a terminal only; False: always, e.g. into a StringIO in a test).
    """

    def __init__(self, label: str, unit: str = "", *, quiet: bool = False, lines: bool = False,
                 file: TextIO | None = None, disable: bool | None = None, min_total: int = 1,
                 leave: bool = True) -> None:
        self.label, self.unit, self.file, self.min_total, self.leave = (
            label, unit, file, min_total, leave)
        self.draws = draws(quiet, file, disable)
        self.prints = lines and not quiet and not self.draws
        self._bar = None
        self._last = -1  # percent done at the last plain line

    def __call__(self, done: int, total: int, note: str = "") -> None:
        if total < self.min_total:
            return
        if self.draws:
            self._draw(done, total, note)
        elif self.prints:
            self._print(done, total)

    def echo(self, line: str) -> None:
        """Print ``line`` on stdout, above the bar while one is drawn."""
        if self._bar is None:
            click.echo(line)
        else:
            self._bar.write(line, file=sys.stdout)

    def close(self) -> None:
        """End the current bar (a no-op when none is open)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _draw(self, done: int, total: int, note: str) -> None:
        if self._bar is None or done < self._bar.n or total != self._bar.total:
            self.close()
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=self.label, unit=self.unit or "it",
                             file=self.file, disable=False, leave=self.leave,
                             dynamic_ncols=True, mininterval=MININTERVAL)
        if note:
            self._bar.set_postfix_str(note, refresh=False)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def _print(self, done: int, total: int) -> None:
        pct = done * 100 // total
        if pct // 10 != self._last // 10 or done == total:
            units = f" {self.unit}s" if self.unit else ""
            click.echo(f"{self.label}: {done}/{total}{units}", err=True, file=self.file)
        self._last = pct


def epoch_bars(epochs: int, quiet: bool = False, file: TextIO | None = None,
               disable: bool | None = None):
    """The training steps' report ``(epoch, done, steps, loss)`` (see
    :data:`jazzgen.model.trainlog.StepProgress`): a bar of steps per epoch, with the running
    loss, cleared at the epoch's end (Keras's per-epoch line stays); None when no bar would
    show, so training adds no per-step hook."""
    if not draws(quiet, file, disable):
        return None
    current: list = [None, None]  # the epoch shown and its bar

    def report(epoch: int, done: int, steps: int, loss: float | None) -> None:
        if current[0] != epoch:
            if current[1] is not None:
                current[1].close()
            current[:] = [epoch, Bar(f"Epoch {epoch}/{epochs}", "step", file=file,
                                     disable=disable, leave=False)]
        current[1](done, steps, "" if loss is None else f"loss {loss:.4f}")

    return report
