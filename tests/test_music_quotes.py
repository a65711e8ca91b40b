"""jazzgen.music.quotes: interval-window hashes, the quote index, quote runs and the
pitches that would extend a quote."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.errors import InvalidValueError
from jazzgen.music.quotes import WINDOW, QuoteIndex, intervals, window_hashes

LICK = [62, 65, 69, 72, 71, 67, 64, 62, 60, 59, 62, 65, 64, 60]


def test_window_hashes_match_the_polynomial_definition():
    x = intervals(LICK)
    got = window_hashes(x, 3)
    base = 0x100000001B3
    for i, h in enumerate(got):
        want = sum(int(x[i + k]) * pow(base, k, 1 << 64) for k in range(3)) % (1 << 64)
        assert int(h) == want
    assert len(window_hashes(x[:2], 3)) == 0
    with pytest.raises(InvalidValueError):
        window_hashes(x, 0)


def test_an_index_finds_a_transposed_quote_and_measures_it():
    index = QuoteIndex.from_melodies([LICK, [60, 60, 60]])
    assert len(index) == len(LICK) - 1 - WINDOW + 1
    up_a_fourth = [p + 5 for p in LICK[2:12]]  # 10 notes of the lick, transposed
    melody = [50, 80, 51] + up_a_fourth + [90, 40]
    runs = index.runs(melody)
    assert runs.max() == 10 and index.longest(melody) == 10
    assert list(runs[:3 + WINDOW]) == [0] * (3 + WINDOW)  # no quote before 9 notes
    assert runs[3 + WINDOW] == WINDOW + 1 and runs[3 + 9] == 10 and runs[-1] == 0
    assert index.longest([60, 62]) == 0 and QuoteIndex.from_melodies([]).longest(LICK) == 0


def test_blocked_names_exactly_the_pitches_that_complete_an_indexed_window():
    index = QuoteIndex.from_melodies([LICK])
    recent = LICK[:WINDOW]  # the next lick note (LICK[8] = 60) completes window 0
    candidates = np.arange(40, 90)
    blocked = index.blocked(recent, candidates)
    assert candidates[blocked].tolist() == [LICK[WINDOW]]
    moved = [p - 3 for p in recent]  # transposed: the transposed next note is blocked
    assert candidates[index.blocked(moved, candidates)].tolist() == [LICK[WINDOW] - 3]
    assert not index.blocked(recent[1:], candidates).any()  # too few notes to tell


def test_an_index_is_plain_uint64_hashes():
    with pytest.raises(InvalidValueError, match="uint64"):
        QuoteIndex(np.array([1.5, 2.0]))
    idx = QuoteIndex(np.array([5, 3, 5], np.uint64))
    assert idx.hashes.tolist() == [3, 5]
    assert idx.contains(np.array([3, 4, 5, 6], np.uint64)).tolist() == [True, False, True,
                                                                        False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(30, 90), max_size=40), max_size=5),
       st.lists(st.integers(30, 90), max_size=60))
def test_runs_agree_with_a_brute_force_search(corpus, melody):
    index = QuoteIndex.from_melodies(corpus)
    windows = {tuple(np.diff(m[i:i + WINDOW + 1])) for m in corpus
               for i in range(len(m) - WINDOW)}
    runs = index.runs(melody)
    run = 0
    for j in range(len(melody)):
        ok = j >= WINDOW and tuple(np.diff(melody[j - WINDOW:j + 1])) in windows
        run = (run + 1 if run else WINDOW + 1) if ok else 0
        assert runs[j] == run
