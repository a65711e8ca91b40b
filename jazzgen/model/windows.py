"""Training data: pieces split into training and validation, keys, windows, the order the
windows are visited in, and the tf.data pipeline that feeds them to Keras.

Encoded pieces are split by piece (never inside one), the training side is transposed to
other keys, and both are cut into fixed-length windows whose targets are the inputs
shifted by one step. Each epoch visits the training windows in an order drawn from the seed
and the epoch number alone, so a run resumed in the middle of an epoch sees the batches it
would have seen uninterrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.corpus.loader import Corpus
from jazzgen.model.config import TrainConfig
from jazzgen.model.encoding import Features, Vocabulary, encode, transpose_features


def split_pieces(n: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of training and validation pieces; whole pieces stay on one side."""
    order = np.random.default_rng(seed).permutation(n).tolist()
    n_val = int(round(n * fraction))
    n_val = min(max(n_val, 1), n - 1) if fraction > 0 and n >= 2 else 0
    return sorted(order[n_val:]), sorted(order[:n_val])


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The order (a permutation of ``range(n)``, int64) in which epoch ``epoch`` (0-based)
    visits ``n`` training windows: a function of ``(seed, epoch)`` only, so it is the same
    whether or not the run was interrupted before that epoch."""
    if n < 0 or seed < 0 or epoch < 0:
        raise ValueError(f"window count, seed and epoch must be >= 0, got {n}, {seed}, {epoch}")
    return np.random.default_rng([seed, epoch]).permutation(n)


def batch_count(n: int, batch_size: int) -> int:
    """Batches (training steps) in an epoch over ``n`` windows; the last may be short."""
    return -(-n // batch_size)


def remaining_order(n: int, batch_size: int, seed: int, epoch: int, step: int) -> np.ndarray:
    """The windows epoch ``epoch`` still visits after its first ``step`` batches: the tail of
    :func:`epoch_order`, so batch ``step`` onwards is cut exactly where it would have been."""
    if not 0 <= step <= batch_count(n, batch_size):
        raise ValueError(f"step {step} is outside an epoch of "
                         f"{batch_count(n, batch_size)} steps")
    return epoch_order(n, seed, epoch)[step * batch_size:]


@dataclass(frozen=True)
class Windows:
    """Fixed-length training windows: model inputs and the next token to predict.

    features [N, L] (see ``Features``); targets [N, L] int32, the next token; weights
    [N, L] float32, 0 on padding and on targets an earlier window already scored.
    """

    features: Features
    targets: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index) -> Windows:
        """The windows at ``index`` (a slice or index array over N)."""
        return Windows(self.features[index], self.targets[index], self.weights[index])

    @property
    def event_count(self) -> int:
        """Number of scored (non-padding) targets."""
        return int(self.weights.sum())


def make_windows(pieces: Sequence[Features], length: int, stride: int | None = None) -> Windows:
    """Cut each piece into windows of ``length`` steps (targets shifted by one).

    Pieces shorter than a window are padded (padding has weight 0). Windows overlap by half
    by default; each piece's last window ends on its last token so nothing is left out.
    """
    stride = stride or max(1, length // 2)
    rows = []
    for enc in pieces:
        n = len(enc) - 1  # steps with a target
        if n <= 0:
            continue
        starts = list(range(0, max(n - length, 0) + 1, stride))
        if starts[-1] + length < n:
            starts.append(n - length)
        for s in starts:
            rows.append((enc, s, min(length, n - s)))
    m = len(rows)
    out = Windows(Features.empty((m, length)), np.zeros((m, length), np.int32),
                  np.zeros((m, length), np.float32))
    seen_until: dict[int, int] = {}  # piece -> last step already scored
    for r, (enc, s, k) in enumerate(rows):
        out.features.put((r, slice(0, k)), enc[s:s + k])
        out.targets[r, :k] = enc.tokens[s + 1:s + 1 + k]
        # Overlapping windows would score a target twice; weight only the new part, so the
        # validation loss is the plain mean over the events.
        out.weights[r, max(0, seen_until.get(id(enc), 0) - s):k] = 1.0
        seen_until[id(enc)] = s + k
    return out


def make_dataset(windows: Windows, batch_size: int, shuffle_seed: int | None = None,
                 epoch: int = 0, start_step: int = 0):
    """A tf.data pipeline over the windows, with the autotuner's end-of-epoch stall off.

    With ``shuffle_seed`` it yields epoch ``epoch``'s batches (order :func:`epoch_order`)
    from batch ``start_step`` on; without, the windows in their own order. See
    :func:`epoch_datasets` for several epochs.
    """
    return epoch_datasets(windows, batch_size, shuffle_seed)(epoch, start_step)


def epoch_datasets(windows: Windows, batch_size: int, shuffle_seed: int | None
                   ) -> Callable[[int, int], object]:
    """``(epoch, start_step) -> tf.data.Dataset`` of that epoch's batches from that step on
    (see :func:`make_dataset`), the windows copied into TensorFlow once for all epochs.

    Each batch is a gather of its window indices, so an epoch's order costs no copy of the
    data, and skipping the batches a resumed run has done slices the order: it reads nothing.
    """
    import tensorflow as tf

    f = windows.features
    with tf.device("/CPU:0"):  # host memory, where tf.data runs, also beside a GPU
        # chord pitch classes stay uint8 here (4x smaller), float32 per batch
        x = {"tokens": tf.constant(f.tokens), "pos": tf.constant(f.pos),
             "roots": tf.constant(f.roots), "pcs": tf.constant(f.pcs)}
        y, w = tf.constant(windows.targets), tf.constant(windows.weights)

    def gather(idx):
        batch = {k: tf.gather(v, idx) for k, v in x.items()}
        batch["pcs"] = tf.cast(batch["pcs"], tf.float32)
        return batch, tf.gather(y, idx), tf.gather(w, idx)

    opts = tf.data.Options()
    opts.autotune.enabled = False
    opts.deterministic = True
    # every worker of a multi-worker run builds the same batches and keeps its share of each
    opts.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA

    def dataset(epoch: int, start_step: int = 0):
        n = len(windows)
        order = np.arange(n) if shuffle_seed is None else remaining_order(
            n, batch_size, shuffle_seed, epoch, start_step)
        ds = tf.data.Dataset.from_tensor_slices(order.astype(np.int64)).batch(batch_size)
        return ds.map(gather).prefetch(1).with_options(opts)

    return dataset


def key_shifts(cfg: TrainConfig, rng: np.random.Generator) -> list[int]:
    """Semitone shifts for one training piece: 0 plus ``keys - 1`` others in -5..+6."""
    if not cfg.transpose or cfg.keys == 1:
        return [0]
    others = [k for k in range(-5, 7) if k != 0]
    if cfg.keys == 12:
        return [0, *others]
    return [0, *sorted(rng.choice(others, size=cfg.keys - 1, replace=False).tolist())]


@dataclass(frozen=True)
class TrainingData:
    """Encoded training and validation sets, ready for Keras."""

    train: Windows
    valid: Windows | None
    train_pieces: tuple[str, ...]
    valid_pieces: tuple[str, ...]
    train_sequences: tuple[np.ndarray, ...]  # token ids per piece (for baselines)
    valid_sequences: tuple[np.ndarray, ...]


def build_training_data(corpus: Corpus, vocab: Vocabulary, cfg: TrainConfig,
                        valid_names: Sequence[str] | None = None) -> TrainingData:
    """Encode, split by piece, transpose the training split to other keys, cut windows.

    ``valid_names`` (file names) fixes the validation pieces instead of a seeded draw.
    """
    encoded = [encode(score, vocab) for _, score in corpus.pieces]
    names = [p for p, _ in corpus.pieces]
    if valid_names is not None:
        wanted = set(valid_names)
        va = [i for i, n in enumerate(names) if Path(n).name in wanted]
        tr = [i for i in range(len(names)) if i not in set(va)]
    else:
        tr, va = split_pieces(len(encoded), cfg.validation_fraction, cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    train_encs = []
    for i in tr:
        for k in key_shifts(cfg, rng):
            train_encs.append(transpose_features(encoded[i], k, vocab))
    valid_encs = [encoded[i] for i in va]
    return TrainingData(
        # Training windows do not overlap (every step trains); validation windows overlap by
        # half so each scored event has context before it, as it would in a whole piece.
        train=make_windows(train_encs, cfg.sequence_length, stride=cfg.sequence_length),
        valid=make_windows(valid_encs, cfg.sequence_length) if valid_encs else None,
        train_pieces=tuple(names[i] for i in tr),
        valid_pieces=tuple(names[i] for i in va),
        train_sequences=tuple(e.tokens for e in train_encs),
        valid_sequences=tuple(e.tokens for e in valid_encs),
    )
