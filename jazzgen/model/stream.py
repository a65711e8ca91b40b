"""Training data streamed from prepared shards (``jazzgen prepare``) through tf.data.

Memory does not grow with the corpus: the shards are read record by record (a few shards
interleaved), each piece is transposed and cut into windows as it arrives, and windows are
mixed in a shuffle buffer of fixed size before batching. Everything is a function of the
seed and the pass number, so batch ``s`` of pass ``p`` is the same on every run and every
worker: a resumed run skips to it, and workers of a multi-worker run cut the same global
batches into their shares (tf.data's DATA auto-sharding).

A *pass* is one sweep over the training pieces in every key asked for; its number of windows
and batches follow from the manifest's piece lengths. Training epochs are passes, or
``steps_per_epoch`` batches of the endless sequence pass 0, pass 1, ... (see
:func:`stream_batches`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jazzgen.errors import CorpusError
from jazzgen.model.config import TrainConfig
from jazzgen.model.encoding import CHORD_FEATURES, Features, Vocabulary, transpose_features
from jazzgen.model.shards import Manifest, load_manifest, read_shard, record_features
from jazzgen.model.windows import batch_count, key_shifts, make_windows
from jazzgen.music.quotes import QuoteIndex

SHUFFLE_BUFFER = 2048
"""Windows mixed before batching (about 12 MB at 128 steps): the only buffer that grows
with a setting rather than with the data read so far."""
CYCLE = 4
"""Shards read at once, interleaved record by record."""


def window_count(steps: int, length: int, stride: int) -> int:
    """Windows :func:`~jazzgen.model.windows.make_windows` cuts from a piece of ``steps``
    tokens."""
    n = steps - 1
    if n <= 0:
        return 0
    last = max(n - length, 0)
    count = last // stride + 1
    return count + (((count - 1) * stride + length) < n)


@dataclass(frozen=True)
class ShardData:
    """The prepared folder ``folder`` seen by a training run with ``cfg`` and ``vocab``."""

    folder: Path
    manifest: Manifest
    vocab: Vocabulary
    cfg: TrainConfig
    shuffle_buffer: int = SHUFFLE_BUFFER

    @property
    def keys(self) -> int:
        """Keys each training piece is played in per pass."""
        return 1 if not self.cfg.transpose else self.cfg.keys

    @property
    def windows_per_pass(self) -> int:
        length = self.cfg.sequence_length
        return self.keys * sum(window_count(t, length, length)
                               for t in self.manifest.train.steps)

    @property
    def batches_per_pass(self) -> int:
        return batch_count(self.windows_per_pass, self.cfg.batch_size)

    @property
    def train_events(self) -> int:
        """Scored targets per pass."""
        return self.keys * sum(max(t - 1, 0) for t in self.manifest.train.steps)

    @property
    def valid_events(self) -> int:
        return sum(max(t - 1, 0) for t in self.manifest.valid.steps)

    def _files(self, names) -> list[str]:
        return [str(self.folder / n) for n in names]

    def _train_windows(self, p: int) -> Callable:
        """The numpy function: (record, index in the pass) -> that piece's windows."""
        cfg, vocab = self.cfg, self.vocab

        def windows(record, index):
            feats = record_features(bytes(record))
            shifts = key_shifts(cfg, np.random.default_rng([cfg.seed, p, int(index)]))
            w = make_windows([transpose_features(feats, k, vocab) for k in shifts],
                             cfg.sequence_length, stride=cfg.sequence_length)
            return _arrays(w)

        return windows

    def pass_dataset(self, p: int, start_step: int = 0):
        """Pass ``p``'s batches from batch ``start_step`` on, as ``(inputs, targets,
        weights)``."""
        names = list(self.manifest.train.shards)
        order = np.random.default_rng([self.cfg.seed, p]).permutation(len(names))
        ds = _windows_dataset(self._files([names[i] for i in order]), self._train_windows(p),
                              self.cfg.sequence_length)
        ds = ds.shuffle(self.shuffle_buffer, seed=(self.cfg.seed * 1_000_003 + p) % 2**31,
                        reshuffle_each_iteration=False)
        return _batched(ds, self.cfg.batch_size).skip(start_step)

    def valid_dataset(self):
        """The validation windows (overlapping by half, as in memory), in manifest order, or
        None when there are no validation pieces."""
        if not self.manifest.valid.files:
            return None
        length = self.cfg.sequence_length

        def windows(record, _index):
            return _arrays(make_windows([record_features(bytes(record))], length))

        count = batch_count(sum(window_count(t, length, max(1, length // 2))
                                for t in self.manifest.valid.steps), self.cfg.batch_size)
        return _counted(_batched(_windows_dataset(self._files(self.manifest.valid.shards),
                                                  windows, length), self.cfg.batch_size), count)

    def pieces(self, split: str) -> Iterator[Features]:
        """Every piece of ``split`` ("train" or "valid") in manifest order, untransposed,
        read without TensorFlow."""
        for name in getattr(self.manifest, split).shards:
            for record in read_shard(self.folder / name):
                yield record_features(record)

    def unigram_nll(self) -> float | None:
        """Validation NLL per event of add-one unigram counts over the training targets, the
        pitches counted in every key a pass plays them in (all twelve weighed alike when a
        random few are drawn per piece)."""
        if not self.manifest.valid.files:
            return None
        size = len(self.vocab)
        seen = np.zeros(size, np.float64)  # the training targets in their own keys
        for feats in self.pieces("train"):
            seen += np.bincount(feats.tokens[1:], minlength=size)
        shifts = key_shifts(self.cfg, np.random.default_rng(0)) if self.keys in (1, 12) \
            else list(range(-5, 7))
        weight = self.keys / len(shifts)
        every = Features.empty((size,))  # each token once: where a shift sends it
        every.tokens[:] = np.arange(size)
        counts = np.zeros(size, np.float64)
        for k in shifts:
            moved = transpose_features(every, k, self.vocab).tokens
            counts += weight * np.bincount(moved, weights=seen, minlength=size)
        logp = np.log((counts + 1.0) / (counts + 1.0).sum())
        total, n = 0.0, 0
        for feats in self.pieces("valid"):
            total -= float(logp[feats.tokens[1:]].sum())
            n += len(feats.tokens) - 1
        return total / max(n, 1)

    def quote_index(self) -> QuoteIndex:
        """The quote index of the training pieces (their pitches, in their own key)."""
        vocab = self.vocab
        return QuoteIndex.from_melodies(
            f.tokens[vocab.pitch_mask(f.tokens)] - vocab.first_pitch_id + vocab.cfg.min_pitch
            for f in self.pieces("train"))


def open_shards(folder: str | os.PathLike, vocab: Vocabulary, cfg: TrainConfig,
                shuffle_buffer: int = SHUFFLE_BUFFER) -> ShardData:
    """The prepared folder for training; CorpusError when it is not one, was prepared with
    another encoding, lacks a shard, or has no training pieces."""
    from jazzgen.model.config import to_dict

    folder = Path(folder)
    manifest = load_manifest(folder)
    if manifest.encoding != to_dict(vocab.cfg):
        raise CorpusError(f"{folder} was prepared with another encoding; prepare it again "
                          f"with this jazzgen")
    if not manifest.train.files:
        raise CorpusError(f"{folder} holds no training pieces")
    for name in manifest.train.shards + manifest.valid.shards:
        if not (folder / name).is_file():
            raise CorpusError(f"{folder}: shard {name} is missing")
    if shuffle_buffer < 1:
        raise CorpusError(f"the shuffle buffer must hold at least 1 window, got "
                          f"{shuffle_buffer}")
    return ShardData(folder, manifest, vocab, cfg, shuffle_buffer)


def stream_batches(pass_dataset: Callable, batches_per_pass: int, start: int, count: int):
    """Batches ``start`` .. ``start + count - 1`` of the endless sequence pass 0, pass 1, ...
    (each ``batches_per_pass`` long): the passes they fall in, joined."""
    if batches_per_pass < 1:
        raise CorpusError("a pass over the training data has no batches")
    p, step = divmod(start, batches_per_pass)
    ds, have = pass_dataset(p, step), batches_per_pass - step
    while have < count:
        p += 1
        ds, have = ds.concatenate(pass_dataset(p, 0)), have + batches_per_pass
    return _counted(ds.take(count), count)


def _counted(ds, count: int):
    """``ds`` with its length in batches known to Keras (tf.data fails at the end if it is
    not so, rather than training on quietly)."""
    import tensorflow as tf

    return ds.apply(tf.data.experimental.assert_cardinality(count))


def _arrays(w) -> tuple[np.ndarray, ...]:
    f = w.features
    return f.tokens, f.pos, f.roots, f.pcs, w.targets, w.weights


def _windows_dataset(files: list[str], windows: Callable, length: int):
    """Records of ``files`` (``CYCLE`` at a time, interleaved), numbered, turned into
    windows by ``windows(record, index)``, one window an element."""
    import tensorflow as tf

    types = (tf.int32, tf.int32, tf.int32, tf.uint8, tf.int32, tf.float32)
    shapes = ([None, length], [None, length], [None, length, 2],
              [None, length, CHORD_FEATURES], [None, length], [None, length])
    with tf.device("/CPU:0"):
        names = tf.data.Dataset.from_tensor_slices(tf.constant(files or [""], tf.string))
        if not files:
            names = names.take(0)
        ds = names.interleave(tf.data.TFRecordDataset, cycle_length=max(1, min(CYCLE,
                                                                               len(files))),
                              block_length=1).enumerate()

        def cut(index, record):
            out = tf.numpy_function(windows, [record, index], types, stateful=False)
            return tuple(tf.ensure_shape(t, s) for t, s in zip(out, shapes, strict=True))

        return ds.map(cut).unbatch()


def _batched(ds, batch_size: int):
    """Windows to Keras batches ``({tokens, pos, roots, pcs}, targets, weights)``, with
    options that keep the order fixed and let every worker see the same global batches."""
    import tensorflow as tf

    def inputs(tokens, pos, roots, pcs, targets, weights):
        return ({"tokens": tokens, "pos": pos, "roots": roots,
                 "pcs": tf.cast(pcs, tf.float32)}, targets, weights)

    opts = tf.data.Options()
    opts.deterministic = True
    opts.autotune.enabled = False
    opts.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.batch(batch_size).map(inputs).prefetch(2).with_options(opts)
