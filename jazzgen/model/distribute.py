"""Where training runs: one device, several local GPUs, or several processes or machines.

Strategies (``--strategy``):

* ``one``: TensorFlow's default strategy — one device (a GPU when there is one, else the CPU).
* ``mirrored``: ``tf.distribute.MirroredStrategy`` over the local GPUs (each batch split
  between them, gradients summed), or the CPU when there is none.
* ``multi-worker``: ``tf.distribute.MultiWorkerMirroredStrategy`` across the processes or
  machines named in the ``TF_CONFIG`` environment variable (JSON: ``{"cluster": {"worker":
  ["host:port", ...]}, "task": {"type": "worker", "index": i}}``); every worker runs the same
  command, worker 0 is the chief.
* ``auto``: ``multi-worker`` when ``TF_CONFIG`` names more than one worker, else
  ``mirrored`` when there are several GPUs, else ``one``.

The batch size is the global batch: the strategy splits each batch among the replicas, so
one worker and two with the same ``--batch-size`` and steps see the same batches.
"""

from __future__ import annotations

import json
import os
import weakref
from dataclasses import dataclass

from jazzgen.errors import ConfigError, TrainError

STRATEGIES = ("auto", "one", "mirrored", "multi-worker")
_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> its compiled step


@dataclass(frozen=True)
class Task:
    """This process's place in a cluster: ``index`` of ``workers`` (the chief is 0)."""

    index: int = 0
    workers: int = 1

    @property
    def chief(self) -> bool:
        return self.index == 0


def cluster_task(environ: dict | None = None) -> Task:
    """The task ``TF_CONFIG`` gives this process (one worker alone when it is not set);
    ConfigError for a TF_CONFIG that is not such JSON."""
    raw = (os.environ if environ is None else environ).get("TF_CONFIG", "").strip()
    if not raw:
        return Task()
    try:
        cfg = json.loads(raw)
        workers = cfg["cluster"].get("worker", [])
        chiefs = cfg["cluster"].get("chief", [])
        kind, index = cfg["task"]["type"], int(cfg["task"]["index"])
        if not isinstance(workers, list) or not isinstance(chiefs, list):
            raise TypeError("cluster lists must be lists of host:port")
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"TF_CONFIG is not a cluster description ({exc}); see the README's "
                          f"'Training on many workers'") from None
    total = len(workers) + len(chiefs)
    if kind == "chief":
        return Task(0, max(total, 1))
    if kind != "worker" or not 0 <= index < len(workers):
        raise ConfigError(f"TF_CONFIG's task {kind} {index} is not one of its workers")
    return Task(index + len(chiefs), max(total, 1))


def choose(name: str, environ: dict | None = None, gpus: int | None = None) -> str:
    """The strategy ``name`` stands for (``auto`` resolved); ConfigError for an unknown one
    or ``multi-worker`` without a cluster."""
    if name not in STRATEGIES:
        raise ConfigError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
    task = cluster_task(environ)
    if name == "multi-worker" and task.workers < 2:
        raise ConfigError("the multi-worker strategy needs TF_CONFIG naming two or more "
                          "workers")
    if name != "auto":
        return name
    if task.workers > 1:
        return "multi-worker"
    if gpus is None:
        import tensorflow as tf

        gpus = len(tf.config.list_physical_devices("GPU"))
    return "mirrored" if gpus > 1 else "one"


def make_strategy(name: str):
    """The tf.distribute strategy for ``name`` (resolved by :func:`choose`) and this
    process's :class:`Task`. Call it before any other TensorFlow work: a multi-worker
    strategy must start its collective ops first."""
    import tensorflow as tf

    chosen = choose(name)
    if chosen == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy(), cluster_task()
    if chosen == "mirrored":
        return tf.distribute.MirroredStrategy(), Task()
    return tf.distribute.get_strategy(), Task()



def cluster_error(exc: BaseException, task: Task) -> BaseException:
    """``exc`` as one clear TrainError when TensorFlow's collective ops failed in a
    multi-worker run (a peer that cannot be reached or went away, a timed-out all-reduce);
    any other exception comes back unchanged."""
    import tensorflow as tf

    if task.workers <= 1 or not isinstance(exc, tf.errors.OpError):
        return exc
    detail = (exc.message or "").strip().splitlines()
    return TrainError(f"multi-worker training stopped on worker {task.index} of "
                      f"{task.workers}: {type(exc).__name__}"
                      + (f" ({detail[0][:200]})" if detail else "")
                      + "; check that every worker runs and can reach the others, then run "
                      "the same commands again to resume from the last checkpoint")


