"""jazzgen.model.encoding: scores to tokens and back, and the step features the model reads."""

import numpy as np
import pytest
from builders import make_score, random_line

from jazzgen.model.config import EncodingConfig
from jazzgen.model.encoding import (
    NO_ROOT,
    Vocabulary,
    decode,
    encode,
    note_count,
    transpose_features,
)

V = Vocabulary(EncodingConfig())


def roundtrip(score):
    return [(n.pitch, n.start, n.duration) for n in decode(encode(score, V).tokens, V)]


def test_triplets_swing_32nds_and_rests_survive_exactly():
    notes = [
        (60, 0, 8), (62, 8, 8), (64, 16, 8),  # eighth triplet
        (65, 24, 16), (67, 40, 8),  # swung eighths 2:1
        (69, 48, 3), (71, 51, 3), (72, 54, 6),  # 32nds and a 16th
        (74, 96, 4), (72, 100, 4), (71, 104, 4),  # 16th triplet after a rest
        (70, 300, 250),  # a long note after a long rest (split into rest tokens)
    ]
    got = roundtrip(make_score(notes))
    assert got[:11] == notes[:11]
    assert got[11][:2] == (70, 300)
    assert got[11][2] == 192  # held notes are capped at two bars


def test_random_lines_roundtrip():
    for seed in range(5):
        s = random_line(seed)
        assert roundtrip(s) == [(n.pitch, n.start, n.duration) for n in s.notes]


def test_token_grammar_and_counts():
    s = make_score([(60, 0, 24), (62, 48, 24)])
    toks = encode(s, V).tokens.tolist()
    assert toks[0] == V.bos_id
    assert [V.tokens[t] for t in toks[1:]] == ["p60", "d24", "rest", "d24", "p62", "d24"]
    assert note_count(toks, V) == 2


def test_features_describe_the_next_onset():
    s = make_score([(60, 0, 48), (62, 96, 24)], [("Dm7", 0, 96), ("G7", 96, 96)])
    enc = encode(s, V)
    # step 0 (BOS): next onset at tick 0, under Dm7, next chord G7
    assert enc.pos[0] == 0 and tuple(enc.roots[0]) == (2, 7)
    assert set(np.flatnonzero(enc.pcs[0][:12])) == {2, 5, 9, 0}
    assert set(np.flatnonzero(enc.pcs[0][12:])) == {7, 11, 2, 5}
    # after "p60 d48" the cursor is at tick 48 (beat 3 of bar 1)
    assert enc.pos[2] == 48
    # after the rest the cursor is at tick 96: G7, nothing after it
    assert tuple(enc.roots[4]) == (7, NO_ROOT)
    assert not enc.pcs[4][12:].any()


def test_no_chord_gives_no_root():
    enc = encode(make_score([(60, 0, 24)]), V)
    assert (enc.roots == NO_ROOT).all() and not enc.pcs.any()


@pytest.mark.parametrize("shift", [-5, -1, 3, 6])
def test_transposed_encoding_equals_encoding_the_transposed_score(shift):
    s = random_line(3)
    a = transpose_features(encode(s, V), shift, V)
    b = encode(s.transpose(shift), V)
    assert np.array_equal(a.tokens, b.tokens)
    assert np.array_equal(a.roots, b.roots)
    assert np.array_equal(a.pcs, b.pcs)


def test_pitches_outside_the_range_fold_by_octaves():
    assert V.pitch_of(V.pitch_id(10)) == 22 + 12  # 10 -> 22 -> 34 (range starts at 28)
    assert V.pitch_of(V.pitch_id(120)) == 96


def _next_chord_by_scan(changes, tick):
    """The next-chord rule written as a plain scan (what Conditioner looks up in O(1))."""
    cur = next((c.chord for c in changes if c.start <= tick < c.end), None)
    later = [c for c in changes if c.start > tick] if cur is None else \
        [c for c in changes if c.start > tick and (c.chord.pcs != cur.pcs
                                                   or c.chord.root != cur.root)]
    return cur, (later[0].chord if later else None)


def test_the_next_chord_lookup_agrees_with_a_scan_over_gaps_and_repeats():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from jazzgen.model.encoding import NO_ROOT, Conditioner
    from jazzgen.music.chords import ChordChange, parse_chord
    from jazzgen.music.notes import TimeSignature

    symbols = [parse_chord(s) for s in ("C7", "C7", "Dm7", "G7", "C7(9)")]

    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 48), st.integers(0, 24)),
                    max_size=12), st.integers(0, 700))
    def check(spec, tick):
        changes, t = [], 0
        for k, dur, gap in spec:
            t += gap
            changes.append(ChordChange(t, dur, symbols[k]))
            t += dur
        cond = Conditioner(changes, (TimeSignature(0),), 192)
        _, (root, next_root), pcs = cond.features(tick)
        cur, nxt = _next_chord_by_scan(changes, tick)
        assert root == (NO_ROOT if cur is None else cur.root)
        assert next_root == (NO_ROOT if nxt is None else nxt.root)
        assert set((pcs[12:].nonzero()[0]).tolist()) == (set() if nxt is None else set(nxt.pcs))

    check()
