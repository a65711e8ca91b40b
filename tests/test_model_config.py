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