def is_multi_worker(strategy) -> bool:
    """Whether ``strategy`` spans several workers (and so needs :func:`fit_epoch`)."""
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def fit_epoch(model, strategy, dataset, valid, epoch: int, epochs: int, callbacks: list,
              verbose: int) -> None:
    """Train ``model`` one epoch on ``dataset`` (global batches) under a multi-worker
    ``strategy``, calling ``callbacks`` as ``model.fit`` would.

    Keras 3's ``fit`` cannot run under MultiWorkerMirroredStrategy (it all-reduces the first
    batch's nested structure and reduces scalar logs along an axis they do not have:
    keras-team/keras#20585, #20329), so this is the same step written out: each replica's
    share of the global batch's weighted mean loss, the gradients summed over all replicas,
    then clipped by ``clipnorm`` as the optimizer would clip the one-worker gradients, so a
    run on N workers follows the one-worker run with the same global batch. The optimizer's
    own clipping then leaves them alone (each replica's share has norm at most clipnorm/N)
    and its sum over replicas rebuilds the clipped gradient. Validation is computed by each
    worker on the whole validation set (it is small beside the training data)."""
    import tensorflow as tf

    from jazzgen.model.backend import import_keras
    from jazzgen.model.checkpoint import loss_tracker

    keras = import_keras()
    step = _train_step(model, strategy)
    tracker = loss_tracker(model)
    cbs = keras.callbacks.CallbackList(callbacks, model=model, verbose=verbose,
                                       epochs=epochs, steps=int(dataset.cardinality()))
    model.stop_training = False
    cbs.on_train_begin()
    tracker.reset_state()
    cbs.on_epoch_begin(epoch)
    for batch, data in enumerate(strategy.experimental_distribute_dataset(dataset)):
        cbs.on_train_batch_begin(batch)
        loss, rows = step(data)
        tracker.update_state(loss, sample_weight=rows)
        cbs.on_train_batch_end(batch, {"loss": tracker.result()})
        if model.stop_training:
            break
    logs = {"loss": float(tracker.result())}
    if valid is not None:
        total = count = 0.0
        for x, y, w in valid:
            value = _weighted_loss(model(x, training=False), y, w)
            total += float(value) * int(tf.shape(y)[0])
            count += int(tf.shape(y)[0])
        logs["val_loss"] = total / max(count, 1.0)
    cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end(logs)


def _weighted_loss(logits, targets, weights):
    """The weighted mean cross-entropy of a batch, as the compiled loss computes it."""
    import tensorflow as tf

    from jazzgen.model.backend import import_keras

    per = import_keras().losses.sparse_categorical_crossentropy(targets, logits,
                                                                from_logits=True)
    return tf.reduce_sum(per * weights) / tf.maximum(tf.reduce_sum(weights), 1e-12)


def _train_step(model, strategy):
    """The compiled distributed step of :func:`fit_epoch` (made once per model)."""
    import tensorflow as tf

    cached = _STEPS.get(model)
    if cached is not None:
        return cached
    from jazzgen.model.backend import import_keras

    keras = import_keras()
    optimizer = model.optimizer
    clipnorm = optimizer.clipnorm
    replicas = strategy.num_replicas_in_sync

    def replica(x, y, w):
        ctx = tf.distribute.get_replica_context()
        wsum = ctx.all_reduce("SUM", tf.reduce_sum(w))
        with tf.GradientTape() as tape:
            per = keras.losses.sparse_categorical_crossentropy(y, model(x, training=True),
                                                               from_logits=True)
            share = tf.reduce_sum(per * w) / tf.maximum(wsum, 1e-12)
        variables = model.trainable_variables
        grads = [tf.convert_to_tensor(g) for g in tape.gradient(share, variables)]
        grads = ctx.all_reduce("SUM", grads)
        if clipnorm:
            grads = [tf.clip_by_norm(g, clipnorm) for g in grads]
        optimizer.apply([g / replicas for g in grads], variables)
        rows = ctx.all_reduce("SUM", tf.cast(tf.shape(y)[0], tf.float32))
        return share, rows

    @tf.function
    def step(data):
        share, rows = strategy.run(replica, args=data)
        return (strategy.reduce("SUM", share, axis=None),
                strategy.reduce("MEAN", rows, axis=None))

    _STEPS[model] = step
    return step


def positions(strategy, mine: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Every worker's checkpoint positions, (epoch, step) pairs, as this worker's ``mine``
    (at most two: its checkpoint and the one before) are gathered from all of them (one
    collective: every worker must call it)."""
    import tensorflow as tf

    row = [v for pos in (mine + [(-1, -1)] * 2)[:2] for v in pos]
    here = tf.constant([row], tf.int64)
    values = strategy.experimental_distribute_values_from_function(lambda _ctx: here)
    return [[(int(r[0]), int(r[1])), (int(r[2]), int(r[3]))]
            for r in strategy.gather(values, axis=0).numpy()]


def common_position(found: list[list[tuple[int, int]]]) -> tuple[int, int]:
    """The latest position every worker can resume from: one that each worker's checkpoint,
    or the one before it, stands at; (0, 0), the start, when there is none. A cluster stopped
    between two workers' writes of the same checkpoint so goes back to the one before;
    workers resuming at different steps would wait on each other for ever."""
    shared = set.intersection(*({p for p in pos if p[0] >= 0} | {(0, 0)} for pos in found))
    return max(shared)


def agreed_state(strategy, state: dict | None, log) -> dict | None:
    """The checkpoint state this worker resumes from so that every worker of the cluster
    resumes at the same step: its own, the one before it, or none (the start); ``log(line)``
    says when it is not its own (one collective: every worker must call it)."""
    from jazzgen.model.checkpoint import previous_state

    mine = [] if state is None else [(state["epoch"], state["step"])]
    before = None if state is None else previous_state(state)
    if before is not None:
        mine.append((before["epoch"], before["step"]))
    common = common_position(positions(strategy, mine))
    if mine and common == mine[0]:
        return state
    if before is not None and common == mine[-1]:
        log(f"Another worker's checkpoint is one behind: going back to epoch {common[0]}, "
            f"step {common[1]}")
        return before
    if mine:
        log("The workers' checkpoints have no step in common: starting afresh")
    return None


def build_optimizer(model, strategy) -> None:
    """Create the optimizer's variables in ``strategy``'s scope (a custom loop does not)."""
    with strategy.scope():
        model.optimizer.build(model.trainable_variables)
