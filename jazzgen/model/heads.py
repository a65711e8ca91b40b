"""Relative output heads: the next pitch scored by its interval and its harmony, not only
by its absolute value.

A plain output layer gives every pitch token its own logit, so "not the same note again",
"a step up" or "the chord's third" must be learnt anew at every absolute pitch, and a
network that knows the line moves by a small interval but not which way spreads its mass
over the pitch it is on as well (measured: the shipped plain model gives a repeated note
9.8% on held-out solos, where players repeat 4.7%). With relative heads, three more terms
are added to every pitch token's logit, each computed from the last LSTM layer's output h:

- interval: ``h @ Wi + bi`` has 25 entries, intervals -12..+12 semitones from the previous
  event's pitch (larger leaps clipped to +-12); the entry of each pitch's interval is added.
  Left out when the previous event was a rest or there was none.
- root: ``h @ Wr + br`` has 12 entries, pitch classes relative to the root of the chord at
  the next onset; left out when no chord sounds there.
- chord tones: ``h @ Wt + bt`` has 2 entries, added where the pitch is a tone of the chord
  at the next onset (entry 0) and of the chord after it (entry 1).

and one to every duration token's logit:

- beat phase: ``h @ Wp + bp`` has 24 entries, the tick within the beat where the next onset
  would fall (the note's onset plus that duration), so "land on the beat" or "on the swung
  off-beat" is one entry whatever the duration that gets there.

All eight arrays start at zero, so a network with relative heads begins as the same function
as one without, and a trained plain network can be fine-tuned into one. The Keras layer and
the NumPy function below compute the same numbers (tested).
"""

from __future__ import annotations

import functools

import numpy as np

from jazzgen.model.encoding import FIRST_PITCH_ID as FIRST_PITCH
from jazzgen.music.notes import TICKS_PER_BEAT

MAX_INTERVAL = 12
INTERVALS = 2 * MAX_INTERVAL + 1
HEAD_SIZES = (INTERVALS, 12, 2, TICKS_PER_BEAT)
"""Entries of the interval, root, chord-tone and beat-phase heads."""
LAYER = "relative_heads"


def head_shapes(hidden: int) -> dict[str, tuple[int, ...]]:
    """Name (``relative_heads.index``) -> shape of the eight head arrays (kernel, bias each)."""
    out = {}
    for k, size in enumerate(HEAD_SIZES):
        out[f"{LAYER}.{2 * k}"] = (hidden, size)
        out[f"{LAYER}.{2 * k + 1}"] = (size,)
    return out


def pitch_terms(weights: list[np.ndarray], h: np.ndarray, prev: np.ndarray,
                roots: np.ndarray, pcs: np.ndarray, min_pitch: int, n_pitches: int
                ) -> np.ndarray:
    """The heads' terms for the pitch tokens [B, n_pitches], from h [B, H], the previous
    input tokens ``prev`` [B] (any token; only pitch tokens count), and the chord roots
    [B, 2] and pitch-class flags [B, 24] at the next onset. Same dtype as ``h``."""
    wi, bi, wr, br, wt, bt = weights[:6]
    prev, roots = np.asarray(prev), np.asarray(roots)
    midi = min_pitch + np.arange(n_pitches)
    prev_on = (prev >= FIRST_PITCH) & (prev < FIRST_PITCH + n_pitches)
    prev_midi = prev - FIRST_PITCH + min_pitch
    iv = np.clip(midi[None, :] - prev_midi[:, None], -MAX_INTERVAL, MAX_INTERVAL) + MAX_INTERVAL
    rows = np.arange(len(h))[:, None]
    pitch = (h @ wi + bi)[rows, iv] * prev_on[:, None]
    root = roots[:, 0]
    rel = (midi[None, :] - root[:, None]) % 12
    pitch += (h @ wr + br)[rows, rel] * (root < 12)[:, None]
    tones = h @ wt + bt
    flags = np.asarray(pcs).astype(h.dtype)
    pitch += tones[:, :1] * flags[:, midi % 12] + tones[:, 1:] * flags[:, 12 + midi % 12]
    return pitch.astype(h.dtype, copy=False)


