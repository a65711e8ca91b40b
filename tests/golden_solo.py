"""A solo sampled from a small seeded network, with the band, as MIDI bytes: the golden file
``tests/data/golden_solo.mid`` is this output, and ``test_golden`` checks that a fresh
process still writes it byte for byte (the README's "same seed, same bytes" promise).

Run ``python tests/golden_solo.py OUT.mid`` to write it; no TensorFlow is involved.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from jazzgen.generate.band import make_band
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import repeat_form
from jazzgen.generate.sampling import SampleConfig, sample
from jazzgen.io.midi import score_to_bytes
from jazzgen.model.config import EncodingConfig
from jazzgen.model.encoding import Vocabulary
from jazzgen.model.network import NumpyLSTM
from jazzgen.music.notes import Score, TimeSignature
from jazzgen.music.progressions import parse_changes, progression_changes

EMBEDDING, HIDDEN, SEED = 8, 16, 2026


def seeded_network(vocab: Vocabulary) -> NumpyLSTM:
    """A one-layer network with seeded normal weights in the trained network's layout."""
    rng = np.random.default_rng(SEED)
    n_in = EMBEDDING + 16 + 2 * 8 + 24  # token, position, two roots, 24 pitch-class flags

    def w(*shape):
        return rng.normal(0.0, 0.5, shape)

    weights = {
        "token_embedding": [w(len(vocab), EMBEDDING)],
        "position_embedding": [w(vocab.cfg.positions, 16)],
        "root_embedding": [w(13, 8)],
        "lstm_0": [w(n_in, 4 * HIDDEN), w(HIDDEN, 4 * HIDDEN), w(4 * HIDDEN)],
        "logits": [w(HIDDEN, len(vocab)), w(len(vocab))],
    }
    return NumpyLSTM(weights, lstm_layers=1)


def golden_midi() -> bytes:
    """Two choruses of F blues: sampled solo, comping, bass and drums, as MIDI bytes."""
    vocab = Vocabulary(EncodingConfig())
    sig = TimeSignature(0)
    form = parse_changes(progression_changes("blues", "F"), bar_ticks=sig.bar_ticks)
    changes = repeat_form(form, 12, sig.bar_ticks, 24)
    end = 24 * sig.bar_ticks
    seeds = np.random.SeedSequence(7).spawn(2)
    (line,) = sample(seeded_network(vocab), vocab, changes, (sig,), seeds[:1],
                     SampleConfig(temperature=1.0, top_p=0.95), end=end)
    band = make_band(changes, (sig,), end, BandConfig(), np.random.default_rng(seeds[1]))
    score = Score(notes=line, changes=changes, time_signatures=(sig,), tempo=160.0,
                  title="golden", parts=band)
    return score_to_bytes(score)


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(golden_midi())
