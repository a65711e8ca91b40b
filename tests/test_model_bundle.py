"""jazzgen.model.bundle: a bundle's files checked against this code before anything loads."""

import json

import numpy as np
import pytest
from builders import seeded_net
from click.testing import CliRunner

from jazzgen import __version__
from jazzgen.cli import main
from jazzgen.errors import BundleError
from jazzgen.model.bundle import FILES, WEIGHTS, load_bundle, read_config
from jazzgen.model.config import FORMAT_VERSION, EncodingConfig, ModelConfig, TrainConfig, to_dict
from jazzgen.model.encoding import Vocabulary

SMALL = ModelConfig(embedding_size=6, lstm_size=8, lstm_layers=1)  # the shape of seeded_net()


@pytest.mark.slow
def test_bundle_with_other_vocabulary_is_refused(tmp_path, tiny_model):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(tiny_model, bad)
    tokens = json.loads((bad / "vocab.json").read_text())
    (bad / "vocab.json").write_text(json.dumps(tokens[:-1]))
    r = CliRunner().invoke(main, ["generate", "--model", str(bad), "--length", "4"])
    assert r.exit_code == 1 and "vocabulary does not match" in r.output
    cfg = json.loads((bad / "config.json").read_text())
    cfg["format_version"] = 999
    (bad / "config.json").write_text(json.dumps(cfg))
    r = CliRunner().invoke(main, ["generate", "--model", str(bad), "--length", "4"])
    assert r.exit_code == 1 and "format version 999" in r.output


def _hand_made_bundle(path, **config_changes):
    """A bundle folder as save_bundle lays it out, with an empty model.keras (read_config
    never opens it, so no TensorFlow is needed)."""
    enc, mcfg, tcfg = EncodingConfig(), SMALL, TrainConfig(keys=3)
    config = {"format_version": FORMAT_VERSION, "jazzgen_version": __version__,
              "encoding": to_dict(enc), "model": to_dict(mcfg), "train": to_dict(tcfg),
              "meta": {"median_tempo": 150.0}} | config_changes
    path.mkdir()
    (path / "model.keras").write_bytes(b"")
    (path / "vocab.json").write_text(json.dumps(list(Vocabulary(enc).tokens)))
    (path / "config.json").write_text(json.dumps(config))
    (path / "history.json").write_text("{}")
    return path


def test_read_config_gives_back_the_saved_settings(tmp_path):
    enc, mcfg, tcfg, meta = read_config(_hand_made_bundle(tmp_path / "m"))
    assert (enc, mcfg, tcfg) == (EncodingConfig(), SMALL, TrainConfig(keys=3))
    assert meta == {"median_tempo": 150.0}


def test_read_config_refuses_what_this_code_cannot_use(tmp_path):
    with pytest.raises(BundleError, match="no model bundle at"):
        read_config(tmp_path / "nothing")
    for name in FILES:
        broken = _hand_made_bundle(tmp_path / name.replace(".", "_"))
        (broken / name).unlink()
        with pytest.raises(BundleError, match=f"incomplete: missing {name}"):
            read_config(broken)
    with pytest.raises(BundleError, match="format version 0"):
        read_config(_hand_made_bundle(tmp_path / "old", format_version=0))
    with pytest.raises(BundleError, match="config.json does not match this jazzgen"):
        read_config(_hand_made_bundle(tmp_path / "future", model={"lstm_size": 8, "heads": 4}))
    bad_vocab = _hand_made_bundle(tmp_path / "vocab")
    (bad_vocab / "vocab.json").write_text(json.dumps(["bos", "p60"]))
    with pytest.raises(BundleError, match="vocabulary does not match"):
        read_config(bad_vocab)
    (bad_vocab / "config.json").write_text("{not json")
    with pytest.raises(BundleError, match=r"config.json is not valid JSON \(line 1, column 2"):
        read_config(bad_vocab)


def test_load_bundle_reads_the_plain_weights_and_checks_every_array(tmp_path):
    net = seeded_net()
    path = _hand_made_bundle(tmp_path / "m")
    np.savez(path / WEIGHTS, **net.arrays())
    bundle = load_bundle(path)
    assert (bundle.model, bundle.train, bundle.default_tempo) == (SMALL, TrainConfig(keys=3),
                                                                  150.0)
    assert len(bundle.vocab) == len(net.dense_b)
    loaded = bundle.net.arrays()
    assert all(np.array_equal(loaded[k], a) for k, a in net.arrays().items())
    arrays = net.arrays()
    arrays["logits.1"] = arrays["logits.1"][:-1]
    np.savez(path / WEIGHTS, **arrays)
    with pytest.raises(BundleError, match="array logits.1 is float32"):
        load_bundle(path)
    del arrays["logits.1"]
    np.savez(path / WEIGHTS, **arrays)
    with pytest.raises(BundleError, match="does not match its config"):
        load_bundle(path)
    (path / WEIGHTS).write_bytes(b"not a zip file")
    with pytest.raises(BundleError, match=f"{WEIGHTS} is not a readable archive of arrays"):
        load_bundle(path)


