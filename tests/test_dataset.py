"""Corpus loading with skip reasons, piece-level splits and training windows."""

import numpy as np
import pytest
from conftest import SHARED, write_corpus

from jazzgen.corpus.loader import load_corpus
from jazzgen.errors import CorpusError
from jazzgen.model.config import EncodingConfig, TrainConfig
from jazzgen.model.encoding import Vocabulary, encode
from jazzgen.model.windows import build_training_data, make_windows, split_pieces

V = Vocabulary(EncodingConfig())


def test_bad_files_are_skipped_with_reasons(tmp_path):
    write_corpus(tmp_path / "c", n=2)
    (tmp_path / "c" / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00")
    (tmp_path / "c" / "text.mid").write_text("hello")
    (tmp_path / "c" / "notes.txt").write_text("ignored: not a music file")
    from conftest import make_score

    from jazzgen.io.midi import write_midi

    write_midi(make_score([(60, 0, 24), (62, 24, 24)]), tmp_path / "c" / "sub" / "short.mid")
    corpus = load_corpus(tmp_path / "c")
    assert len(corpus.pieces) == 2
    assert dict(corpus.skip_counts()) == {"unreadable": 2, "too short": 1}
    assert any("short.mid" in s.detail and "2 melody notes" in s.detail for s in corpus.skipped)


def test_empty_and_all_bad_corpora_are_one_error(tmp_path):
    with pytest.raises(CorpusError, match="no MIDI or MusicXML files"):
        load_corpus(tmp_path)
    (tmp_path / "x.mid").write_bytes(b"junk")
    with pytest.raises(CorpusError, match="all 1 skipped"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing")


def test_split_keeps_whole_pieces_apart_and_is_seeded():
    tr, va = split_pieces(20, 0.2, seed=3)
    assert len(va) == 4 and not set(tr) & set(va) and sorted(tr + va) == list(range(20))
    assert split_pieces(20, 0.2, seed=3) == (tr, va)
    assert split_pieces(20, 0.2, seed=4) != (tr, va)
    assert split_pieces(1, 0.2, seed=0) == ([0], [])


def test_windows_score_every_event_once():
    from conftest import random_line

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


@pytest.mark.skipif(not (SHARED / "odd-midi").is_dir(), reason="../shared corpora absent")
def test_odd_midi_folder_mixed_with_good_files(tmp_path):
    import shutil

    root = tmp_path / "mixed"
    write_corpus(root / "good", n=3)
    shutil.copytree(SHARED / "odd-midi", root / "odd")
    corpus = load_corpus(root)
    names = {p for p, _ in corpus.pieces}
    assert all(any(f"solo{i}.mid" in n for n in names) for i in range(3))
    counts = corpus.skip_counts()
    assert counts["unreadable"] >= 10  # the corrupt and truncated files
    assert all(s.detail for s in corpus.skipped)
