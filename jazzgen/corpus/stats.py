"""What a corpus holds, as training will see it: the numbers behind ``jazzgen stats``."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass

from jazzgen.corpus.loader import Corpus, Progress, load_corpus
from jazzgen.music.notes import TICKS_PER_BEAT


@dataclass(frozen=True)
class CorpusStats:
    """Summary numbers of a loaded corpus."""

    corpus: Corpus
    notes: int
    bars: int
    with_chord: float  # share of notes with a chord sounding
    triplet_onsets: float  # share of notes starting on a triplet position
    swung_onsets: float  # share of off-beat eighths played late (2:1 swing)
    rest_share: float  # share of time with no melody note sounding
    pitch_range: tuple[int, int]
    tempo_range: tuple[float, float]
    median_tempo: float

    def lines(self) -> list[str]:
        """Human-readable report lines."""
        c = self.corpus
        return [
            f"Pieces: {len(c.pieces)} read, {len(c.skipped)} skipped",
            f"Notes: {self.notes} in {self.bars} bars",
            f"Notes under a chord symbol: {self.with_chord:.0%}",
            f"Triplet onsets: {self.triplet_onsets:.0%}; swung off-beat eighths: "
            f"{self.swung_onsets:.0%}; time resting: {self.rest_share:.0%}",
            f"Pitch range: {self.pitch_range[0]}..{self.pitch_range[1]} (MIDI)",
            f"Tempo: {self.tempo_range[0]:g}..{self.tempo_range[1]:g} BPM "
            f"(median {self.median_tempo:g})",
        ]


def corpus_stats(root: str | os.PathLike, track: str | int | None = None,
                 progress: Progress | None = None) -> CorpusStats:
    """Load ``root`` and measure it."""
    corpus = load_corpus(root, track=track, progress=progress)
    notes = [n for _, s in corpus.pieces for n in s.notes]
    bars = sum(len(s.bar_starts()) for _, s in corpus.pieces)
    chorded = sum(1 for _, s in corpus.pieces for n in s.notes if s.chord_at(n.start))
    beat = TICKS_PER_BEAT
    trip = sum(1 for n in notes if n.start % beat in (beat // 3, 2 * beat // 3))
    swung = sum(1 for n in notes if n.start % beat == 2 * beat // 3)
    sounding = sum(n.duration for n in notes)
    span = sum(s.end for _, s in corpus.pieces)
    tempos = [s.tempo for _, s in corpus.pieces]
    return CorpusStats(
        corpus=corpus, notes=len(notes), bars=bars,
        with_chord=chorded / max(len(notes), 1), triplet_onsets=trip / max(len(notes), 1),
        swung_onsets=swung / max(len(notes), 1), rest_share=1 - sounding / max(span, 1),
        pitch_range=(min(n.pitch for n in notes), max(n.pitch for n in notes)),
        tempo_range=(min(tempos), max(tempos)), median_tempo=statistics.median(tempos),
    )
