"""jazzgen.corpus.stats: what a corpus holds as training sees it, counted by hand."""

from __future__ import annotations

import pytest
from builders import make_score, motif_line, write_scores

from jazzgen.corpus.stats import corpus_stats

# A swung bar: two swung eighth pairs, an eighth-note triplet, a beat's rest, then a quarter
# note in bar 2. The F7 comes in on beat 2: the first two notes have no chord.
SWUNG = [(60, 0, 16), (62, 16, 8), (64, 24, 16), (65, 40, 8),
         (67, 48, 8), (69, 56, 8), (71, 64, 8), (72, 96, 24)]


@pytest.fixture
def two_pieces(tmp_path):
    straight = motif_line("straight", bars=4)  # 32 straight eighths under chords, no rests
    swung = make_score(SWUNG, [("F7", 24, 72)], tempo=180.0, title="swung")
    folder = write_scores(tmp_path / "c", [straight, swung])
    (folder / "junk.mid").write_bytes(b"not a MIDI file")
    return folder


def test_counts_match_the_hand_worked_values(two_pieces):
    s = corpus_stats(two_pieces)
    assert (len(s.corpus.pieces), len(s.corpus.skipped)) == (2, 1)
    assert (s.notes, s.bars) == (40, 4 + 2)
    assert s.with_chord == pytest.approx(38 / 40)  # all but the two notes before the F7
    assert s.triplet_onsets == pytest.approx(4 / 40)  # ticks 16, 40, 56, 64 of the swung bar
    assert s.swung_onsets == pytest.approx(3 / 40)  # 16, 40 and 64: the late "ands"
    assert s.rest_share == pytest.approx(1 - (32 * 12 + 96) / (384 + 120))
    assert s.pitch_range == (59, 72)
    assert (s.tempo_range, s.median_tempo) == ((120.0, 180.0), 150.0)


def test_report_lines(two_pieces):
    lines = corpus_stats(two_pieces).lines()
    assert lines[0] == "Pieces: 2 read, 1 skipped"
    assert lines[1] == "Notes: 40 in 6 bars"
    assert lines[2] == "Notes under a chord symbol: 95%"
    assert lines[-2:] == ["Pitch range: 59..72 (MIDI)", "Tempo: 120..180 BPM (median 150)"]
