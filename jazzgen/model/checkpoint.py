"""The checkpoint folder of a training run (``<model>.checkpoint`` beside the bundle).

It holds::

    state.json                 epochs done, steps done in the next epoch, history, best
                               loss and epoch, epochs without progress, that epoch's running
                               training loss and seconds, the dropout layers' random-stream
                               states, and the names of the two files below
    model-EEEE-SSSSSS.keras    the compiled network with its optimizer state at that point
    best-EEEE.weights.h5       the weights of the best epoch so far
    log_epochs.csv             the training logs so far (:mod:`jazzgen.model.trainlog`)
    log_steps.csv

Every file is written under a temporary name and renamed into place, state.json last; it
names the files it belongs to, so a kill at any instant leaves a state.json whose files are
complete. Files it does not name (the previous model, a half-written temporary) are removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from jazzgen.io import atomic
from jazzgen.model.trainlog import LOG_FILES

STATE = "state.json"


def read_state(ckpt_dir: Path, fingerprint: str) -> dict | None:
    """The checkpoint's state if it belongs to this exact run and its files are there, else
    None."""
    try:
        state = json.loads((ckpt_dir / STATE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(state, dict) or state.get("fingerprint") != fingerprint:
        return None
    # A checkpoint from before mid-epoch checkpoints: fixed names, epoch ends only.
    state.setdefault("step", 0)
    state.setdefault("model", "last.keras")
    if "best_file" not in state and (ckpt_dir / "best.weights.h5").exists():
        state["best_file"] = "best.weights.h5"
    if not all((ckpt_dir / state[k]).is_file() for k in ("model", "best_file") if state.get(k)):
        return None
    return state


def _seed_variables(model) -> list:
    """The dropout layers' random-stream states (Keras saves none of them with the model)."""
    return [v for v in model.variables if v.name == "seed_generator_state"]


def set_seed_states(model, states: list | None) -> None:
    """Restore the dropout layers' random streams saved in a checkpoint's state."""
    if states is None:  # an epoch-end checkpoint of an older jazzgen: fresh streams
        return
    for var, value in zip(_seed_variables(model), states, strict=True):
        var.assign(np.asarray(value, dtype=var.dtype))


def loss_tracker(model):
    """Keras's running mean of the training loss over the current epoch."""
    return next(m for m in model.metrics if m.name == "loss")


def _save_file(ckpt_dir: Path, name: str, save: Callable[[Path], object]) -> None:
    """``save(path)`` onto a temporary name (same ending: Keras reads the format from it),
    synced, then renamed onto ``ckpt_dir / name``."""
    tmp = ckpt_dir / f".tmp-{name}"
    save(tmp)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, ckpt_dir / name)


def write_checkpoint(ckpt_dir: Path, model, state: dict, best: bool = False) -> None:
    """Save the model (and the best weights, when ``best``), then the state that names them;
    then remove what the new state does not name. The state keeps the checkpoint before it as
    ``previous`` (its files kept too), so workers of a cluster stopped between their writes
    of one checkpoint can all go back to the one before (:func:`previous_state`)."""
    if state.get("model"):
        state["previous"] = {k: v for k, v in state.items() if k != "previous"}
    if best:
        state["best_file"] = f"best-{state['best_epoch']:04d}.weights.h5"
        _save_file(ckpt_dir, state["best_file"], model.save_weights)
    state["model"] = f"model-{state['epoch']:04d}-{state['step']:06d}.keras"
    _save_file(ckpt_dir, state["model"], model.save)
    state["rng"] = [np.asarray(v.numpy()).tolist() for v in _seed_variables(model)]
    atomic.write_text(ckpt_dir / STATE, json.dumps(state, indent=1))
    remove_unnamed(ckpt_dir, state)


def previous_state(state: dict) -> dict | None:
    """The checkpoint before ``state``'s (its files kept beside it), or None."""
    previous = state.get("previous")
    return dict(previous) if isinstance(previous, dict) and previous.get("model") else None


def remove_unnamed(ckpt_dir: Path, state: dict) -> None:
    """Remove the files of ``ckpt_dir`` that ``state`` (or the checkpoint before it) does not
    name, the logs kept."""
    before = previous_state(state) or {}
    keep = {STATE, state["model"], state.get("best_file"), before.get("model"),
            before.get("best_file"), *LOG_FILES}
    for p in ckpt_dir.iterdir():
        if p.name not in keep and p.is_file():
            p.unlink(missing_ok=True)
