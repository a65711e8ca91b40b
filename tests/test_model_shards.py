"""jazzgen.model.shards: records, TFRecord shards and the manifest, read back and checked;
damaged bytes give CorpusError (files) or ValueError (a record), never anything else."""

from __future__ import annotations

import contextlib
import json
import struct

import numpy as np
import pytest
from builders import random_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jazzgen.errors import CorpusError
from jazzgen.model import shards
from jazzgen.model.config import EncodingConfig, to_dict
from jazzgen.model.encoding import FIELDS, NO_ROOT, Vocabulary, encode

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _features(seed: int = 0):
    return encode(random_line(seed, bars=4), Vocabulary(EncodingConfig()))


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def test_features_survive_a_record():
    feats = _features()
    feats.roots[0, 1] = NO_ROOT  # "no chord" survives too
    record = shards.piece_record(feats)
    assert len(record) == 2 * shards.ROWS * len(feats)
    back = shards.record_features(record)
    assert _same(back, feats)
    assert back.pcs.dtype == np.uint8 and back.tokens.dtype == np.int32
    assert back.roots[0, 1] == NO_ROOT


@pytest.mark.parametrize("data, what", [
    (b"", "non-empty"),
    (b"\x00" * 11, "rows"),
    (struct.pack("<6h", -1, 0, 0, 0, 0, 0), "negative"),
    (struct.pack("<6h", 1, 0, 13, 0, 0, 0), "root"),
    (struct.pack("<6h", 1, 0, 0, 0, 4096, 0), "mask"),
])
def test_bytes_that_are_not_a_record_are_a_value_error(data, what):
    with pytest.raises(ValueError, match=what):
        shards.record_features(data)


def test_a_shard_holds_its_records_in_order(tmp_path):
    records = [shards.piece_record(_features(s)) for s in range(3)] + [b"x"]
    path = shards.write_shard(tmp_path / "a.tfrecord", records)
    assert list(shards.read_shard(path)) == records
    assert list(shards.read_shard(shards.write_shard(tmp_path / "e.tfrecord", []))) == []
    assert len(shards.file_digest(path)) == 64


def test_a_record_is_framed_as_tfrecord():
    # The bytes tf.io.TFRecordWriter writes for the records b"" and b"abc": length (uint64
    # LE), masked CRC-32C of the length, the data, masked CRC-32C of the data.
    assert shards.frame(b"") + shards.frame(b"abc") == bytes.fromhex(
        "0000000000000000" "29039807" "" "d8ea82a2"
        "0300000000000000" "b099490e" "616263" "6e57f121")


def _shard(tmp_path):
    return shards.write_shard(tmp_path / "s.tfrecord",
                              [shards.piece_record(_features(s)) for s in range(2)])


@pytest.mark.parametrize("cut", [5, 12, 30, -3])
def test_a_truncated_shard_is_a_corpus_error_naming_it(tmp_path, cut):
    path = _shard(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(CorpusError, match="s.tfrecord: truncated"):
        list(shards.read_shard(path))


@pytest.mark.parametrize("at, what", [(0, "header"), (9, "header"), (20, "checksum"),
                                      (-1, "checksum")])
def test_a_damaged_byte_is_a_corpus_error(tmp_path, at, what):
    path = _shard(tmp_path)
    data = bytearray(path.read_bytes())
    data[at] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match=what):
        list(shards.read_shard(path))


def test_a_huge_length_is_refused_before_reading(tmp_path):
    head = struct.pack("<Q", shards.MAX_RECORD + 1)
    path = tmp_path / "big.tfrecord"
    path.write_bytes(head + struct.pack("<I", shards._masked_crc(head)))
    with pytest.raises(CorpusError, match="damaged record header"):
        list(shards.read_shard(path))


def _manifest() -> shards.Manifest:
    return shards.Manifest(
        to_dict(EncodingConfig()), "/corpus", 3, 0.2,
        shards.Split(("train-00000.tfrecord",), ("a.mid", "b/c.mid"), (10, 20), (120.0, 200.0)),
        shards.Split(("valid-00000.tfrecord",), ("d.mid",), (30,), (160.0,)),
        ({"file": "x.mid", "reason": "unreadable", "detail": "x.mid: junk"},), 99, "f" * 64,
        extra={"prepare": {"source": "s" * 64, "shard_pieces": 500, "track": None}})


