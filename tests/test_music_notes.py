"""jazzgen.music.notes, the value types: validation, bars, monophonic reduction, transposition,
and long silences cut."""

import pytest
from builders import make_score
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.errors import InvalidValueError
from jazzgen.music.notes import (
    MAX_SILENCE_BARS,
    Note,
    Part,
    Score,
    TimeSignature,
    bar_count,
    bar_meters,
    bar_spans,
    cut_silence,
    length_in_bars,
    monophonic,
    signature_at,
)


def test_note_rejects_bad_values():
    with pytest.raises(ValueError, match="duration"):
        Note(60, 0, 0)
    with pytest.raises(ValueError, match="pitch"):
        Note(128, 0, 1)
    with pytest.raises(ValueError, match="start"):
        Note(60, -1, 1)


def test_bar_position_follows_a_meter_change():
    # two bars of 4/4 (96 ticks each), then 3/4 bars of 72 ticks
    score = Score(notes=(Note(60, 0, 24),),
                  time_signatures=(TimeSignature(0), TimeSignature(192, 3, 4)))
    assert score.bar_position(100) == 4
    assert score.bar_position(192 + 72 + 5) == 5
    assert score.bar_starts(400) == [0, 96, 192, 264, 336]


def test_monophonic_keeps_highest_and_cuts_overlaps():
    notes = [Note(60, 0, 48), Note(64, 0, 24), Note(62, 24, 24), Note(65, 49, 10)]
    line = monophonic(notes, merge_gap=2)
    assert [(n.pitch, n.start, n.duration) for n in line] == [
        (64, 0, 24), (62, 24, 25), (65, 49, 10)]  # the 1-tick gap closed


def test_transpose_moves_notes_and_chords():
    s = make_score([(60, 0, 24)], [("Bb7", 0, 96)]).transpose(2)
    assert s.notes[0].pitch == 62
    assert s.changes[0].chord.root == 0
    assert s.changes[0].chord.symbol == "C7"
    assert set(s.changes[0].chord.pcs) == {0, 4, 7, 10}


# ---------------------------------------------------------------- bars, and silences cut


def test_bar_count_counts_bars_without_listing_them():
    score = Score(notes=(Note(60, 0, 24),),
                  time_signatures=(TimeSignature(0), TimeSignature(192, 3, 4)))
    assert [bar_count(score, end) for end in (0, 1, 96, 97, 192, 193, 400)] == \
        [len(score.bar_starts(end)) for end in (0, 1, 96, 97, 192, 193, 400)] == \
        [0, 1, 1, 2, 2, 3, 5]
    assert bar_count(Score(notes=(Note(60, 0, 24),)), 96 * 10 ** 9) == 10 ** 9
    assert bar_meters(score, 400) == [(t, signature_at(score.time_signatures, t)[0])
                                      for t in score.bar_starts(400)]


def test_length_in_bars_counts_the_parts_and_very_long_bars():
    score = Score(notes=(Note(60, 0, 24),), parts=(Part("Bass", (Note(36, 0, 96 * 10),)),))
    assert length_in_bars(score) == 10  # the bass sounds for ten bars
    wide = Score(notes=(Note(60, 0, 24 * 255 * 4),), time_signatures=(TimeSignature(0, 255, 1),))
    assert bar_count(wide, wide.end) == 1 and length_in_bars(wide) == 255 // 2 + 1


BAR = 96
LIMIT = MAX_SILENCE_BARS * BAR


def test_silences_up_to_the_limit_are_kept_exactly():
    score = make_score([(60, LIMIT, 24), (62, LIMIT + 24 + LIMIT, 24)],
                       [("C7", 0, 24), ("F7", 2 * LIMIT + 24, 24)])
    assert cut_silence(score) is score


