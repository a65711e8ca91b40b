"""jazzgen.model.config: the settings saved in every bundle, checked, and read back from JSON."""

from __future__ import annotations

import json

import pytest

from jazzgen.errors import ConfigError
from jazzgen.model.config import EncodingConfig, ModelConfig, TrainConfig, from_dict, to_dict


@pytest.mark.parametrize("cfg", [EncodingConfig(), ModelConfig(lstm_size=8, dropout=0.0),
                                 TrainConfig(epochs=3, transpose=False, keys=5)])
def test_configs_round_trip_through_json(cfg):
    data = json.loads(json.dumps(to_dict(cfg)))
    assert from_dict(type(cfg), data) == cfg


def test_default_durations_cover_every_value_up_to_two_beats_then_thin_out():
    durations = EncodingConfig().durations
    assert durations[:48] == tuple(range(1, 49))
    assert list(durations) == sorted(set(durations))
    assert {54, 96, 108, 192} <= set(durations) and not {49, 100, 193} & set(durations)
    assert isinstance(to_dict(EncodingConfig())["durations"], list)


def test_settings_added_later_read_older_bundles_and_unknown_ones_are_refused():
    assert from_dict(TrainConfig, {"epochs": 3}) == TrainConfig(epochs=3)
    with pytest.raises(ConfigError, match=r"TrainConfig: unknown settings \['epoch'\]"):
        from_dict(TrainConfig, {"epoch": 3})


@pytest.mark.parametrize("make,message", [
    (lambda: EncodingConfig(ticks_per_beat=480), "24 ticks per beat"),
    (lambda: EncodingConfig(min_pitch=60, max_pitch=70), "at least an octave"),
    (lambda: EncodingConfig(min_pitch=50, max_pitch=40), "bad pitch range"),
    (lambda: EncodingConfig(durations=(2, 4)), "start at 1 tick"),
    (lambda: ModelConfig(lstm_layers=0), "positive"),
    (lambda: ModelConfig(dropout=1.0), "dropout"),
    (lambda: TrainConfig(sequence_length=3), "sequence length"),
    (lambda: TrainConfig(validation_fraction=0.95), "validation fraction"),
    (lambda: TrainConfig(keys=13), "keys must be 1..12"),
    (lambda: TrainConfig(learning_rate=0), "learning rate"),
])
def test_bad_settings_are_config_errors(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


@pytest.mark.parametrize("cls,data,message", [
    (ModelConfig, [], r"ModelConfig: settings must be an object, got list"),
    (ModelConfig, {"lstm_size": "8"}, r"ModelConfig: lstm_size must be an integer, got '8'"),
    (ModelConfig, {"lstm_size": True}, r"lstm_size must be an integer, got True"),
    (ModelConfig, {"dropout": None}, r"dropout must be a finite number, got None"),
    (TrainConfig, {"learning_rate": float("nan")}, r"learning_rate must be a finite number"),
    (TrainConfig, {"transpose": 1}, r"transpose must be true or false, got 1"),
    (EncodingConfig, {"durations": [1, 2.5]}, r"durations must be integers, got \[1, 2.5\]"),
    (EncodingConfig, {"durations": list(range(1, 100))[::-1]}, "durations must be increasing"),
    (EncodingConfig, {"durations": []}, "durations must be increasing"),  # once an IndexError
    (EncodingConfig, {"positions": 0}, "positions must be >= 1"),
], ids=["not an object", "string", "bool for int", "null", "nan", "int for bool", "float list",
        "decreasing", "empty", "no positions"])
def test_json_of_the_wrong_type_is_a_config_error_naming_the_setting(cls, data, message):
    # Found by the fuzzer: these were TypeError, IndexError or AttributeError (or, for NaN,
    # a config that trained nothing); the bundle loader reported them as a bug.
    with pytest.raises(ConfigError, match=message):
        from_dict(cls, data)


def test_numbers_read_as_json_writes_them():
    assert from_dict(TrainConfig, {"learning_rate": 1, "validation_fraction": 0}) == \
        TrainConfig(learning_rate=1.0, validation_fraction=0.0)
    with pytest.raises(ConfigError, match="learning rate must be positive and finite"):
        TrainConfig(learning_rate=float("inf"))


@pytest.mark.parametrize("cls,field,most", [
    ("ModelConfig", "lstm_size", "MAX_LSTM_SIZE"), ("ModelConfig", "lstm_layers",
                                                    "MAX_LSTM_LAYERS"),
    ("ModelConfig", "embedding_size", "MAX_EMBEDDING_SIZE"),
    ("TrainConfig", "epochs", "MAX_EPOCHS"), ("TrainConfig", "batch_size", "MAX_BATCH_SIZE"),
    ("TrainConfig", "sequence_length", "MAX_SEQUENCE_LENGTH"),
])
def test_sizes_have_a_stated_ceiling(cls, field, most):
    from jazzgen.model import config

    limit = getattr(config, most)
    assert getattr(getattr(config, cls)(**{field: limit}), field) == limit
    with pytest.raises(ConfigError, match=f"{field} may be at most {limit}"):
        getattr(config, cls)(**{field: limit + 1})


def test_the_train_command_states_the_size_ceilings_before_any_work(tmp_path):
    from click.testing import CliRunner

    from jazzgen.cli import main

    r = CliRunner().invoke(main, ["train", "--corpus", str(tmp_path), "--lstm-size", "1000000"])
    assert r.exit_code == 2 and "1<=x<=4096" in r.output
