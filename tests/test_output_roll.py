"""jazzgen.output.roll: the piano-roll PNG."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from builders import band_score

from jazzgen.errors import RenderError
from jazzgen.output import roll


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_piano_roll_has_the_asked_size_and_shows_the_solo(tmp_path):
    import matplotlib.image as mpimg

    score = band_score(bars=4)
    path = roll.write_piano_roll(score, tmp_path / "roll.png")
    assert _png_size(path) == (1600, 600)
    pixels = mpimg.imread(path)
    assert pixels.shape[:2] == (600, 1600)
    solo = np.all(np.abs(pixels[..., :3] - np.array([192, 57, 43]) / 255) < 0.03, axis=-1)
    assert solo.sum() > 2000  # the solo's bars, not just the legend swatch
    small = roll.write_piano_roll(score, tmp_path / "small.png", width=800, height=300)
    assert _png_size(small) == (800, 300)
    with pytest.raises(RenderError, match="at least 200x150"):
        roll.write_piano_roll(score, tmp_path / "tiny.png", width=50, height=50)
