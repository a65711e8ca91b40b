"""jazzgen.model.windows: piece-level splits, training windows, the transposed training set and
the order each epoch visits the windows in."""

import numpy as np
import pytest
from builders import random_line

from jazzgen.corpus.loader import load_corpus
from jazzgen.model.config import EncodingConfig, TrainConfig
from jazzgen.model.encoding import Vocabulary, encode
from jazzgen.model.windows import (
    batch_count,
    build_training_data,
    epoch_order,
    make_dataset,
    make_windows,
    remaining_order,
    split_pieces,
)

V = Vocabulary(EncodingConfig())


def test_split_keeps_whole_pieces_apart_and_is_seeded():
    tr, va = split_pieces(20, 0.2, seed=3)
    assert len(va) == 4 and not set(tr) & set(va) and sorted(tr + va) == list(range(20))
    assert split_pieces(20, 0.2, seed=3) == (tr, va)
    assert split_pieces(20, 0.2, seed=4) != (tr, va)
    assert split_pieces(1, 0.2, seed=0) == ([0], [])


def test_windows_score_every_event_once():
    encs = [encode(random_line(i, bars=4), V) for i in range(3)]
    w = make_windows(encs, length=16)
    assert w.features.tokens.shape[1] == 16 and w.features.pcs.shape[2] == 24
    assert w.event_count == sum(len(e) - 1 for e in encs)
    # targets are the inputs shifted by one
    assert np.array_equal(w.targets[0, :15], w.features.tokens[0, 1:16])


def test_training_data_transposes_train_split_only(tiny_corpus):
    corpus = load_corpus(tiny_corpus)
    data = build_training_data(corpus, V, TrainConfig(validation_fraction=0.25, seed=0))
    assert len(data.valid_pieces) == 1 and len(data.train_pieces) == 3
    assert len(data.train_sequences) == 3 * 12
    assert len(data.valid_sequences) == 1


def test_each_epoch_has_its_own_order_drawn_from_seed_and_epoch_alone():
    orders = [epoch_order(50, seed=3, epoch=e) for e in range(4)]
    assert all(sorted(o.tolist()) == list(range(50)) for o in orders)
    assert len({tuple(o) for o in orders}) == 4  # reshuffled every epoch
    # nothing carried between calls: epoch 2 is the same whether or not 0 and 1 came first
    assert np.array_equal(epoch_order(50, seed=3, epoch=2), orders[2])
    assert not np.array_equal(epoch_order(50, seed=4, epoch=2), orders[2])
    assert epoch_order(0, seed=3, epoch=0).size == 0
    with pytest.raises(ValueError, match="-1"):
        epoch_order(50, seed=-1, epoch=0)


def test_resuming_at_a_step_continues_with_the_same_batches():
    assert [batch_count(n, 8) for n in (1, 8, 9, 50)] == [1, 1, 2, 7]
    n, size, seed, epoch = 50, 8, 3, 2
    whole = epoch_order(n, seed, epoch)
    batches = [whole[i:i + size] for i in range(0, n, size)]  # the last one is short
    for step in range(batch_count(n, size) + 1):
        rest = remaining_order(n, size, seed, epoch, step)
        again = [rest[i:i + size] for i in range(0, len(rest), size)]
        assert len(again) == len(batches) - step
        assert all(np.array_equal(a, b) for a, b in zip(again, batches[step:], strict=True))
    with pytest.raises(ValueError, match="step 8 is outside an epoch of 7 steps"):
        remaining_order(n, size, seed, epoch, 8)


@pytest.mark.slow
def test_the_dataset_yields_an_epochs_batches_from_the_resume_step(tiny_corpus):
    cfg = TrainConfig(sequence_length=32, batch_size=16)
    w, size = build_training_data(load_corpus(tiny_corpus), V, cfg).train, cfg.batch_size
    order = epoch_order(len(w), seed=5, epoch=2)
    batches = list(make_dataset(w, size, shuffle_seed=5, epoch=2, start_step=3))
    assert len(batches) == batch_count(len(w), size) - 3 == 6
    for i, (x, y, weights) in enumerate(batches):
        want = w[order[(3 + i) * size:(4 + i) * size]]
        assert np.array_equal(y.numpy(), want.targets)
        assert np.array_equal(weights.numpy(), want.weights)
        for k, v in want.features.inputs().items():
            assert x[k].dtype.name == v.dtype.name and np.array_equal(x[k].numpy(), v)
    # without a seed: the windows in their own order (validation)
    (x, y, _), *_ = make_dataset(w, size)
    assert np.array_equal(y.numpy(), w.targets[:size])
