"""jazzgen.model.windows: piece-level splits, training windows and the transposed training set."""

import numpy as np
from builders import random_line

from jazzgen.corpus.loader import load_corpus
from jazzgen.model.config import EncodingConfig, TrainConfig
from jazzgen.model.encoding import Vocabulary, encode
from jazzgen.model.windows import build_training_data, make_windows, split_pieces

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