def duration_terms(weights: list[np.ndarray], h: np.ndarray, pos: np.ndarray,
                   durations: np.ndarray) -> np.ndarray:
    """The beat-phase head's terms for the duration tokens [B, len(durations)], from h
    [B, H] and the bar positions ``pos`` [B] of the notes' onsets. Same dtype as ``h``."""
    wp, bp = weights[6:]
    phase = (np.asarray(pos)[:, None] + np.asarray(durations)[None, :]) % TICKS_PER_BEAT
    return (h @ wp + bp)[np.arange(len(h))[:, None], phase].astype(h.dtype, copy=False)


def head_terms(weights: list[np.ndarray], h: np.ndarray, context: tuple, min_pitch: int,
               n_pitches: int, durations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both: (:func:`pitch_terms`, :func:`duration_terms`), ``context`` = (previous input
    tokens, bar positions, roots, chord flags) as those take them."""
    prev, pos, roots, pcs = context
    return (pitch_terms(weights, h, prev, roots, pcs, min_pitch, n_pitches),
            duration_terms(weights, h, pos, durations))


@functools.cache
def layer_class():
    """The Keras layer (built and registered once, so Keras's safe mode can load it)."""
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="jazzgen", name="RelativeHeads")
    class RelativeHeads(keras.layers.Layer):
        """Adds the relative heads' terms to the pitch and duration columns of the logits."""

        def __init__(self, min_pitch: int, n_pitches: int, durations, **kwargs) -> None:
            super().__init__(**kwargs)
            self.min_pitch, self.n_pitches = min_pitch, n_pitches
            self.durations = [int(d) for d in durations]

        def build(self, input_shape) -> None:
            hidden = input_shape[1][-1]  # (logits, h, tokens, pos, roots, pcs)
            self.arrays = []
            for k, size in enumerate(HEAD_SIZES):
                self.arrays.append(self.add_weight(shape=(hidden, size), initializer="zeros",
                                                   name=f"kernel_{k}"))
                self.arrays.append(self.add_weight(shape=(size,), initializer="zeros",
                                                   name=f"bias_{k}"))

        def call(self, inputs):
            logits, h, tokens, pos, roots, pcs = inputs
            wi, bi, wr, br, wt, bt, wp, bp = self.arrays
            first = FIRST_PITCH
            midi = ops.arange(self.n_pitches, dtype="int32") + self.min_pitch
            prev = ops.pad(tokens[:, :-1], [[0, 0], [1, 0]])
            prev_on = ops.logical_and(prev >= first, prev < first + self.n_pitches)
            prev_midi = prev - first + self.min_pitch
            iv = ops.clip(midi[None, None, :] - prev_midi[..., None], -MAX_INTERVAL,
                          MAX_INTERVAL) + MAX_INTERVAL
            out = ops.take_along_axis(ops.matmul(h, wi) + bi, iv, axis=-1) \
                * ops.cast(prev_on, h.dtype)[..., None]
            root = roots[..., 0]
            rel = ops.mod(midi[None, None, :] - root[..., None], 12)
            out += ops.take_along_axis(ops.matmul(h, wr) + br, rel, axis=-1) \
                * ops.cast(root < 12, h.dtype)[..., None]
            tones = ops.matmul(h, wt) + bt
            pcs = ops.cast(pcs, h.dtype)
            out += tones[..., :1] * ops.take(pcs, midi % 12, axis=-1) \
                + tones[..., 1:] * ops.take(pcs, 12 + midi % 12, axis=-1)
            durations = ops.convert_to_tensor(self.durations, dtype="int32")
            phase = ops.mod(pos[..., None] + durations[None, None, :], TICKS_PER_BEAT)
            dur = ops.take_along_axis(ops.matmul(h, wp) + bp, phase, axis=-1)
            return logits + ops.pad(ops.concatenate([out, dur], axis=-1),
                                    [[0, 0], [0, 0], [first, 0]])

        def compute_output_shape(self, input_shape):
            return input_shape[0]

        def get_config(self) -> dict:
            return {**super().get_config(), "min_pitch": self.min_pitch,
                    "n_pitches": self.n_pitches, "durations": self.durations}

    return RelativeHeads
