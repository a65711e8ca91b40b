"""What the band plays with: which instruments, their sounds, swing and loudness.

The instrument and swing-feel tables that the command line offers live here, beside the
config that takes them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from jazzgen.errors import BandError
from jazzgen.music import gm
from jazzgen.music.swing import tempo_swing

COMP_CHANNEL, BASS_CHANNEL = 1, 2
"""MIDI channels of the comping and bass parts (drums play on ``gm.DRUM_CHANNEL``)."""

SOLO_INSTRUMENTS = MappingProxyType({
    "tenor": gm.TENOR_SAX, "alto": gm.ALTO_SAX, "soprano": gm.SOPRANO_SAX,
    "baritone": gm.BARITONE_SAX, "trumpet": gm.TRUMPET, "trombone": gm.TROMBONE,
    "clarinet": gm.CLARINET, "flute": gm.FLUTE, "vibes": gm.VIBRAPHONE,
    "piano": gm.ACOUSTIC_GRAND, "guitar": gm.JAZZ_GUITAR,
})
"""Sounds of the solo by name: General MIDI programs (read-only)."""

COMP_INSTRUMENTS = MappingProxyType({
    "piano": gm.ACOUSTIC_GRAND, "electric-piano": gm.ELECTRIC_PIANO,
    "guitar": gm.JAZZ_GUITAR, "organ": gm.DRAWBAR_ORGAN,
})
"""Sounds of the comping part by name (read-only)."""

SWING = MappingProxyType({"straight": 0.5, "light": 0.6, "medium": 2 / 3, "hard": 0.75})
"""Swing feels by name: where the off-beat eighth falls, as a share of the beat."""

DEFAULT_SWING = "medium"


@dataclass(frozen=True)
class BandConfig:
    """Which instruments play, their GM programs, the swing ratio and velocities.

    ``swing`` None means the swing follows the tempo (``jazzgen.music.swing.tempo_swing``):
    :meth:`at_tempo` fills it in before the band plays. ``listen`` asks the arranger to pass
    the solo to ``make_band``, whose comping and drums then follow its density
    (``jazzgen.generate.dynamics``).
    """

    piano: bool = True
    bass: bool = True
    drums: bool = True
    comp_program: int = gm.ACOUSTIC_GRAND
    bass_program: int = gm.ACOUSTIC_BASS
    swing: float | None = SWING[DEFAULT_SWING]
    count_in: bool = False
    comp_velocity: int = 62
    bass_velocity: int = 86
    drums_velocity: int = 100
    ride: int = 51
    feather_kick: bool = False
    listen: bool = False

    def __post_init__(self) -> None:
        if self.swing is not None and not 0.5 <= self.swing <= 0.8:
            raise BandError(f"swing must be 0.5..0.8 of the beat, got {self.swing}")
        for name in ("comp_program", "bass_program", "ride"):
            if not 0 <= getattr(self, name) <= 127:
                raise BandError(f"{name} must be 0..127, got {getattr(self, name)}")
        for name in ("comp_velocity", "bass_velocity", "drums_velocity"):
            if not 20 <= getattr(self, name) <= 120:
                raise BandError(f"{name} must be 20..120, got {getattr(self, name)}")

    def at_tempo(self, bpm: float) -> BandConfig:
        """This config with its swing ratio fixed: the one given, else the tempo's."""
        return self if self.swing is not None else replace(self, swing=tempo_swing(bpm))

    def describe_swing(self, bpm: float) -> str:
        """The swing ratio the band plays at ``bpm``, and where it came from, in words."""
        ratio = self.at_tempo(bpm).swing
        return f"swing {ratio:.2f}" + (f" (from tempo {bpm:g})" if self.swing is None else "")


def band_summary(band: BandConfig | None, bpm: float) -> str:
    """What the band did at ``bpm``, for a run's summary line: its swing, or "no band"."""
    return "no band" if band is None else f"band {band.describe_swing(bpm)}"
