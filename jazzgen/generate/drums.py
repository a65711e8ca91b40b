"""Swing drums: ride pattern, hi-hat on 2 and 4, sparse snare and kick comping."""

from __future__ import annotations

import numpy as np

from jazzgen.generate.band_config import BandConfig
from jazzgen.music.notes import Note

KICK, SIDE_STICK, SNARE, PEDAL_HAT = 36, 37, 38, 44
"""General MIDI percussion keys."""


def drum_notes(
    bars: list[tuple[int, int, int]],
    end: int,
    off_frac: float,
    cfg: BandConfig,
    rng: np.random.Generator,
) -> list[Note]:
    """Swing ride, hi-hat on 2 and 4, sparse soft snare and kick comping."""
    notes: list[Note] = []
    v0 = cfg.drums_velocity

    def hit(pitch: int, t: int, vel: float) -> None:
        if t < end:
            notes.append(Note(pitch, t, min(12, end - t), int(np.clip(vel, 1, 127))))

    for start, length, beat in bars:
        off = round(off_frac * beat)
        for j, t in enumerate(range(start, start + length, beat)):
            hit(cfg.ride, t, v0 + (6 if j % 2 else 0) + rng.integers(-5, 6))
            if j % 2 and rng.random() < 0.92:
                hit(cfg.ride, t + off, v0 - 16 + rng.integers(-5, 6))
            elif not j % 2 and rng.random() < 0.06:
                hit(cfg.ride, t + off, v0 - 20 + rng.integers(-5, 6))
            if j % 2:
                hit(PEDAL_HAT, t, v0 - 14 + rng.integers(-4, 5))
            if cfg.feather_kick:
                hit(KICK, t, 28 + rng.integers(-4, 5))
            if rng.random() < 0.12:
                hit(SNARE, t + off, 38 + rng.integers(-8, 12))
        if rng.random() < 0.05:  # an occasional kick "bomb" on the last off-beat
            hit(KICK, start + length - beat + off, 62 + rng.integers(-6, 7))
    return notes
