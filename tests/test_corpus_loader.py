"""jazzgen.corpus.loader: reading a corpus folder, bad files skipped with their reasons."""

import pytest
from builders import SHARED, make_score, write_corpus

from jazzgen.corpus.loader import load_corpus
from jazzgen.errors import CorpusError
from jazzgen.io.midi import write_midi


def test_bad_files_are_skipped_with_reasons(tmp_path):
    write_corpus(tmp_path / "c", n=2)
    (tmp_path / "c" / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00")
    (tmp_path / "c" / "text.mid").write_text("hello")
    (tmp_path / "c" / "notes.txt").write_text("ignored: not a music file")
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
