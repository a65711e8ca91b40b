"""MGEval metrics (Yang & Lerch 2018, "On the evaluation of generative models in music";
RichardYang40148/mgeval), as pure functions over ``Score``: per-piece features, and the
set-vs-set comparison through intra-/inter-set distances, Gaussian KDE, KL divergence and
overlapping area; plus jazzgen's classifier two-sample test on the same features.

Where MGEval code differs from its paper, the code is followed (the published numbers come
from it) and the comment says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jazzgen.errors import MetricError
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score

NOTE_LENGTH_CLASSES = (96, 48, 24, 12, 6, 72, 36, 18, 9, 32, 16, 8)
"""MGEval's length classes in ticks (1/96 of a 4/4 bar): whole, half, quarter, 8th, 16th,
dotted half, quarter, 8th, 16th, half-, quarter- and 8th-note triplet."""

SCALAR_FEATURES = ("total_pitch_count", "pitch_range", "avg_pitch_interval", "avg_ioi")
VECTOR_FEATURES = ("pitch_class_histogram", "pitch_class_transition_matrix",
                   "note_length_histogram", "ioi_histogram")
FEATURES = SCALAR_FEATURES + VECTOR_FEATURES


# ---------------------------------------------------------------- MGEval features


def _length_class(ticks: np.ndarray) -> np.ndarray:
    """Index of the nearest MGEval length class (the first listed on a tie)."""
    classes = np.array(NOTE_LENGTH_CLASSES)
    return np.argmin(np.abs(ticks[:, None] - classes[None, :]), axis=1)


def _normalised(hist: np.ndarray) -> np.ndarray:
    """``hist`` divided by its sum (all zeros stays all zeros)."""
    total = hist.sum()
    return hist / total if total > 0 else hist


def piece_features(score: Score) -> dict[str, float | np.ndarray]:
    """MGEval's per-piece features of the melody.

    Pitch count is the number of distinct pitches; the pitch-class histogram is weighted by
    duration (MGEval reads a piano roll); intervals and IOIs are between consecutive notes;
    ``avg_ioi`` is in beats (MGEval: seconds), so tempo does not enter; length classes are
    in ticks of a 4/4 bar whatever the meter. With one note, interval and IOI features are 0.
    """
    if not score.notes:
        raise MetricError(f"score {score.title!r} has no notes")
    pitches = np.array([n.pitch for n in score.notes])
    durations = np.array([n.duration for n in score.notes])
    onsets = np.array(sorted({n.start for n in score.notes}))
    pcs = pitches % 12
    ioi = np.diff(onsets)
    transitions = np.zeros((12, 12))
    np.add.at(transitions, (pcs[:-1], pcs[1:]), 1)
    n_classes = len(NOTE_LENGTH_CLASSES)
    return {
        "total_pitch_count": float(len(set(pitches.tolist()))),
        "pitch_range": float(pitches.max() - pitches.min()),
        "avg_pitch_interval": float(np.abs(np.diff(pitches)).mean()) if len(pitches) > 1
        else 0.0,
        "avg_ioi": float(ioi.mean() / TICKS_PER_BEAT) if len(ioi) else 0.0,
        "pitch_class_histogram": _normalised(np.bincount(pcs, weights=durations,
                                                         minlength=12)),
        "pitch_class_transition_matrix": _normalised(transitions.ravel()),
        "note_length_histogram": _normalised(np.bincount(_length_class(durations),
                                                         minlength=n_classes).astype(float)),
        "ioi_histogram": _normalised(np.bincount(_length_class(ioi),
                                                 minlength=n_classes).astype(float)),
    }


def _kde(samples: np.ndarray, grid: np.ndarray, bins: int = 8192) -> np.ndarray:
    """Gaussian KDE of ``samples`` on ``grid``, Scott's bandwidth (as scipy's gaussian_kde).

    Over ``bins`` samples (inter-set distances of 400 × 400 pieces are 160,000), the
    samples are first binned into ``bins`` equal bins: 40 s becomes 1 s, and each sample
    moves by at most half a bin, far below the bandwidth.
    """
    bw = _bandwidth(samples)
    points, weights = samples, np.ones(len(samples))
    if len(samples) > bins:
        weights, edges = np.histogram(samples, bins=bins)
        keep = weights > 0
        points, weights = ((edges[:-1] + edges[1:]) / 2)[keep], weights[keep]
    out = np.zeros(len(grid))
    for lo in range(0, len(points), 4096):
        z = (grid[None, :] - points[lo:lo + 4096, None]) / bw
        out += (weights[lo:lo + 4096, None] * np.exp(-0.5 * z * z)).sum(axis=0)
    return out / (len(samples) * bw * np.sqrt(2 * np.pi))


def _bandwidth(samples: np.ndarray) -> float:
    """Scott's rule, std * n^(-1/5); floored so that identical samples still get a kernel."""
    std = float(np.std(samples, ddof=1)) if len(samples) > 1 else 0.0
    floor = 1e-3 * max(1.0, float(np.max(np.abs(samples))))
    return max(std * len(samples) ** -0.2, floor)