def test_weights_needing_pickle_or_not_finite_are_refused(tmp_path):
    path = _hand_made_bundle(tmp_path / "m")
    arrays = seeded_net().arrays()
    np.savez(path / WEIGHTS, **{**arrays, "lstm_0.2": np.full_like(arrays["lstm_0.2"], np.nan)})
    with pytest.raises(BundleError, match="finite floats"):
        load_bundle(path)
    # an object array loads only through pickle: refused, never unpickled
    np.savez(path / WEIGHTS, **{**arrays, "logits.1": np.array([object()] * 3, dtype=object)})
    with pytest.raises(BundleError, match=f"{WEIGHTS} array logits.1 is object, not plain"):
        load_bundle(path)


@pytest.mark.slow
def test_trained_bundle_weights_equal_its_keras_file_and_load_without_tensorflow(tiny_model):
    import subprocess
    import sys

    from jazzgen.model.bundle import _net_from_keras

    enc, mcfg, _, _ = read_config(tiny_model)
    keras_net = _net_from_keras(tiny_model, len(Vocabulary(enc)), mcfg.lstm_layers)
    npz = load_bundle(tiny_model).net.arrays()
    assert all(np.array_equal(npz[k], a) for k, a in keras_net.arrays().items())
    code = ("import sys; from jazzgen.model.bundle import load_bundle; "
            f"load_bundle({str(tiny_model)!r}); print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_a_bundle_from_before_weights_npz_loads_through_keras(tiny_model, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(tiny_model, old)
    (old / WEIGHTS).unlink()
    assert np.array_equal(load_bundle(old).net.tok, load_bundle(tiny_model).net.tok)


@pytest.mark.slow
def test_a_trained_bundle_carries_its_logs_and_loads_with_or_without_them(tiny_model,
                                                                         tmp_path):
    import shutil

    from jazzgen.model.trainlog import LOG_FILES

    assert all((tiny_model / name).stat().st_size > 0 for name in LOG_FILES)
    old = tmp_path / "old"  # a bundle from before the logs
    shutil.copytree(tiny_model, old)
    for name in LOG_FILES:
        (old / name).unlink()
    assert np.array_equal(load_bundle(old).net.tok, load_bundle(tiny_model).net.tok)
    for name in LOG_FILES:  # never read: even junk in them does not matter
        (old / name).write_bytes(b"\xff junk")
    assert load_bundle(old).history == load_bundle(tiny_model).history


def test_only_the_required_files_are_checked(tmp_path):
    path = _hand_made_bundle(tmp_path / "m")
    np.savez(path / WEIGHTS, **seeded_net().arrays())
    assert "log_steps.csv" not in FILES and "log_epochs.csv" not in FILES
    assert load_bundle(path).history == {}  # no logs, no quotes, no corpus.json: it loads


# ---------------------------------------------------------------- every failure names its file


@pytest.mark.parametrize("name,data,message", [
    ("vocab.json", b'["<pad>", "\xff"]', r"vocab.json is not UTF-8 text \(byte 11 is 0xff\)"),
    ("history.json", b'{"loss": [1.0,\n 2.0,]}',
     r"history.json is not valid JSON \(line 2, column 6: Expecting value\)"),
    ("config.json", b"[1, 2]", "config.json must hold an object, not list"),
    ("vocab.json", b'{"tokens": []}', "vocab.json must hold a list, not dict"),
    ("history.json", b"[" * 100_000, "history.json is not valid JSON"),  # too deep to parse
    ("config.json", b'{"format_version": 1' + b"0" * 5000 + b"}", "config.json is not valid"),
], ids=["not utf-8", "bad json", "not an object", "not a list", "too deep", "huge number"])
def test_a_broken_json_file_is_named_with_what_is_wrong(tmp_path, name, data, message):
    path = _hand_made_bundle(tmp_path / "m")
    np.savez(path / WEIGHTS, **seeded_net().arrays())
    (path / name).write_bytes(data)
    with pytest.raises(BundleError, match=message):
        load_bundle(path)


@pytest.mark.parametrize("change,message", [
    ({"model": None}, r"config.json does not match this jazzgen \(ModelConfig: settings must "
                      r"be an object"),
    ({"model": {"lstm_size": "8"}}, r"ModelConfig: lstm_size must be an integer, got '8'"),
    ({"encoding": {"durations": []}}, "durations must be increasing"),
    ({"train": {"learning_rate": 1e400}}, "learning_rate must be a finite number"),
    ({"meta": {"median_tempo": "fast"}}, "config.json meta must be an object whose "
                                         "median_tempo is 10..1000 BPM"),
    ({"meta": []}, "config.json meta must be an object"),
], ids=["model null", "string size", "no durations", "infinite rate", "odd tempo", "meta list"])
def test_a_config_that_this_code_cannot_use_says_which_setting(tmp_path, change, message):
    with pytest.raises(BundleError, match=message):
        read_config(_hand_made_bundle(tmp_path / "m", **change))


def test_a_config_without_a_section_says_which(tmp_path):
    path = _hand_made_bundle(tmp_path / "m")
    config = json.loads((path / "config.json").read_text())
    del config["train"]
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match="config.json has no 'train' settings"):
        read_config(path)