def test_a_longer_silence_is_cut_by_whole_bars_to_the_limit():
    score = make_score([(60, 0, 24), (62, 24 + LIMIT + 5 * BAR + 10, 24)],
                       [("C7", 0, 24 + LIMIT + 5 * BAR + 34)])
    cut = cut_silence(score)
    # 16 bars and 490 ticks of silence: six whole bars go
    assert [(n.pitch, n.start, n.duration) for n in cut.notes] == [
        (60, 0, 24), (62, score.notes[1].start - 6 * BAR, 24)]
    assert cut.notes[1].start - cut.notes[0].end <= LIMIT
    assert cut.bar_position(cut.notes[1].start) == score.bar_position(score.notes[1].start)
    assert cut.changes[0].end == cut.notes[1].end  # the chord over the silence shrinks too


def test_a_note_after_2_to_the_40_ticks_lands_within_the_limit():
    far = 2 ** 40 + 7
    score = make_score([(60, 0, 24), (62, far, 24), (64, far + 24, 24)])
    cut = cut_silence(score)
    assert cut.notes[1].start - cut.notes[0].end <= LIMIT
    assert cut.notes[2].start - cut.notes[1].start == 24
    assert cut.bar_position(cut.notes[1].start) == far % BAR
    assert len(cut.bar_starts()) <= MAX_SILENCE_BARS + 2 and len(bar_spans(cut)) == \
        len(cut.bar_starts())


def test_leading_silence_counts_like_any_other():
    kept = make_score([(60, LIMIT - 1, 24)])
    assert cut_silence(kept) is kept
    cut = cut_silence(make_score([(60, 100 * BAR + 12, 24)]))
    assert cut.notes[0].start == 15 * BAR + 12


def test_a_chord_change_or_a_sounding_part_breaks_a_silence():
    chords = make_score([(60, 0, 24), (62, 30 * BAR, 24)], [("C7", 15 * BAR, 24)])
    assert cut_silence(chords) is chords  # 15 bars, a chord, then 15 bars: no silence too long
    bass = Score(notes=chords.notes, parts=(Part("Bass", (Note(36, 0, 30 * BAR),)),))
    assert cut_silence(bass) is bass
    drums = Score(notes=chords.notes, parts=(Part("Drums", (Note(36, 10 * BAR, 1),),
                                                  is_drum=True),))
    assert cut_silence(drums).notes[1].start == 30 * BAR - 4 * BAR  # 20 bars less a tick


def test_every_part_moves_with_the_melody():
    score = Score(notes=(Note(60, 0, 24), Note(62, 1000 * BAR, 24)),
                  parts=(Part("Piano", (Note(48, 0, 96), Note(50, 1000 * BAR, 96))),))
    cut = cut_silence(score)
    assert cut.parts[0].notes[1].start == cut.notes[1].start
    assert cut.parts[0].notes[0] == score.parts[0].notes[0]


def test_meters_inside_a_silence_keep_their_bars_nearest_the_music_after_it():
    sigs = (TimeSignature(0), TimeSignature(50 * BAR, 3, 4), TimeSignature(50 * BAR + 100 * 72))
    score = Score(notes=(Note(60, 0, 24), Note(62, 50 * BAR + 100 * 72 + 5 * BAR, 24)),
                  time_signatures=sigs)
    cut = cut_silence(score)
    # the last 4/4 stretch keeps its five bars, the 3/4 stretch 14 bars (of 4 beats at most,
    # so 10.5 of the 11 bars left), the first stretch the rest of the note's bar, so that the
    # 3/4 bars still begin on a bar line
    assert [(s.start, s.numerator) for s in cut.time_signatures] == [
        (0, 4), (96, 3), (96 + 14 * 72, 4)]
    assert cut.notes[1].start == 96 + 14 * 72 + 5 * BAR
    assert cut.bar_position(cut.notes[1].start) == 0
    three = Score(notes=(Note(60, 0, 24), Note(62, 96 * 100 + 200 * 72, 24)),
                  time_signatures=(TimeSignature(0), TimeSignature(96 * 100, 3, 4),
                                   TimeSignature(96 * 100 + 100 * 72, 2, 4)))
    assert [s.start for s in cut_silence(three).time_signatures] == [0, 96]  # 3/4 goes whole


