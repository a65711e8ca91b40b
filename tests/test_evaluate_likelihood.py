"""jazzgen.evaluate.likelihood: likelihood against a hand-stepped network and hand-counted
baselines, and the n-gram order choice."""

import json
import math

import numpy as np
import pytest
from builders import motif_line, random_line, write_scores

from jazzgen.corpus.loader import load_corpus
from jazzgen.errors import EvaluateError
from jazzgen.evaluate.likelihood import evaluate_likelihood
from jazzgen.model.bundle import load_bundle
from jazzgen.model.encoding import encode

pytestmark = pytest.mark.slow  # every test scores the tiny model


def hand_scored(model_dir, folder):
    """(summed NLL, events, pitch targets, argmax hits) by stepping the network one piece
    at a time, batch 1, with a plain log-softmax."""
    bundle = load_bundle(model_dir)
    vocab, net = bundle.vocab, bundle.net
    total, events, pitches, hits = 0.0, 0, 0, 0
    for _, score in load_corpus(folder).pieces:
        enc = encode(score, vocab)
        state = net.initial_state(1)
        for t in range(len(enc) - 1):
            logits, state = net.step(enc[t:t + 1], state)
            logp = logits[0] - np.log(np.exp(logits[0]).sum())
            target = int(enc.tokens[t + 1])
            total -= logp[target]
            events += 1
            if vocab.is_pitch(target):
                pitches += 1
                cand = logits[0][vocab.rest_id:vocab.first_duration_id]
                hits += int(np.argmax(cand)) + vocab.rest_id == target
    return total, events, pitches, hits


def test_lstm_row_matches_a_hand_stepped_network(tiny_model, tiny_corpus, tmp_path):
    # Pieces of three lengths, so the batched run must stop each piece at its own end.
    test = write_scores(tmp_path / "test", [random_line(10 + b, bars=b) for b in (2, 5, 3)])
    report = evaluate_likelihood(tiny_model, test, tiny_corpus)
    total, events, pitches, hits = hand_scored(tiny_model, test)
    lstm = report.row("LSTM")
    assert report.events == events and report.notes == pitches
    assert report.test_pieces == 3 and report.test_in_train == 0
    assert lstm.nll_event == pytest.approx(total / events, rel=1e-9)
    assert lstm.perplexity == pytest.approx(math.exp(total / events), rel=1e-12)
    assert lstm.nll_note == pytest.approx(lstm.nll_event * events / pitches, rel=1e-12)
    assert lstm.pitch_acc == pytest.approx(hits / pitches)
    assert lstm.pitch_acc <= lstm.pitch_top5 <= 1.0
    assert lstm.extra == {"layers": 1, "units": 16}


def hand_streams(model_dir, folder):
    """Per-stream (NLL sum, targets, top-1 hits) of each target among its allowed tokens:
    pitch-or-rest targets among rest and pitches, duration targets among durations."""
    bundle = load_bundle(model_dir)
    vocab, net = bundle.vocab, bundle.net
    out = {"pitch": [0.0, 0, 0], "duration": [0.0, 0, 0]}
    for _, score in load_corpus(folder).pieces:
        enc = encode(score, vocab)
        state = net.initial_state(1)
        for t in range(len(enc) - 1):
            logits, state = net.step(enc[t:t + 1], state)
            target = int(enc.tokens[t + 1])
            lo, hi, key = ((vocab.rest_id, vocab.first_duration_id, "pitch")
                           if target < vocab.first_duration_id
                           else (vocab.first_duration_id, len(vocab), "duration"))
            allowed = logits[0][lo:hi]
            logp = allowed - np.log(np.exp(allowed).sum())
            out[key][0] -= logp[target - lo]
            out[key][1] += 1
            out[key][2] += int(np.argmax(allowed)) + lo == target
    return out


def test_each_stream_is_scored_among_its_allowed_tokens(tiny_model, tiny_corpus, tmp_path):
    test = write_scores(tmp_path / "test", [random_line(20 + b, bars=b) for b in (2, 4)])
    report = evaluate_likelihood(tiny_model, test, tiny_corpus)
    want = hand_streams(tiny_model, test)
    lstm = report.row("LSTM")
    for name, stream in (("pitch", lstm.pitch), ("duration", lstm.duration)):
        nll_sum, count, hits = want[name]
        assert stream.targets == count > 0
        assert stream.nll == pytest.approx(nll_sum / count, rel=1e-9)
        assert stream.perplexity == pytest.approx(math.exp(nll_sum / count), rel=1e-9)
        assert stream.top1 == pytest.approx(hits / count)
        assert stream.top1 <= stream.top5 <= 1.0
    # every event is one or the other, and renormalising over the allowed tokens can only
    # lower the NLL: the two streams together cost no more than the joint per-event NLL
    assert lstm.pitch.targets + lstm.duration.targets == report.events
    assert (lstm.pitch.nll * lstm.pitch.targets + lstm.duration.nll * lstm.duration.targets
            <= lstm.nll_event * report.events + 1e-9)
    for name in ("n-gram", "unigram"):
        row = report.row(name)
        assert row.pitch.targets == lstm.pitch.targets and row.duration.targets > 0
    text = report.table()
    assert "pitch ppl" in text and "dur ppl" in text


