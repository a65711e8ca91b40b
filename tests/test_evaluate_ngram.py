"""jazzgen.evaluate.ngram: hand-computed Kneser-Ney values, normalisation, order choice."""

import math
from collections import Counter

import numpy as np
import pytest

from jazzgen.errors import NGramError
from jazzgen.evaluate.ngram import NGramModel, select_order

BOS = 0
CYCLE = [BOS] + [1, 2, 3, 4] * 50  # a deterministic line after its BOS


def test_bigram_probabilities_match_hand_computed_kneser_ney():
    # Targets 1, 1, 2 after BOS. Unigram (continuation, add-one): 1 -> (2+1)/6, 2 -> 2/6,
    # 0 -> 1/6. Bigrams (0,1),(1,1),(1,2) are all singletons: D = 1 / (1 + 0) -> clipped 0.9.
    # After 1: total 2, two types: P(w|1) = max(c-0.9, 0)/2 + 0.9 * 2/2 * P1(w).
    model = NGramModel.fit([[BOS, 1, 1, 2]], vocab_size=3, order=2)
    dist = model.next_distribution([BOS, 1])
    assert dist == pytest.approx([0.9 / 6, 0.05 + 0.9 * 3 / 6, 0.05 + 0.9 * 2 / 6])
    assert model.log_prob([BOS, 1], 2) == pytest.approx(math.log(0.35))


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_distributions_sum_to_one_and_are_positive(order):
    model = NGramModel.fit([CYCLE, [BOS, 5, 5, 1, 2]], vocab_size=7, order=order)
    for context in ([], [BOS], [BOS, 1], [3, 4, 1], [6, 6, 6, 6], [5, 5]):
        dist = model.next_distribution(context)
        assert dist.shape == (7,)
        assert dist.sum() == pytest.approx(1.0, abs=1e-12)
        assert (dist > 0).all()


def test_deterministic_sequence_has_near_zero_nll_at_order_two_and_up():
    model = NGramModel.fit([CYCLE] * 3, vocab_size=5, order=4)
    assert model.nll([CYCLE], order=1) > 1.0  # four equally likely tokens, about ln 4
    for order in (2, 3, 4):
        assert model.nll([CYCLE], order=order) < 0.01


def test_unigram_nll_is_empirical_entropy_under_add_one_smoothing():
    seqs = [[BOS, 1, 1, 2, 3, 1], [BOS, 2, 2, 1]]
    vocab = 6
    model = NGramModel.fit(seqs, vocab_size=vocab, order=1)
    counts = Counter(t for s in seqs for t in s[1:])  # BOS is context only
    total = sum(counts.values())
    expected = -sum(c / total * math.log((c + 1) / (total + vocab)) for c in counts.values())
    assert model.nll(seqs) == pytest.approx(expected, rel=1e-12)
    # BOS never scored nor counted: its probability is the add-one floor.
    assert model.next_distribution([])[BOS] == pytest.approx(1 / (total + vocab))


def test_nll_is_mean_of_single_log_probs():
    model = NGramModel.fit([CYCLE, [BOS, 3, 3, 2, 6, 1]], vocab_size=7, order=3)
    seq = [BOS, 1, 2, 6, 3, 4, 1, 5, 2]
    singles = [-model.log_prob(seq[:i], seq[i]) for i in range(1, len(seq))]
    assert model.nll([seq]) == pytest.approx(np.mean(singles), rel=1e-12)
    assert model.nll([seq], order=2) != pytest.approx(model.nll([seq]))


def test_skip_first_false_scores_the_first_token():
    seq = [BOS, 1, 2]
    kept = NGramModel.fit([seq], vocab_size=3, order=1, skip_first=False)
    # All three tokens count: add-one probs are 2/6 each, so the NLL is ln 3.
    assert kept.nll([seq]) == pytest.approx(math.log(3))


def test_select_order_picks_more_than_unigram_on_a_pattern():
    rng = np.random.default_rng(0)
    # Each token decides the next one most of the time: order 2 should win over order 1.
    train, valid = [], []
    for target in (train, valid):
        for _ in range(20):
            seq, tok = [BOS], 1
            for _ in range(60):
                tok = tok % 6 + 1 if rng.random() < 0.9 else int(rng.integers(1, 7))
                seq.append(tok)
            target.append(seq)
    choice = select_order(train, valid, vocab_size=7, orders=range(1, 6))
    assert choice.order > 1 and set(choice.scores) == {1, 2, 3, 4, 5}
    assert choice.nll == min(choice.scores.values())
    assert choice.nll < NGramModel.fit(train, 7, 1).nll(valid)


def test_hashed_keys_for_a_large_vocabulary():
    # (vocab + 1) ** 4 > 2 ** 64, so keys are hashed; results must still be normalised.
    vocab = 100_000
    seqs = [[BOS, 99_999, 12, 50_000, 7] * 20]
    model = NGramModel.fit(seqs, vocab_size=vocab, order=4)
    assert model.next_distribution([99_999, 12]).sum() == pytest.approx(1.0)
    assert model.nll(seqs) < 0.1


@pytest.mark.parametrize("call", [
    lambda: NGramModel.fit([[0, 1, 3]], vocab_size=3, order=2),
    lambda: NGramModel.fit([[0, 1, -1]], vocab_size=3, order=2),
    lambda: NGramModel.fit([[0, 1]], vocab_size=3, order=0),
    lambda: NGramModel.fit([[0]], vocab_size=3, order=2),
    lambda: NGramModel.fit([[0, 1, 2]], vocab_size=3, order=2).nll([[0, 1]], order=3),
    lambda: NGramModel.fit([[0, 1, 2]], vocab_size=3, order=2).log_prob([0], 7),
    lambda: select_order([[0, 1]], [[0, 1]], 3, orders=[]),
])
def test_bad_input_raises_ngram_error(call):
    with pytest.raises(NGramError):
        call()
