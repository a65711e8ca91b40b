"""jazzgen.generate.band_config: what the band plays with, its tables and its checks."""

from __future__ import annotations

import pytest

from jazzgen.errors import BandError
from jazzgen.generate.band_config import (
    COMP_INSTRUMENTS,
    DEFAULT_SWING,
    SOLO_INSTRUMENTS,
    SWING,
    BandConfig,
    band_summary,
)
from jazzgen.music import gm


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="swing"):
        BandConfig(swing=0.3)
    with pytest.raises(ValueError, match="comp_program"):
        BandConfig(comp_program=200)


@pytest.mark.parametrize("field,value", [
    ("swing", 0.81), ("bass_program", -1), ("ride", 128), ("comp_velocity", 19),
    ("bass_velocity", 121), ("drums_velocity", 0),
])
def test_every_setting_is_checked_and_named(field, value):
    with pytest.raises(BandError, match=field if field != "swing" else "swing must be"):
        BandConfig(**{field: value})


def test_defaults_are_a_medium_swing_trio_on_piano_and_bass():
    cfg = BandConfig()
    assert (cfg.piano, cfg.bass, cfg.drums, cfg.count_in) == (True, True, True, False)
    assert (cfg.comp_program, cfg.bass_program) == (gm.ACOUSTIC_GRAND, gm.ACOUSTIC_BASS)
    assert cfg.swing == SWING[DEFAULT_SWING] == 2 / 3
    BandConfig(swing=0.5)  # the ends of the range are allowed
    BandConfig(swing=0.8, comp_velocity=20, drums_velocity=120)


def test_the_tables_the_command_line_offers():
    assert list(SWING) == ["straight", "light", "medium", "hard"]
    assert list(SWING.values()) == sorted(SWING.values()) and SWING["straight"] == 0.5
    assert SOLO_INSTRUMENTS["tenor"] == gm.TENOR_SAX and SOLO_INSTRUMENTS["trumpet"] == 56
    assert COMP_INSTRUMENTS["guitar"] in gm.GUITARS
    assert all(BandConfig(comp_program=p).comp_program == p for p in COMP_INSTRUMENTS.values())
    with pytest.raises(TypeError):
        SWING["swung"] = 0.7  # type: ignore[index]  # read-only


def test_swing_none_follows_the_tempo_once_fixed():
    follow = BandConfig(swing=None)
    assert follow.at_tempo(200).swing == pytest.approx(2 / 3)
    assert follow.at_tempo(300).swing == 0.5 and follow.at_tempo(120).swing == 0.75
    assert follow.at_tempo(200) == BandConfig(swing=follow.at_tempo(200).swing)
    given = BandConfig(swing=SWING["hard"])
    assert given.at_tempo(300) is given  # a ratio given wins over the tempo
    assert BandConfig().at_tempo(300).swing == 2 / 3
    assert follow.describe_swing(200) == "swing 0.67 (from tempo 200)"
    assert follow.describe_swing(172.5) == "swing 0.71 (from tempo 172.5)"
    assert given.describe_swing(200) == "swing 0.75"
    assert band_summary(follow, 300) == "band swing 0.50 (from tempo 300)"
    assert band_summary(None, 300) == "no band"


def test_the_band_listens_only_when_asked():
    assert BandConfig().listen is False and BandConfig(listen=True).listen