def test_a_manifest_round_trips(tmp_path):
    man = _manifest()
    shards.write_manifest(tmp_path, man)
    back = shards.load_manifest(tmp_path)
    assert back == man
    assert json.loads((tmp_path / shards.MANIFEST).read_text())["counts"] == \
        {"train": 2, "valid": 1, "skipped": 1}


@pytest.mark.parametrize("edit, what", [
    (lambda d: d.update(format=99), "format 99"),
    (lambda d: d["train"]["steps"].pop(), "different lengths"),
    (lambda d: d["valid"]["shards"].append("../x"), "plain file name"),
    (lambda d: d.pop("seed"), "not a valid manifest"),
    (lambda d: d.update(notes=1e400), "not a valid manifest"),
])
def test_a_bad_manifest_is_a_corpus_error(tmp_path, edit, what):
    shards.write_manifest(tmp_path, _manifest())
    data = json.loads((tmp_path / shards.MANIFEST).read_text())
    edit(data)
    (tmp_path / shards.MANIFEST).write_text(json.dumps(data))
    with pytest.raises(CorpusError, match=what):
        shards.load_manifest(tmp_path)


def test_a_missing_manifest_says_how_to_make_one(tmp_path):
    with pytest.raises(CorpusError, match="jazzgen prepare"):
        shards.load_manifest(tmp_path)


@FUZZ
@given(data=st.binary(max_size=200))
def test_fuzz_read_shard_raises_only_corpus_error(tmp_path, data):
    path = tmp_path / "f.tfrecord"
    path.write_bytes(data)
    try:
        for record in shards.read_shard(path):
            assert isinstance(record, bytes)
    except CorpusError:
        pass


@FUZZ
@given(data=st.binary(max_size=240))
def test_fuzz_record_features_raises_only_value_error(data):
    try:
        feats = shards.record_features(data)
    except ValueError:
        return
    assert len(feats) == len(data) // 12 and feats.pcs.shape == (len(feats), 24)
    assert _same(shards.record_features(shards.piece_record(feats)), feats)


JSONISH = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
                       lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@FUZZ
@given(data=st.binary(max_size=120) | JSONISH.map(lambda v: json.dumps(v).encode()))
def test_fuzz_load_manifest_raises_only_corpus_error(tmp_path, data):
    (tmp_path / shards.MANIFEST).write_bytes(data)
    with contextlib.suppress(CorpusError):
        shards.load_manifest(tmp_path)


@FUZZ
@given(field=st.sampled_from(["encoding", "corpus", "seed", "validation_fraction", "train",
                              "valid", "skipped", "notes", "fingerprint"]), value=JSONISH)
def test_fuzz_a_manifest_field_replaced_raises_only_corpus_error(tmp_path, field, value):
    shards.write_manifest(tmp_path, _manifest())
    data = json.loads((tmp_path / shards.MANIFEST).read_text())
    data[field] = value
    (tmp_path / shards.MANIFEST).write_text(json.dumps(data))
    with contextlib.suppress(CorpusError):
        shards.load_manifest(tmp_path)


@pytest.mark.slow
def test_tensorflow_reads_the_shards_prepare_writes(tmp_path):
    import tensorflow as tf
    from builders import write_corpus

    from jazzgen.model.prepare import prepare

    result = prepare(write_corpus(tmp_path / "c", n=6, bars=4), tmp_path / "s", workers=1,
                     shard_pieces=4, validation_fraction=0.3, log=lambda _m: None)
    man = shards.load_manifest(tmp_path / "s")
    for name in man.train.shards + man.valid.shards:
        ours = list(shards.read_shard(tmp_path / "s" / name))
        theirs = [t.numpy() for t in tf.data.TFRecordDataset(str(tmp_path / "s" / name))]
        assert theirs == ours and ours
    assert result.train == man.train.pieces and result.valid == man.valid.pieces >= 1