def test_a_meter_change_long_after_the_music_comes_closer():
    score = Score(notes=(Note(60, 0, 24),),
                  time_signatures=(TimeSignature(0), TimeSignature(10 ** 9, 3, 4)))
    cut = cut_silence(score)
    assert cut.time_signatures[1].start <= 24 + LIMIT and cut.notes == score.notes


def test_the_longest_silence_must_be_a_bar_or_more():
    with pytest.raises(InvalidValueError, match="at least|>= 1 bar"):
        cut_silence(make_score([(60, 0, 24)]), max_bars=0)


NOTES = st.lists(st.tuples(st.integers(0, 2 ** 34), st.integers(1, 3 * BAR)), min_size=1,
                 max_size=12)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(NOTES, NOTES, st.lists(st.tuples(st.integers(1, 2 ** 34), st.sampled_from(
    ((4, 4), (3, 4), (5, 8), (1, 4), (12, 8), (7, 2)))), max_size=3))
def test_cutting_silences_keeps_order_lengths_and_bar_positions(melody, part, meters):
    sigs = {0: TimeSignature(0)} | {t: TimeSignature(t, n, d) for t, (n, d) in meters}
    score = Score(notes=monophonic([Note(60, s, d) for s, d in melody]),
                  time_signatures=tuple(sigs[t] for t in sorted(sigs)),
                  parts=(Part("Piano", tuple(Note(48, s, d) for s, d in sorted(part))),))
    cut = cut_silence(score)
    assert cut_silence(cut) == cut  # nothing left to cut
    for before, after in ((score.notes, cut.notes), (score.parts[0].notes, cut.parts[0].notes)):
        assert [n.duration for n in after] == [n.duration for n in before]
        assert [score.bar_position(n.start) for n in before] == \
            [cut.bar_position(n.start) for n in after]
        gaps = [b.start - a.start for a, b in zip(before, before[1:], strict=False)]
        assert all(0 <= b.start - a.start <= gap for a, b, gap in zip(
            after, after[1:], gaps, strict=False))
    assert max(_silences(cut)) <= (MAX_SILENCE_BARS + len(meters)) * 14 * 24  # bars <= 7/2
    assert cut.time_signatures[0].start == 0
    if max(_silences(score)) <= LIMIT and not meters:
        assert cut == score


def _silences(score: Score) -> list[int]:
    """Ticks of every stretch where no note of the melody or a part sounds."""
    reach, out = 0, [0]
    for start, end in sorted((n.start, n.end) for n in (*score.notes, *score.parts[0].notes)):
        out.append(start - reach)
        reach = max(reach, end)
    return out


def test_cut_notes_drops_what_starts_late_and_cuts_what_rings_on():
    from jazzgen.music.notes import cut_notes

    notes = (Note(60, 0, 24), Note(62, 24, 48), Note(64, 72, 24))
    assert cut_notes(notes, 48) == (Note(60, 0, 24), Note(62, 24, 24))
    assert cut_notes(notes, 96) == notes
    assert cut_notes(notes, 0) == ()


def test_cut_score_cuts_melody_parts_and_changes_at_one_tick():
    from jazzgen.music.chords import ChordChange, parse_chord
    from jazzgen.music.notes import Part, Score, cut_score

    score = Score((Note(60, 0, 24), Note(62, 24, 48), Note(64, 96, 24)),
                  (ChordChange(0, 96, parse_chord("C7")), ChordChange(96, 96, parse_chord("F7"))),
                  parts=(Part("Bass", (Note(36, 0, 96), Note(41, 96, 96)), 33, 1),))
    cut = cut_score(score, 48)
    assert cut.notes == (Note(60, 0, 24), Note(62, 24, 24))
    assert cut.changes == (ChordChange(0, 48, parse_chord("C7")),)
    assert cut.parts[0].notes == (Note(36, 0, 48),) and cut.parts[0].program == 33
    assert cut_score(score, 1000) == score
