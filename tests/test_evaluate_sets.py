"""jazzgen.evaluate.sets: the sets an evaluation reads, and one clear error naming the set."""

from __future__ import annotations

import json

import pytest
from builders import write_corpus

from jazzgen.errors import EvaluateError
from jazzgen.evaluate.sets import bundle_files, cell, load_set


def test_load_set_reads_a_folder_or_names_the_set_that_is_missing(tmp_path):
    corpus = load_set(write_corpus(tmp_path / "real", n=2), "reference")
    assert len(corpus.pieces) == 2
    with pytest.raises(EvaluateError, match="test folder not found: None"):
        load_set(None, "test")
    with pytest.raises(EvaluateError, match="generated folder not found: .*gone"):
        load_set(tmp_path / "gone", "generated")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvaluateError, match="^reference set: no MIDI or MusicXML files"):
        load_set(tmp_path / "empty", "reference")


def _bundle(tmp_path, info: dict | None):
    model = tmp_path / "model"
    model.mkdir()
    if info is not None:
        (model / "corpus.json").write_text(json.dumps(info))
    return model


def test_bundle_files_are_the_recorded_training_and_validation_pieces(tmp_path):
    root = write_corpus(tmp_path / "corpus", n=3)
    model = _bundle(tmp_path, {"root": str(root), "train": ["solo0.mid", "solo2.mid"],
                               "valid": ["solo1.mid", "moved-away.mid"]})
    train, valid = bundle_files(model)
    assert sorted(p.rsplit("/", 1)[-1] for p, _ in train.pieces) == ["solo0.mid", "solo2.mid"]
    assert [p.rsplit("/", 1)[-1] for p, _ in valid.pieces] == ["solo1.mid"]  # the rest are gone
    (model / "corpus.json").write_text(json.dumps({"root": str(root), "train": ["solo0.mid"]}))
    assert bundle_files(model)[1] is None  # trained without validation pieces


@pytest.mark.parametrize("info,message", [
    (None, "does not record its training files"),
    ({"root": "/no/such/folder", "train": ["a.mid"]}, r"\(/no/such/folder\) is not here"),
])
def test_bundle_files_ask_for_a_training_folder_when_they_cannot_be_found(tmp_path, info,
                                                                         message):
    with pytest.raises(EvaluateError, match=message) as err:
        bundle_files(_bundle(tmp_path, info))
    assert "give a training folder" in str(err.value)


def test_bundle_files_with_none_of_the_files_left(tmp_path):
    root = write_corpus(tmp_path / "corpus", n=1)
    model = _bundle(tmp_path, {"root": str(root), "train": ["other.mid"], "valid": []})
    with pytest.raises(EvaluateError, match="none of the training files of .* are in"):
        bundle_files(model)


def test_cells_format_numbers_and_say_na_for_none():
    assert (cell(1.23456, ".3f"), cell(0.5, ".0%"), cell(None, ".3f")) == ("1.235", "50%", "n/a")
