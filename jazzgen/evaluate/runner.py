"""One entry point for ``jazzgen evaluate``: a model's likelihood, or generated solos against
real ones, with the JSON and plot files asked for."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from jazzgen.corpus.loader import Progress
from jazzgen.errors import EvaluateError
from jazzgen.evaluate.likelihood import LikelihoodReport, evaluate_likelihood
from jazzgen.evaluate.report import MusicReport, evaluate_generated
from jazzgen.io import atomic

Folder = str | os.PathLike | None


@dataclass(frozen=True)
class Evaluation:
    """What to evaluate: ``model`` on the held-out ``corpus`` (likelihood), or the
    ``generated`` folder against ``reference`` (music); ``train``/``valid`` folders as the
    baselines' data or the copying reference; files to write."""

    model: Folder = None
    corpus: Folder = None
    train: Folder = None
    valid: Folder = None
    generated: Folder = None
    reference: Folder = None
    json_path: Folder = None
    plot: Folder = None
    seed: int = 0


def run_evaluation(ev: Evaluation, progress: Progress | None = None
                   ) -> tuple[LikelihoodReport | MusicReport, list[Path]]:
    """The report, and the files written (plot, then JSON)."""
    written: list[Path] = []
    if ev.model is not None:
        if ev.corpus is None:
            raise EvaluateError("a model is scored on a folder of held-out test pieces")
        report: LikelihoodReport | MusicReport = evaluate_likelihood(
            ev.model, ev.corpus, ev.train, ev.valid, progress=progress)
    else:
        if ev.generated is None or ev.reference is None:
            raise EvaluateError("generated solos are compared with a folder of real ones")
        report = evaluate_generated(ev.generated, ev.reference, ev.train, seed=ev.seed,
                                    progress=progress)
        if ev.plot is not None:
            written.append(report.plot(ev.plot))
    if ev.json_path is not None:
        text = json.dumps(report.to_dict(), indent=1, default=str) + "\n"
        written.append(atomic.write_text(ev.json_path, text))
    return report, written
