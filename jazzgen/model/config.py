"""Frozen configuration dataclasses, saved as JSON inside every model bundle."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from jazzgen.errors import ConfigError
from jazzgen.music.notes import TICKS_PER_BEAT

FORMAT_VERSION = 1
"""Bumped whenever the encoding or the bundle layout changes incompatibly."""


def _default_durations() -> tuple[int, ...]:
    # Every length up to two beats (straight, swung, triplet, 16th, 32nd values and their
    # sums), then every 16th up to a bar, then every eighth up to two bars.
    short = list(range(1, 2 * TICKS_PER_BEAT + 1))
    mid = list(range(2 * TICKS_PER_BEAT + 6, 4 * TICKS_PER_BEAT + 1, 6))
    long = list(range(4 * TICKS_PER_BEAT + 12, 8 * TICKS_PER_BEAT + 1, 12))
    return tuple(short + mid + long)


@dataclass(frozen=True)
class EncodingConfig:
    """How a Score becomes tokens: pitch range, duration values, bar-position size."""

    ticks_per_beat: int = TICKS_PER_BEAT
    min_pitch: int = 28  # E1: bass clarinet and trombone solos fit after transposition
    max_pitch: int = 100  # E7
    durations: tuple[int, ...] = field(default_factory=_default_durations)
    positions: int = 8 * TICKS_PER_BEAT  # bar positions embedded (bars up to 8/4)

    def __post_init__(self) -> None:
        if self.ticks_per_beat != TICKS_PER_BEAT:
            raise ConfigError(f"this jazzgen uses {TICKS_PER_BEAT} ticks per beat, "
                             f"the config says {self.ticks_per_beat}")
        if not 0 <= self.min_pitch < self.max_pitch <= 127:
            raise ConfigError(f"bad pitch range {self.min_pitch}..{self.max_pitch}")
        if self.max_pitch - self.min_pitch < 12:
            raise ConfigError("the pitch range must span at least an octave")
        if not self.durations or list(self.durations) != sorted(set(self.durations)) \
                or self.durations[0] != 1:
            raise ConfigError("durations must be increasing and start at 1 tick")
        if self.positions < 1:
            raise ConfigError(f"positions must be >= 1, got {self.positions}")


MAX_LSTM_SIZE, MAX_LSTM_LAYERS, MAX_EMBEDDING_SIZE = 4096, 8, 1024
"""The largest network a config may ask for (a 8x4096 LSTM is about 1 GB of float32)."""
MAX_EPOCHS, MAX_BATCH_SIZE, MAX_SEQUENCE_LENGTH = 10_000, 4096, 4096
"""The longest run and the largest batches and windows a config may ask for."""


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the LSTM network."""

    embedding_size: int = 64
    lstm_size: int = 256
    lstm_layers: int = 2
    dropout: float = 0.2
    relative_heads: bool = False  # interval, root and chord-tone terms (jazzgen.model.heads)

    def __post_init__(self) -> None:
        if self.lstm_size < 1 or self.lstm_layers < 1 or self.embedding_size < 1:
            raise ConfigError("model sizes must be positive")
        for name, most in (("lstm_size", MAX_LSTM_SIZE), ("lstm_layers", MAX_LSTM_LAYERS),
                           ("embedding_size", MAX_EMBEDDING_SIZE)):
            if getattr(self, name) > most:
                raise ConfigError(f"{name} may be at most {most}, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if not isinstance(self.relative_heads, bool):
            raise ConfigError(f"relative_heads must be true or false, got {self.relative_heads!r}")


@dataclass(frozen=True)
class TrainConfig:
    """How the model is fitted."""

    epochs: int = 30
    batch_size: int = 32
    sequence_length: int = 128
    learning_rate: float = 2e-3
    validation_fraction: float = 0.1
    patience: int = 4
    seed: int = 0
    transpose: bool = True  # augment the training split with other keys
    keys: int = 12  # keys per training piece when transposing: 12 = all; fewer = a seeded
    # random choice per piece (the original key always included), for large corpora

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.sequence_length < 4:
            raise ConfigError("epochs, batch size must be >= 1 and sequence length >= 4")
        for name, most in (("epochs", MAX_EPOCHS), ("batch_size", MAX_BATCH_SIZE),
                           ("sequence_length", MAX_SEQUENCE_LENGTH)):
            if getattr(self, name) > most:
                raise ConfigError(f"{name} may be at most {most}, got {getattr(self, name)}")
        if not 0.0 <= self.validation_fraction < 0.9:
            raise ConfigError(f"validation fraction must be in [0, 0.9), got "
                             f"{self.validation_fraction}")
        if not 1 <= self.keys <= 12:
            raise ConfigError(f"keys must be 1..12, got {self.keys}")
        if not 0 < self.learning_rate < math.inf:
            raise ConfigError(f"learning rate must be positive and finite, got "
                              f"{self.learning_rate}")


def to_dict(cfg: Any) -> dict:
    """A config dataclass as plain JSON-ready data (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(cfg).items()}


def from_dict(cls: type, data: dict) -> Any:
    """Rebuild a config from JSON data; unknown keys, or missing ones without a default, are
    an error (a setting added later with a default reads older bundles unchanged), and so is
    a value of the wrong type: any bad data gives a ConfigError naming the setting."""
    if not isinstance(data, dict):
        raise ConfigError(f"{cls.__name__}: settings must be an object, got "
                          f"{type(data).__name__}")
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(f"{cls.__name__}: unknown settings {sorted(unknown)}")
    optional = {f.name for f in fields if f.default is not dataclasses.MISSING
                or f.default_factory is not dataclasses.MISSING}
    missing = names - set(data) - optional
    if missing:
        raise ConfigError(f"{cls.__name__}: missing settings {sorted(missing)}")
    kinds = {f.name: str(f.type) for f in fields}  # annotations are strings here
    return cls(**{k: _typed(cls.__name__, k, kinds[k], v) for k, v in data.items()})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _typed(owner: str, name: str, kind: str, value: Any) -> Any:
    """``value`` as the setting's type (a JSON list as a tuple), else ConfigError."""
    if kind == "bool":
        ok, want = isinstance(value, bool), "true or false"
    elif kind == "int":
        ok, want = _is_int(value), "an integer"
    elif kind == "float":
        ok = _is_int(value) or isinstance(value, float) and math.isfinite(value)
        want = "a finite number"
    elif kind.startswith("tuple[int"):
        ok, want = isinstance(value, list) and all(_is_int(v) for v in value), "integers"
        value = tuple(value) if ok else value
    else:
        ok, want = True, ""
    if not ok:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise ConfigError(f"{owner}: {name} must be {want}, got {shown}")
    return value
