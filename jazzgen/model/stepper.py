"""The trained network prepared for fast stepping: float32, with everything that does not
change from step to step worked out once.

The first LSTM layer reads ``[token embedding, position embedding, two root embeddings,
24 chord flags]`` through one kernel, so its input projection splits into a table per token
(``token_embedding @ K_token + bias``) and a vector per onset tick (position, roots and
chord flags through their rows of ``K``): a step adds two table rows instead of building
and multiplying the input. Gate columns are reordered to input, forget, output, cell so the
three sigmoid gates are one slice, and their columns are pre-scaled by 1/2 so each sigmoid
is ``0.5 * tanh(z) + 0.5`` with no extra multiply. Deeper layers multiply ``[x, h]`` by the
stacked kernel and recurrent matrix in one product.
"""

from __future__ import annotations

import numpy as np

from jazzgen.model import heads
from jazzgen.model.network import POSITION_EMBEDDING, ROOT_EMBEDDING, NumpyLSTM

F32 = np.float32


def _gates(a: np.ndarray, hidden: int) -> np.ndarray:
    """Columns from Keras's gate order (i, f, g, o) to (i, f, o, g), sigmoid gates halved."""
    i, f, g, o = (a[..., k * hidden:(k + 1) * hidden] for k in range(4))
    return np.concatenate([0.5 * i, 0.5 * f, 0.5 * o, g], axis=-1).astype(F32)


class StepNet:
    """A :class:`NumpyLSTM` as float32 tables for sampling, one step at a time."""

    def __init__(self, net: NumpyLSTM) -> None:
        h = self.hidden = net.hidden
        emb = net.tok.shape[1]
        k0, r0, b0 = net.lstm[0]
        rows = np.cumsum([0, emb, POSITION_EMBEDDING, ROOT_EMBEDDING, ROOT_EMBEDDING])
        self.token_table = _gates(net.tok @ k0[rows[0]:rows[1]] + b0, h)  # [V, 4H]
        self.pos_table = _gates(net.pos @ k0[rows[1]:rows[2]], h)  # [positions, 4H]
        self.root_table = _gates(net.root @ k0[rows[2]:rows[3]], h)  # [13, 4H]
        self.next_root_table = _gates(net.root @ k0[rows[3]:rows[4]], h)  # [13, 4H]
        self.pcs_kernel = _gates(k0[rows[4]:], h)  # [24, 4H]
        self.recurrent = _gates(r0, h)  # [H, 4H]
        self.deep = [(_gates(np.vstack([k, r]), h), _gates(b, h)) for k, r, b in net.lstm[1:]]
        self.dense_w = net.dense_w.astype(F32)
        self.dense_b = net.dense_b.astype(F32)
        self._dense: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self.heads = None if net.heads is None else [a.astype(F32) for a in net.heads]
        self.enc = net.enc
        self.durations = None if net.enc is None else np.asarray(net.enc.durations)

    def condition(self, pos: int, roots: tuple[int, int], pcs: np.ndarray) -> np.ndarray:
        """The first layer's input term [4H] for an onset's bar position, roots and flags."""
        return (self.pos_table[pos] + self.root_table[roots[0]] + self.next_root_table[roots[1]]
                + pcs.astype(F32) @ self.pcs_kernel)

    def initial_state(self, batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Zero (h, c) for every layer, float32."""
        return [(np.zeros((batch, self.hidden), F32), np.zeros((batch, self.hidden), F32))
                for _ in range(1 + len(self.deep))]

    def step(self, tokens: np.ndarray, cond: np.ndarray, state, columns: slice = slice(None),
             context: tuple | None = None):
        """One step: tokens [B] and conditioning [B, 4H] -> (logits [B, V'], state).

        ``columns`` picks the logits to compute (the tokens the grammar allows next). With
        one solo the products run on vectors (BLAS's matrix-vector kernel, about twice as
        fast here as a one-row matrix product). A network with relative heads needs
        ``context`` = (tokens of the step before [B], bar positions [B], roots [B, 2] and
        chord flags [B, 24] at the next onset) wherever it computes any column.
        """
        one = len(tokens) == 1
        h, c = state[0]
        z = self.token_table[tokens] + cond
        z += h[0] @ self.recurrent if one else h @ self.recurrent
        h, c = self._cell(z, c)
        new_state = [(h, c)]
        x = h
        for (weights, bias), (h_prev, c_prev) in zip(self.deep, state[1:], strict=True):
            z = (np.concatenate([x[0], h_prev[0]]) @ weights)[None] if one \
                else np.concatenate([x, h_prev], axis=1) @ weights
            z += bias
            x, c_new = self._cell(z, c_prev)
            new_state.append((x, c_new))
        w, b = self._dense_for(columns)
        logits = (x[0] @ w)[None] + b if one else x @ w + b
        if self.heads is not None:
            self._add_heads(logits, x, columns, context)
        return logits, new_state

    def _add_heads(self, logits: np.ndarray, x: np.ndarray, columns: slice, context) -> None:
        """Add the relative heads' terms, in place, to the pitch and duration columns among
        ``columns`` (the slice's step is 1); only the part that is asked for is computed."""
        start = columns.start or 0
        stop = columns.stop if columns.stop is not None else start + logits.shape[1]
        lo, n = self.enc.min_pitch, self.enc.max_pitch - self.enc.min_pitch + 1
        spans = ((heads.FIRST_PITCH, heads.FIRST_PITCH + n),  # pitch tokens, then durations
                 (heads.FIRST_PITCH + n, heads.FIRST_PITCH + n + len(self.durations)))
        for k, (first, last) in enumerate(spans):
            a, b = max(start, first), min(stop, last)
            if a >= b:
                continue
            if context is None:
                raise ValueError("a network with relative heads needs the step's context")
            prev, pos, roots, pcs = context
            terms = heads.pitch_terms(self.heads, x, prev, roots, pcs, lo, n) if k == 0 \
                else heads.duration_terms(self.heads, x, pos, self.durations)
            logits[:, a - start:b - start] += terms[:, a - first:b - first]

    def _dense_for(self, columns: slice) -> tuple[np.ndarray, np.ndarray]:
        """The output layer's columns as contiguous arrays (a sliced view would be copied at
        every product)."""
        key = (columns.start, columns.stop, columns.step)
        if key not in self._dense:
            self._dense[key] = (np.ascontiguousarray(self.dense_w[:, columns]),
                                self.dense_b[columns].copy())
        return self._dense[key]

    def _cell(self, z: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(h, c) from pre-activations in (i, f, o, g) order with halved sigmoid columns:
        one tanh over all four gates, in place (each NumPy call costs about a microsecond
        whatever its size here, so fewer calls is what makes a step fast)."""
        n = self.hidden
        t = np.tanh(z, out=z)
        s = t[:, :3 * n]
        s *= 0.5
        s += 0.5
        c = s[:, n:2 * n] * c
        c += s[:, :n] * t[:, 3 * n:]
        return s[:, 2 * n:] * np.tanh(c), c
