"""jazzgen.io.cache, the JSON parse cache: exact round trip, keyed by content, never stale."""

from builders import make_score, random_line

from jazzgen.corpus.loader import load_corpus
from jazzgen.io import cache as score_cache
from jazzgen.io.midi import write_midi
from jazzgen.music.notes import Part, TimeSignature


def test_dict_roundtrip_is_exact():
    s = random_line(4)
    s = make_score([(n.pitch, n.start, n.duration) for n in s.notes],
                   [("C7/E", 0, 96), ("F#m7b5", 96, 48)], sigs=[TimeSignature(0),
                                                             TimeSignature(192, 5, 4)])
    from dataclasses import replace

    s = replace(s, parts=(Part("Bass", s.notes[:3], 32, 2),))
    assert score_cache.score_from_dict(score_cache.score_to_dict(s)) == s


def test_cache_serves_same_file_and_misses_an_edited_one(tmp_path, monkeypatch):
    monkeypatch.setenv("JAZZGEN_CACHE_DIR", str(tmp_path / "cache"))
    path = write_midi(random_line(1), tmp_path / "c" / "a.mid")
    first = load_corpus(tmp_path / "c").pieces[0][1]
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    assert load_corpus(tmp_path / "c").pieces[0][1] == first
    write_midi(random_line(2), path)  # same name, new music
    assert load_corpus(tmp_path / "c").pieces[0][1] != first
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2


def test_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("JAZZGEN_CACHE_DIR", "off")
    write_midi(random_line(1), tmp_path / "c" / "a.mid")
    assert load_corpus(tmp_path / "c").pieces
    assert score_cache.cache_dir() is None
