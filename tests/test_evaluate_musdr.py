"""jazzgen.evaluate.musdr (MusDr metrics, harmony, copying) on tiny hand-built scores with
hand-worked values."""

import math

import pytest
from builders import line
from builders import raw_score as score

from jazzgen.errors import MetricError
from jazzgen.evaluate import musdr
from jazzgen.evaluate.musdr import (
    chord_progression_irregularity,
    chord_sequence,
    copy_rate,
    grooving_similarity,
    harmony_scores,
    pitch_class_entropy,
)
from jazzgen.music.chords import Chord
from jazzgen.music.notes import Note, Score, TimeSignature

BAR = 96
C, F, G = (Chord("C", 0, (0, 4, 7)), Chord("F", 5, (0, 5, 9)), Chord("G", 7, (2, 7, 11)))
C7 = Chord("C7", 0, (0, 4, 7, 10), "7")


# ---------------------------------------------------------------- pitch-class entropy


def test_h1_of_seven_scale_tones_is_log2_7():
    assert pitch_class_entropy(score(line([60, 62, 64, 65, 67, 69, 71])), 1) == \
        pytest.approx(math.log2(7))


def test_h1_of_octave_scale_counts_c_twice():
    # C twice, six others once: -(2/8 log2 2/8 + 6 * 1/8 log2 1/8) = 0.5 + 2.25.
    assert pitch_class_entropy(score(line([60, 62, 64, 65, 67, 69, 71, 72])), 1) == 2.75


def test_entropy_counts_notes_not_durations():
    assert pitch_class_entropy(score([(60, 0, 90), (62, 90, 6)]), 1) == pytest.approx(1.0)


def test_entropy_windows_stride_one_bar_and_skip_empty_windows():
    # Bar 0: C D (1 bit); bar 1: empty; bar 2: C C (0 bits).
    s = score([(60, 0, 24), (62, 24, 24), (60, 2 * BAR, 24), (72, 2 * BAR + 24, 24)])
    assert pitch_class_entropy(s, 1) == pytest.approx(0.5)  # two windows, not three
    assert pitch_class_entropy(s, 2) == pytest.approx(0.5)  # {C, D} and {C, C}
    # Window longer than the piece: the whole piece, C x3 and D x1.
    whole = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert pitch_class_entropy(s, 4) == pytest.approx(whole)


def test_entropy_rejects_bad_input():
    with pytest.raises(ValueError):
        pitch_class_entropy(score(line([60])), 0)
    with pytest.raises(MetricError):
        pitch_class_entropy(Score(notes=()), 1)


# ---------------------------------------------------------------- grooving similarity


def test_repeated_identical_bar_has_gs_one():
    bar = [(60, 0, 12), (62, 16, 8), (64, 36, 12), (65, 72, 24)]
    s = score([(p, b * BAR + t, d) for b in range(4) for p, t, d in bar])
    assert grooving_similarity(s) == 1.0


def test_gs_counts_xor_on_64_positions():
    # Onsets {0, 24} vs {0, 36}: positions {0, 16} vs {0, 24}, two differ of 64.
    s = score([(60, 0, 24), (60, 24, 24), (60, BAR, 36), (60, BAR + 36, 24)])
    assert grooving_similarity(s) == pytest.approx(1 - 2 / 64)


def test_gs_grid_separates_swing_eighth_from_sixteenth():
    # Tick 16 (triplet) -> position 11, tick 18 (16th) -> position 12.
    s = score([(60, 16, 8), (60, BAR + 18, 6)])
    assert grooving_similarity(s) == pytest.approx(1 - 2 / 64)
    same = score([(60, 16, 8), (60, BAR + 16, 8)])
    assert grooving_similarity(same) == 1.0


def test_gs_averages_over_all_pairs_including_empty_bars():
    # Bars: {0}, {}, {0}: pairs differ by 1, 0, 1 positions.
    s = score([(60, 0, 24), (60, 2 * BAR, 24)])
    assert grooving_similarity(s) == pytest.approx(1 - (2 / 3) / 64)


def test_gs_follows_meter_changes_and_clips_long_bars_to_64_positions():
    # 4/4, one 5/4 bar, 4/4: onsets at the downbeat and at the bar's last 16th or later.
    sigs = (TimeSignature(0), TimeSignature(96, 5, 4), TimeSignature(216))
    notes = [(60, 0, 24), (62, 95, 1),  # positions 0, 63
             (60, 96, 24), (62, 192, 24),  # 5/4 bar: 0 and beat 5 (position 64 -> 63)
             (60, 216, 24), (62, 311, 1)]  # positions 0, 63
    s = Score(notes=tuple(Note(p, t, d) for p, t, d in notes), time_signatures=sigs)
    assert grooving_similarity(s) == 1.0