def _npy(shape: tuple[int, ...], dtype: str = "<f4", data: bytes = b"") -> bytes:
    """An .npy file whose header says ``shape`` and ``dtype``, followed by ``data``."""
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + data


def test_array_headers_are_checked_before_any_data_is_read(tmp_path):
    import zipfile

    path = _hand_made_bundle(tmp_path / "m")
    arrays = seeded_net().arrays()
    np.savez(path / WEIGHTS, **arrays)
    size = len(arrays["logits.1"])

    def write(npy: bytes) -> None:
        with zipfile.ZipFile(path / WEIGHTS, "w") as z:
            for name, a in arrays.items():
                if name != "logits.1":
                    z.writestr(f"{name}.npy", _npy(a.shape, data=a.tobytes()))
            z.writestr("logits.1.npy", npy)

    write(_npy((10 ** 12,)))  # a terabyte promised, nothing there: refused, not allocated
    with pytest.raises(BundleError, match=rf"weights.npz array logits.1 is float32 "
                                          rf"\(1000000000000,\), the config needs finite "
                                          rf"floats \({size},\)"):
        load_bundle(path)
    write(_npy((size,), data=b"\0" * 8))
    with pytest.raises(BundleError, match=rf"array logits.1 holds 8 bytes of data, its header "
                                          rf"says {4 * size}"):
        load_bundle(path)
    write(_npy((size,), "|O"))
    with pytest.raises(BundleError, match="array logits.1 is object, not plain numbers"):
        load_bundle(path)
    write(b"\x93NUMPY\x09\x00" + b"{}")
    with pytest.raises(BundleError, match=r"array logits.1: .npy format version \(9, 0\)"):
        load_bundle(path)
    write(b"\x93NUMPY\x01\x00\x06\x00{'a':")
    with pytest.raises(BundleError, match=r"weights.npz is not a readable archive of arrays"):
        load_bundle(path)


def test_compressed_weights_load_and_corrupt_ones_are_named(tmp_path):
    import struct
    import zipfile

    path = _hand_made_bundle(tmp_path / "m")
    arrays = seeded_net().arrays()
    np.savez_compressed(path / WEIGHTS, **arrays)
    assert np.array_equal(load_bundle(path).net.arrays()["logits.0"], arrays["logits.0"])
    data = bytearray((path / WEIGHTS).read_bytes())
    with zipfile.ZipFile(path / WEIGHTS) as z:
        info = z.getinfo("logits.0.npy")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:
                                                      info.header_offset + 30])
    data[info.header_offset + 30 + name_len + extra_len] = 0xFF  # no deflate block type 3
    (path / WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(BundleError, match="weights.npz is not a readable archive of arrays"):
        load_bundle(path)


def test_a_corrupt_model_keras_is_called_corrupt_not_missing(tmp_path):
    import sys
    import zipfile

    had_tensorflow = "tensorflow" in sys.modules
    path = _hand_made_bundle(tmp_path / "m")  # no weights.npz: model.keras is read
    (path / "model.keras").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(BundleError, match=r"model bundle .*m: model.keras is not a Keras "
                                          r"archive \(corrupt or not a zip file"):
        load_bundle(path)
    with zipfile.ZipFile(path / "model.keras", "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(BundleError, match=r"model.keras is not a Keras archive \(it has no "
                                          r"metadata.json, model.weights.h5\)"):
        load_bundle(path)
    assert had_tensorflow or "tensorflow" not in sys.modules  # refused before Keras loads


@pytest.mark.slow
def test_a_keras_archive_with_corrupt_weights_is_named(tiny_model, tmp_path):
    import shutil
    import zipfile

    bad = tmp_path / "bad"
    shutil.copytree(tiny_model, bad)
    (bad / WEIGHTS).unlink()
    with zipfile.ZipFile(tiny_model / "model.keras") as src, \
            zipfile.ZipFile(bad / "model.keras", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[:100] if info.filename.endswith(".h5") else data)
    with pytest.raises(BundleError, match="cannot load model.keras"):
        load_bundle(bad)
