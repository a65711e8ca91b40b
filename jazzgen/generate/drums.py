"""Swing drums: ride pattern, hi-hat on 2 and 4, sparse snare and kick comping, fills when
the soloist rests (``dynamics``)."""

from __future__ import annotations

import numpy as np

from jazzgen.generate import dynamics
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.dynamics import BUSY, Window
from jazzgen.music.notes import Note

KICK, SIDE_STICK, SNARE, PEDAL_HAT, LOW_TOM = 36, 37, 38, 44, 45
"""General MIDI percussion keys."""
FILL = ((0, SNARE, 52), (1, SNARE, 62), (2, LOW_TOM, 76))
"""The fill on a beat before the solo comes back: (eighth-triplet slot, key, velocity), a
crescendo into the phrase."""


def drum_notes(
    bars: list[tuple[int, int, int]],
    end: int,
    off_frac: float,
    cfg: BandConfig,
    rng: np.random.Generator,
    windows: tuple[Window, ...] | None = None,
) -> list[Note]:
    """Swing ride, hi-hat on 2 and 4, sparse soft snare and kick comping; with the solo's
    ``windows`` (``dynamics.listen``), no snare comping where the solo is busy and a fill
    before it comes back after a rest."""
    notes: list[Note] = []
    v0 = cfg.drums_velocity
    windows = windows or ()
    fills = dynamics.fill_beats(windows)

    def hit(pitch: int, t: int, vel: float, length: int = 12) -> None:
        if t < end:
            notes.append(Note(pitch, t, min(length, end - t), int(np.clip(vel, 1, 127))))

    def snare_comps(t: int) -> bool:
        """Whether snare comping may play on the beat at ``t``: not under a busy solo, not in
        a fill."""
        w = dynamics.window_at(windows, t)
        return t not in fills and (w is None or w.state != BUSY)

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
                vel = 38 + rng.integers(-8, 12)  # drawn either way: listening moves no draw
                if snare_comps(t):
                    hit(SNARE, t + off, vel)
            if t in fills:
                for slot, key, vel in FILL:
                    hit(key, t + slot * beat // 3, vel, beat // 3)
        if rng.random() < 0.05:  # an occasional kick "bomb" on the last off-beat
            hit(KICK, start + length - beat + off, 62 + rng.integers(-6, 7))
    return notes