def test_gs_needs_two_bars():
    with pytest.raises(MetricError):
        grooving_similarity(score([(60, 0, 24)]))


# ---------------------------------------------------------------- chord progression irregularity


def test_cpi_none_without_chords():
    assert chord_progression_irregularity(score(line([60, 62]))) is None


def test_cpi_of_a_repeated_three_chord_cycle():
    # C F G x3, one bar each: 9 events, 6 trigrams counted (MusDr), 3 distinct.
    changes = [(ch, i * BAR, BAR) for i, ch in enumerate([C, F, G] * 3)]
    s = score(line([60]), changes)
    assert chord_progression_irregularity(s) == 0.5


def test_held_chord_is_repeated_each_bar():
    # C for five bars -> five events C C C C C -> 2 trigrams counted, both C C C.
    s = score(line([60]), [(C, 0, 5 * BAR)])
    assert len(chord_sequence(s)) == 5
    assert chord_progression_irregularity(s) == 0.5


def test_chord_repeats_only_on_a_downbeat_after_four_beats():
    # C 2 beats, F from beat 3 for 8 beats, G 2 beats: F again on bar 3's downbeat only.
    s = score(line([60]), [(C, 0, 48), (F, 48, 192), (G, 240, 48)])
    assert [c[0] for c in chord_sequence(s)] == [0, 5, 5, 7]


def test_same_chord_written_twice_is_one_event():
    s = score(line([60]), [(C, 0, 48), (C, 48, 48), (F, 96, 96)])
    assert [c[0] for c in chord_sequence(s)] == [0, 5]
    assert chord_progression_irregularity(s) == 1.0


# ---------------------------------------------------------------- harmony


def test_harmony_scores_with_stub_chord_scale(monkeypatch):
    # The chord scale comes from the stub (mixolydian on every root), not jazzgen.music.scales:
    # patched where harmony_scores looks it up.
    asked = []

    def mixolydian(chord):
        asked.append(chord.symbol)
        return tuple((chord.root + i) % 12 for i in (0, 2, 4, 5, 7, 9, 10))

    monkeypatch.setattr(musdr, "chord_scale", mixolydian)
    notes = [(60, 0, 24),   # C: chord tone
             (62, 24, 24),  # D: scale tone
             (61, 48, 12),  # C#: neither
             (66, 60, 12),  # off the beat: not counted
             (64, 72, 24),  # E: chord tone
             (61, 120, 24)]  # on a beat but after the chord: not counted
    out = harmony_scores(score(notes, [(C7, 0, BAR)]))
    assert out["on_beat_notes"] == 4
    assert out["chord_tones"] == 2 and out["chord_or_scale_tones"] == 3
    assert out["chord_tone_share"] == 0.5 and out["chord_or_scale_share"] == 0.75
    assert asked == ["C7"]  # the stub was used, once for the one chord
    assert harmony_scores(score(notes))["chord_tone_share"] is None


# ---------------------------------------------------------------- copying


TRAIN_LINE = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 62, 64, 62, 60, 64]


def test_copy_rate_of_a_transposed_verbatim_copy_is_one():
    training = [score(line(TRAIN_LINE)), score(line([50, 51, 52]))]
    out = copy_rate([score(line([p + 5 for p in TRAIN_LINE]))], training, n=8)
    assert out["rate"] == 1.0
    assert out["windows"] == len(TRAIN_LINE) - 8
    assert out["longest_run_notes"] == len(TRAIN_LINE)


def test_copy_rate_of_a_new_line_is_zero():
    new = [60, 67, 55, 70, 49, 61, 73, 58, 66, 54, 71, 60]  # leaps never in the training line
    out = copy_rate([score(line(new))], [score(line(TRAIN_LINE))], n=8)
    assert out["rate"] == 0.0 and out["copied"] == 0
    assert out["longest_run_notes"] == 0


def test_copy_rate_finds_the_longest_copied_stretch():
    # Ten training notes, then leaps: 10 copied notes, 9 intervals.
    gen = TRAIN_LINE[:10] + [70, 55, 72, 50]
    out = copy_rate([score(line(gen))], [score(line(TRAIN_LINE))], n=4)
    assert out["longest_run_notes"] == 10
    assert out["copied"] == 6  # windows starting at notes 0..5 lie inside the copy
    assert copy_rate([score(line([60, 62]))], [score(line(TRAIN_LINE))])["rate"] is None