def _grid(a: np.ndarray, b: np.ndarray, points: int = 1000) -> np.ndarray:
    """A grid covering both samples and four bandwidths of tail on each side."""
    pad = 4 * max(_bandwidth(a), _bandwidth(b))
    lo, hi = min(a.min(), b.min()) - pad, max(a.max(), b.max()) + pad
    return np.linspace(lo, hi, points)


def _densities(a: Sequence[float], b: Sequence[float]) -> tuple[np.ndarray, ...]:
    """A common grid and the KDEs of ``a`` and ``b`` on it."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    grid = _grid(a, b)
    return grid, _kde(a, grid), _kde(b, grid)


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    """Discrete KL(p || q) of two densities on one grid, floored at 1e-12 of their peaks."""
    p = np.maximum(p, 1e-12 * p.max())
    q = np.maximum(q, 1e-12 * q.max())
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum(p * np.log(p / q)))


def kl_divergence(a: Sequence[float], b: Sequence[float]) -> float:
    """KL(KDE(a) || KDE(b)) in nats, both densities on one common grid.

    MGEval evaluates the two densities on two different grids; a common grid is the
    divergence its paper defines. Densities are floored at 1e-12 of their peak so that
    tails far from ``b`` give a large, finite value (at most about 28 nats).
    """
    _, p, q = _densities(a, b)
    return _kl(p, q)


def overlap_area(a: Sequence[float], b: Sequence[float]) -> float:
    """Area under min(KDE(a), KDE(b)): 1 for equal distributions, 0 for disjoint ones."""
    grid, p, q = _densities(a, b)
    return float(np.trapezoid(np.minimum(p, q), grid))


def _distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``x`` and of ``y`` (an n × m matrix)."""
    # Through the Gram matrix, so memory is n × m rather than n × m × feature size.
    sq = (x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2.0 * x @ y.T
    return np.sqrt(np.maximum(sq, 0.0))


def compare_sets(generated: Sequence[Score], reference: Sequence[Score]) -> dict[str, dict]:
    """MGEval's set comparison: per feature, mean/std of each set and KL/OA of distances.

    ``kl`` and ``oa`` compare the reference set's intra-set distances with the inter-set
    (generated × reference) distances: KL near 0 and OA near 1 mean the generated pieces
    sit among the reference pieces as the reference pieces sit among themselves.
    ``kl_gen`` / ``oa_gen`` do the same from the generated set's intra-set distances.
    Intra-set distances use each unordered pair once.
    """
    if len(generated) < 2 or len(reference) < 2:
        raise MetricError(f"compare_sets needs >= 2 pieces per set, got {len(generated)} "
                          f"generated and {len(reference)} reference")
    out: dict[str, dict] = {}
    feats = {"gen": [piece_features(s) for s in generated],
             "ref": [piece_features(s) for s in reference]}
    for name in FEATURES:
        gen = np.array([np.atleast_1d(f[name]) for f in feats["gen"]], dtype=float)
        ref = np.array([np.atleast_1d(f[name]) for f in feats["ref"]], dtype=float)
        intra_ref = _distances(ref, ref)[np.triu_indices(len(ref), k=1)]
        intra_gen = _distances(gen, gen)[np.triu_indices(len(gen), k=1)]
        inter = _distances(gen, ref).ravel()
        (grid, p_ref, p_inter), (grid_g, p_gen, p_inter_g) = (_densities(intra_ref, inter),
                                                             _densities(intra_gen, inter))
        scalar = name in SCALAR_FEATURES
        out[name] = {
            "gen_mean": _plain(gen.mean(axis=0), scalar),
            "gen_std": _plain(gen.std(axis=0), scalar),
            "ref_mean": _plain(ref.mean(axis=0), scalar),
            "ref_std": _plain(ref.std(axis=0), scalar),
            "kl": _kl(p_ref, p_inter),
            "oa": float(np.trapezoid(np.minimum(p_ref, p_inter), grid)),
            "kl_gen": _kl(p_gen, p_inter_g),
            "oa_gen": float(np.trapezoid(np.minimum(p_gen, p_inter_g), grid_g)),
        }
    return out


def _plain(values: np.ndarray, scalar: bool) -> float | list[float]:
    """A float for a scalar feature, else a list of floats (JSON-ready)."""
    return float(values[0]) if scalar else [float(v) for v in values]


# ---------------------------------------------------------------- two-sample test


def _phrases(score: Score, bars: int) -> list[Score]:
    """The melody cut into consecutive ``bars``-bar phrases with at least two notes each."""
    starts = score.bar_starts()
    bounds = starts[::bars] + [score.end + 1]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        notes = tuple(Note(n.pitch, n.start - lo, n.duration, n.velocity)
                      for n in score.notes if lo <= n.start < hi)
        if len(notes) >= 2:
            out.append(Score(notes=notes, tempo=score.tempo))
    return out


def _phrase_vector(score: Score) -> np.ndarray:
    """The MGEval features of one phrase as one vector (transition matrix left out)."""
    f = piece_features(score)
    names = [x for x in FEATURES if x != "pitch_class_transition_matrix"]
    return np.concatenate([np.atleast_1d(f[x]) for x in names]).astype(float)


def two_sample_accuracy(real: Sequence[Score], generated: Sequence[Score], seed: int,
                        bars: int = 4, test_share: float = 0.3) -> float:
    """Held-out accuracy of a logistic regression telling real from generated phrases.

    Both sets are cut into ``bars``-bar phrases, the larger set is subsampled to the size of
    the smaller, a stratified ``test_share`` is held out, and an L2-regularised logistic
    regression on standardised MGEval features is fitted by Newton's method. 0.5 means the
    classifier cannot tell them apart; 1.0 means it always can. Deterministic for a seed.
    """
    rng = np.random.default_rng(seed)
    sets = [[_phrase_vector(p) for s in group for p in _phrases(s, bars)]
            for group in (real, generated)]
    size = min(len(x) for x in sets)
    n_test = int(round(size * test_share))
    if size < 4 or n_test < 1 or n_test >= size:
        raise MetricError(f"too few phrases for a two-sample test: {len(sets[0])} real, "
                          f"{len(sets[1])} generated (need >= 4 each)")
    train_x, train_y, test_x, test_y = [], [], [], []
    for label, group in enumerate(sets):
        pick = rng.permutation(len(group))[:size]
        rows = np.array(group)[pick]
        test_x.append(rows[:n_test])
        train_x.append(rows[n_test:])
        test_y += [label] * n_test
        train_y += [label] * (size - n_test)
    x, xt = np.vstack(train_x), np.vstack(test_x)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    w = _logistic_fit((x - mean) / std, np.array(train_y, float))
    logits = _with_bias((xt - mean) / std) @ w
    return float(np.mean((logits > 0) == (np.array(test_y) == 1)))


def _with_bias(x: np.ndarray) -> np.ndarray:
    """``x`` with a column of ones appended."""
    return np.hstack([x, np.ones((len(x), 1))])


def _logistic_fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 25
                  ) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by Newton's method."""
    xb = _with_bias(x)
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w
