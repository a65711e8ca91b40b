"""jazzgen.model.sources: a corpus in memory and the same pieces streamed from shards give
the same counts and baselines; the likelihood is exact; fingerprints tell runs apart."""

import numpy as np
import pytest
from test_model_stream import VOCAB, write_shards

from jazzgen.corpus.loader import load_corpus
from jazzgen.model.config import EncodingConfig, ModelConfig, TrainConfig
from jazzgen.model.sources import in_memory, streamed

MCFG = ModelConfig(embedding_size=8, lstm_size=8, lstm_layers=1)


@pytest.fixture(scope="module")
def both(tiny_corpus, tmp_path_factory):
    """The tiny corpus in memory and as shards, with the same validation piece."""
    out = tmp_path_factory.mktemp("shards")
    manifest = write_shards(tiny_corpus, out, valid=1, per_shard=1)
    corpus = load_corpus(tiny_corpus, workers=1)
    cfg = TrainConfig(batch_size=8, sequence_length=32, keys=12)
    memory = in_memory(corpus, VOCAB, EncodingConfig(), MCFG, cfg,
                       list(manifest.valid.files), None)
    return memory, streamed(out, VOCAB, MCFG, cfg, None, 64), out


def test_the_same_pieces_give_the_same_counts_and_baseline(both):
    memory, stream, _ = both
    assert stream.steps == memory.steps
    assert stream.train_events == memory.train_events
    assert stream.valid_events == memory.valid_events
    assert stream.baseline == pytest.approx(memory.baseline, rel=1e-9)
    assert stream.pieces == memory.pieces and stream.notes == memory.notes
    assert len(stream.quotes()) == len(memory.quotes())
    assert sorted(stream.tempos) == sorted(memory.tempos)


def test_fingerprints_change_with_what_changes_the_run(both, tiny_corpus):
    memory, stream, out = both
    corpus = load_corpus(tiny_corpus, workers=1)
    cfg = TrainConfig(batch_size=8, sequence_length=32, keys=12)
    again = in_memory(corpus, VOCAB, EncodingConfig(), MCFG, cfg, None, None)
    longer = in_memory(corpus, VOCAB, EncodingConfig(), MCFG, cfg, None, 7)
    assert again.fingerprint != longer.fingerprint
    assert streamed(out, VOCAB, MCFG, cfg, None, 64).fingerprint == stream.fingerprint
    assert streamed(out, VOCAB, MCFG, cfg, None, 128).fingerprint != stream.fingerprint
    more_epochs = TrainConfig(batch_size=8, sequence_length=32, keys=12, epochs=99)
    assert streamed(out, VOCAB, MCFG, more_epochs, None, 64).fingerprint == stream.fingerprint


@pytest.mark.slow
def test_the_exact_nll_is_the_same_from_windows_and_from_a_dataset(both):
    from jazzgen.model.sources import dataset_nll
    from jazzgen.model.train import compiled_model

    memory, stream, _ = both
    model = compiled_model(len(VOCAB), EncodingConfig(), MCFG, TrainConfig())
    ds = stream.valid_ds()
    got = dataset_nll(model, ds)
    assert got == pytest.approx(memory.valid_nll(model, None), rel=1e-6)
    assert 0 < got < np.log(len(VOCAB)) + 1
