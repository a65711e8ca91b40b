"""jazzgen.evaluate.mgeval on tiny hand-built scores with hand-worked values."""

import numpy as np
import pytest
from builders import line
from builders import raw_score as score

from jazzgen.errors import MetricError
from jazzgen.evaluate.mgeval import (
    compare_sets,
    kl_divergence,
    overlap_area,
    piece_features,
    two_sample_accuracy,
)

BAR = 96


# ---------------------------------------------------------------- MGEval features


def test_piece_features_by_hand():
    f = piece_features(score([(60, 0, 24), (64, 24, 48), (67, 72, 24)]))
    assert f["total_pitch_count"] == 3
    assert f["pitch_range"] == 7
    assert f["avg_pitch_interval"] == 3.5
    assert f["avg_ioi"] == 1.5  # onsets 0, 24, 72 ticks: IOIs 1 and 2 beats
    pch = np.zeros(12)
    pch[[0, 4, 7]] = [0.25, 0.5, 0.25]  # weighted by duration
    np.testing.assert_allclose(f["pitch_class_histogram"], pch)
    lengths = np.zeros(12)
    lengths[[1, 2]] = [1 / 3, 2 / 3]  # one half note, two quarters
    np.testing.assert_allclose(f["note_length_histogram"], lengths)
    iois = np.zeros(12)
    iois[[1, 2]] = 0.5
    np.testing.assert_allclose(f["ioi_histogram"], iois)
    trans = np.zeros((12, 12))
    trans[0, 4] = trans[4, 7] = 0.5
    np.testing.assert_allclose(f["pitch_class_transition_matrix"], trans.ravel())


def test_note_length_classes_include_triplets_and_dots():
    # 8 ticks: 8th triplet (class 11); 10: nearest is dotted 32nd-ish 9 (class 8); 36: dotted 8th.
    f = piece_features(score([(60, 0, 8), (60, 8, 10), (60, 18, 36)]))
    assert np.flatnonzero(f["note_length_histogram"]).tolist() == [6, 8, 11]


# ---------------------------------------------------------------- KDE, KL, OA, set comparison


def test_overlap_and_kl_of_identical_and_disjoint_samples():
    x = np.random.default_rng(1).normal(size=200)
    assert overlap_area(x, x) == pytest.approx(1.0, abs=2e-3)
    assert kl_divergence(x, x) == pytest.approx(0.0, abs=1e-9)
    assert overlap_area(x, x + 100) < 1e-6
    assert kl_divergence(x, x + 100) > 5


def test_overlap_and_kl_of_shifted_normals_near_theory():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 3000), rng.normal(1, 1, 3000)
    # OA = 2 * Phi(-0.5) = 0.617; KL = 0.5 nats (this draw: means 1.07 apart, so more).
    assert overlap_area(a, b) == pytest.approx(0.617, abs=0.04)
    assert 0.4 < kl_divergence(a, b) < 0.7


def random_solo(rng, bars=4, pitches=(60, 72), lengths=(6, 12, 24)):
    """A random monophonic line filling ``bars`` bars."""
    notes, t = [], 0
    while t < bars * BAR:
        d = int(rng.choice(lengths))
        notes.append((int(rng.integers(*pitches)), t, d))
        t += d
    return score(notes)


def test_compare_sets_of_identical_sets_overlap_well():
    rng = np.random.default_rng(3)
    ref = [random_solo(rng) for _ in range(12)]
    same = compare_sets(ref, ref)
    assert set(same) >= {"total_pitch_count", "pitch_class_histogram", "note_length_histogram",
                         "ioi_histogram", "avg_ioi", "avg_pitch_interval", "pitch_range"}
    assert same["pitch_range"]["gen_mean"] == same["pitch_range"]["ref_mean"]
    assert len(same["pitch_class_histogram"]["ref_mean"]) == 12
    # Inter-set distances of identical sets add only the zero self-distances.
    for name in ("pitch_range", "note_length_histogram"):
        assert same[name]["oa"] > 0.8
        assert same[name]["kl"] < 0.2
    whole_notes = [random_solo(rng, lengths=(96,)) for _ in range(12)]
    other = compare_sets(whole_notes, ref)
    assert other["note_length_histogram"]["oa"] < 0.2
    assert other["note_length_histogram"]["kl"] > 1.0


def test_compare_sets_needs_two_pieces_each():
    one = [score(line([60, 62]))]
    with pytest.raises(MetricError):
        compare_sets(one, one * 3)


# ---------------------------------------------------------------- two-sample test


def test_two_sample_accuracy_separates_different_sets_and_not_equal_ones():
    rng = np.random.default_rng(4)
    real = [random_solo(rng, bars=8) for _ in range(30)]
    alike = [random_solo(rng, bars=8) for _ in range(30)]
    slow_low = [random_solo(rng, bars=8, pitches=(40, 46), lengths=(48, 96)) for _ in range(30)]
    assert two_sample_accuracy(real, slow_low, seed=0) > 0.95
    same = two_sample_accuracy(real, alike, seed=0)
    assert same < 0.75
    assert two_sample_accuracy(real, alike, seed=0) == same  # deterministic for a seed


def test_two_sample_accuracy_needs_phrases():
    with pytest.raises(MetricError):
        two_sample_accuracy([score(line([60, 62]))], [score(line([60, 62]))], seed=0)
