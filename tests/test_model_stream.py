"""jazzgen.model.stream: training windows streamed from prepared shards through tf.data —
as many as the manifest promises, the same batches on every run, a resumed pass cut at the
step it stopped, passes joined for --steps-per-epoch, the in-memory windows' numbers."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jazzgen.corpus.loader import load_corpus
from jazzgen.errors import CorpusError
from jazzgen.model.config import EncodingConfig, TrainConfig, to_dict
from jazzgen.model.encoding import Vocabulary, encode
from jazzgen.model.shards import Manifest, Split, piece_record, write_manifest, write_shard
from jazzgen.model.stream import open_shards, stream_batches, window_count
from jazzgen.model.windows import Windows, make_windows

VOCAB = Vocabulary(EncodingConfig())


def write_shards(corpus: Path, out: Path, valid: int = 2, per_shard: int = 3) -> Manifest:
    """A prepared folder made directly with jazzgen.model.shards: the corpus's first
    ``valid`` pieces held out, ``per_shard`` pieces a shard."""
    out.mkdir(parents=True, exist_ok=True)
    c = load_corpus(corpus, workers=1)
    pieces = [(p, s, encode(s, VOCAB)) for p, s in c.pieces]

    def split(name, items):
        shards = []
        for k in range(0, len(items), per_shard):
            shards.append(f"{name}-{k // per_shard:05d}.tfrecord")
            write_shard(out / shards[-1], [piece_record(f) for *_, f in items[k:k + per_shard]])
        return Split(tuple(shards), tuple(Path(p).name for p, *_ in items),
                     tuple(len(f) for *_, f in items), tuple(s.tempo for _, s, _ in items))

    manifest = Manifest(to_dict(VOCAB.cfg), str(corpus), 0, 0.1,
                        split("train", pieces[valid:]), split("valid", pieces[:valid]), (),
                        c.note_count, f"test-{len(pieces)}")
    write_manifest(out, manifest)
    return manifest


@given(st.integers(0, 700), st.integers(4, 200), st.integers(1, 200))
def test_window_count_is_what_make_windows_cuts(steps, length, stride):
    from jazzgen.model.encoding import Features

    feats = Features.empty((steps,))
    feats.tokens[:] = 5
    assert window_count(steps, length, stride) == len(make_windows([feats], length, stride))


def test_a_folder_that_is_not_prepared_is_one_error(tmp_path):
    with pytest.raises(CorpusError, match="jazzgen prepare"):
        open_shards(tmp_path, VOCAB, TrainConfig())


@pytest.fixture(scope="module")
def shards(tiny_corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shards")
    write_shards(tiny_corpus, out, valid=1, per_shard=1)  # four pieces: three shards, one
    return out


def test_a_missing_shard_or_another_encoding_is_refused(shards, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(shards, copy)
    (copy / "train-00001.tfrecord").unlink()
    with pytest.raises(CorpusError, match="train-00001.tfrecord is missing"):
        open_shards(copy, VOCAB, TrainConfig())
    other = Vocabulary(EncodingConfig(max_pitch=96))
    with pytest.raises(CorpusError, match="another encoding"):
        open_shards(shards, other, TrainConfig())


def _batches(ds) -> list[tuple[np.ndarray, ...]]:
    return [(x["tokens"].numpy(), x["roots"].numpy(), x["pcs"].numpy(), y.numpy(), w.numpy())
            for x, y, w in ds]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(p, q) for s, t in zip(a, b, strict=True)
                                    for p, q in zip(s, t, strict=True))


@pytest.mark.slow
def test_a_pass_holds_the_windows_the_manifest_promises_in_a_fixed_order(shards):
    cfg = TrainConfig(batch_size=8, sequence_length=32, keys=3, seed=4)
    data = open_shards(shards, VOCAB, cfg, shuffle_buffer=50)
    first = _batches(data.pass_dataset(0))
    assert len(first) == data.batches_per_pass
    assert sum(len(b[3]) for b in first) == data.windows_per_pass
    assert sum(float(b[4].sum()) for b in first) == data.train_events
    assert _same(first, _batches(open_shards(shards, VOCAB, cfg, 50).pass_dataset(0)))
    assert not _same(first, _batches(data.pass_dataset(1)))  # a new order every pass
    # resumed at step 3, a pass goes on with the batches it would have had
    assert _same(_batches(data.pass_dataset(1, 3)), _batches(data.pass_dataset(1))[3:])
    # and --steps-per-epoch joins passes: the last batch of pass 0, then pass 1's first two
    per = data.batches_per_pass
    joined = _batches(stream_batches(data.pass_dataset, per, per - 1, 3))
    assert _same(joined, first[-1:] + _batches(data.pass_dataset(1))[:2])


@pytest.mark.slow
def test_the_streamed_windows_are_the_in_memory_ones(shards, tiny_corpus):
    """Untransposed, unshuffled past the buffer: the multiset of training windows equals
    make_windows over the same pieces, and validation is cut with half overlap, in order."""
    from jazzgen.model.shards import read_shard, record_features

    cfg = TrainConfig(batch_size=4, sequence_length=32, transpose=False)
    data = open_shards(shards, VOCAB, cfg, shuffle_buffer=1)
    train = [record_features(r) for n in data.manifest.train.shards
             for r in read_shard(shards / n)]
    want = make_windows(train, 32, stride=32)
    got = np.concatenate([b[3] for b in _batches(data.pass_dataset(0))])
    assert sorted(map(bytes, got)) == sorted(map(bytes, want.targets))
    valid = [record_features(r) for n in data.manifest.valid.shards
             for r in read_shard(shards / n)]
    want_v: Windows = make_windows(valid, 32)
    got_v = _batches(data.valid_dataset())
    assert np.array_equal(np.concatenate([b[3] for b in got_v]), want_v.targets)
    assert np.array_equal(np.concatenate([b[4] for b in got_v]), want_v.weights)
    assert data.valid_events == want_v.event_count


def test_unigram_baseline_and_quote_index_without_tensorflow(shards):
    data = open_shards(shards, VOCAB, TrainConfig(keys=12))
    nll = data.unigram_nll()
    assert 1.0 < nll < np.log(len(VOCAB))
    assert len(data.quote_index()) > 0
    assert open_shards(shards, VOCAB, TrainConfig(transpose=False)).unigram_nll() != nll
