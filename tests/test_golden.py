"""Same seed, same bytes, in a fresh process: a seeded network's solo with the band is
compared byte for byte with the committed golden file ``tests/data/golden_solo.mid``.

The golden file was written before the package moved into stage subpackages and came out
the same after it. If a deliberate change to sampling, the band or the MIDI writer alters
the bytes, rewrite it with ``python tests/golden_solo.py tests/data/golden_solo.mid`` and
say so in the commit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mido

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "data" / "golden_solo.mid"


def test_a_fresh_process_writes_the_golden_bytes(tmp_path):
    out = tmp_path / "solo.mid"
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    subprocess.run([sys.executable, str(HERE / "golden_solo.py"), str(out)], check=True,
                   cwd=HERE.parent, env=env, timeout=120)
    assert out.read_bytes() == GOLDEN.read_bytes()


def test_the_golden_file_is_a_real_solo_with_a_band():
    mid = mido.MidiFile(GOLDEN)
    notes = {t.name: sum(1 for m in t if m.type == "note_on" and m.velocity) for t in mid.tracks}
    assert set(notes) == {"golden", "Solo", "Piano", "Bass", "Drums"}
    assert notes["Solo"] >= 24 and notes["Bass"] >= 96  # a walking bass: every beat of 24 bars


def test_in_process_output_matches_too():
    from golden_solo import golden_midi

    assert golden_midi() == GOLDEN.read_bytes()