def test_unigram_row_is_add_one_counts_over_the_transposed_training_set(tiny_model, tmp_path):
    train = write_scores(tmp_path / "train", [motif_line(f"m{i}", bars=2 + i) for i in range(3)])
    test = write_scores(tmp_path / "test", [random_line(7, bars=3)])
    report = evaluate_likelihood(tiny_model, test, train, valid_dir=train)
    bundle = load_bundle(tiny_model)
    vocab = bundle.vocab
    assert bundle.train.transpose and bundle.train.keys == 12
    # The bundle trained in all 12 keys, so every training piece counts 12 times.
    counts = np.zeros(len(vocab))
    for _, score in load_corpus(train).pieces:
        enc = encode(score, vocab)
        for shift in range(-5, 7):
            shifted = [vocab.pitch_id(vocab.pitch_of(t) + shift) if vocab.is_pitch(t) else t
                       for t in enc.tokens[1:].tolist()]
            counts += np.bincount(shifted, minlength=len(vocab))
    p = (counts + 1) / (counts.sum() + len(vocab))
    target = encode(load_corpus(test).pieces[0][1], vocab).tokens[1:]
    uni = report.row("unigram")
    assert report.train_sequences == 36 and report.train_pieces == 3
    assert uni.nll_event == pytest.approx(-np.log(p[target]).mean(), rel=1e-9)
    best = vocab.rest_id + int(np.argmax(p[vocab.rest_id:vocab.first_duration_id]))
    is_pitch = (target >= vocab.first_pitch_id) & (target < vocab.first_duration_id)
    assert uni.pitch_acc == pytest.approx(np.mean(target[is_pitch] == best))
    # the unigram's pitch stream: the same counts renormalised over rest and pitches
    events = target[target < vocab.first_duration_id]
    pe = p[vocab.rest_id:vocab.first_duration_id] / p[vocab.rest_id:vocab.first_duration_id].sum()
    assert uni.pitch.nll == pytest.approx(-np.log(pe[events - vocab.rest_id]).mean(), rel=1e-9)


def test_ngram_order_is_chosen_on_validation_and_beats_unigram_on_a_pattern(tiny_model,
                                                                           tmp_path):
    train = write_scores(tmp_path / "train", [motif_line(f"t{i}", bars=4) for i in range(4)])
    valid = write_scores(tmp_path / "valid", [motif_line("v", bars=3, shift=2)])
    test = write_scores(tmp_path / "test", [motif_line("x", bars=5, shift=-3)])
    report = evaluate_likelihood(tiny_model, test, train, valid_dir=valid)
    ngram, uni = report.row("n-gram"), report.row("unigram")
    order = ngram.extra["order"]
    assert order > 1
    assert report.order_nll[str(order)] == min(report.order_nll.values())
    assert report.valid_source == "validation" and report.valid_pieces == 1
    assert ngram.nll_event < 0.5 * uni.nll_event
    assert ngram.pitch_acc > 0.9 > uni.pitch_acc
    text = report.table()
    assert f"{order}-gram Kneser-Ney" in text and "unigram add-one" in text
    assert json.loads(json.dumps(report.to_dict(), allow_nan=False)) == report.to_dict()


def test_without_a_validation_folder_training_pieces_are_held_out(tiny_model, tiny_corpus):
    report = evaluate_likelihood(tiny_model, tiny_corpus, tiny_corpus)
    # The bundle's own 10% split of the 4 tiny pieces: 3 fit the baselines, 1 picks the order.
    assert (report.train_pieces, report.valid_pieces) == (3, 1)
    assert report.valid_source == "held-out training"
    assert set(report.order_nll) == {str(k) for k in range(1, 8)}
    # Testing on the training folder is flagged, except for the held-out piece.
    assert report.test_in_train == 3
    assert "Warning: 3 test pieces are also training pieces" in report.table()


def test_bad_input_is_one_clear_error(tiny_model, tiny_corpus, tmp_path):
    with pytest.raises(EvaluateError, match="test folder not found"):
        evaluate_likelihood(tiny_model, tmp_path / "nowhere", tiny_corpus)
    with pytest.raises(EvaluateError, match="model folder not found"):
        evaluate_likelihood(tmp_path / "nomodel", tiny_corpus, tiny_corpus)
