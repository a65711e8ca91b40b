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
    with pytest.raises(BundleError, match="config does not match"):
        read_config(_hand_made_bundle(tmp_path / "future", model={"lstm_size": 8, "heads": 4}))
    bad_vocab = _hand_made_bundle(tmp_path / "vocab")
    (bad_vocab / "vocab.json").write_text(json.dumps(["bos", "p60"]))
    with pytest.raises(BundleError, match="vocabulary does not match"):
        read_config(bad_vocab)
    (bad_vocab / "config.json").write_text("{not json")
    with pytest.raises(BundleError, match="unreadable JSON"):
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
    with pytest.raises(BundleError, match=f"unreadable {WEIGHTS}"):
        load_bundle(path)


def test_weights_needing_pickle_or_not_finite_are_refused(tmp_path):
    path = _hand_made_bundle(tmp_path / "m")
    arrays = seeded_net().arrays()
    np.savez(path / WEIGHTS, **{**arrays, "lstm_0.2": np.full_like(arrays["lstm_0.2"], np.nan)})
    with pytest.raises(BundleError, match="finite floats"):
        load_bundle(path)
    # an object array loads only through pickle: refused, never unpickled
    np.savez(path / WEIGHTS, **{**arrays, "logits.1": np.array([object()] * 3, dtype=object)})
    with pytest.raises(BundleError, match=f"unreadable {WEIGHTS}"):
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
