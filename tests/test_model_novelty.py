"""jazzgen.model.novelty: a bundle's quote index written and read back, and refused when
it is not a plain index."""

import numpy as np
import pytest
from builders import random_line

from jazzgen.errors import BundleError
from jazzgen.model.novelty import QUOTES_FILE, index_scores, load_quotes, save_quotes


def test_an_index_round_trips_through_the_bundle_folder(tmp_path):
    scores = [random_line(i, bars=4) for i in range(3)]
    index = index_scores(scores)
    assert len(index) > 0
    path = save_quotes(tmp_path, index)
    assert path == tmp_path / QUOTES_FILE and oct(path.stat().st_mode & 0o777) != "0o600"
    back = load_quotes(tmp_path)
    assert np.array_equal(back.hashes, index.hashes)
    line = [n.pitch for n in scores[1].notes]
    assert back.longest(line) == len(line)  # a training solo quotes itself whole
    assert load_quotes(tmp_path / "elsewhere") is None


@pytest.mark.parametrize("arrays,message", [
    ({"hashes": np.arange(3, dtype=np.uint64)}, "expected arrays"),
    ({"hashes": np.arange(3, dtype=np.uint64), "window": np.array([5])}, "windows of"),
    ({"hashes": np.arange(3.0), "window": np.array([8])}, "is float64"),
    ({"hashes": np.arange(3, dtype=np.int64), "window": np.array([8])}, "uint64"),
    ({"hashes": np.array(["a"], object), "window": np.array([8])}, "object"),
])
def test_a_bad_index_names_the_file_and_what_is_wrong(tmp_path, arrays, message):
    np.savez(tmp_path / QUOTES_FILE, **arrays)
    with pytest.raises(BundleError, match=message) as err:
        load_quotes(tmp_path)
    assert QUOTES_FILE in str(err.value)


def test_random_bytes_are_not_an_index(tmp_path):
    (tmp_path / QUOTES_FILE).write_bytes(np.random.default_rng(0).bytes(300))
    with pytest.raises(BundleError, match="not a readable archive"):
        load_quotes(tmp_path)


def test_a_damaged_compressed_index_is_a_bundle_error(tmp_path):
    from builders import random_line

    path = save_quotes(tmp_path, index_scores([random_line(i, bars=8) for i in range(4)]))
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 16] = bytes(16)  # zeros inside the deflate stream
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=QUOTES_FILE):
        load_quotes(tmp_path)
