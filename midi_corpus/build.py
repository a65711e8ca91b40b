"""Compile the jazzgen corpus sources (``midi_corpus/src/*.txt``) to type-1 MIDI files.

Run from the repository root as ``python -m midi_corpus.build`` (``make corpus``); the
notation is described in ``midi_corpus/README.md``. Times are worked out on jazzgen's
24-ticks-per-beat grid and written through the package's MIDI writer
(``jazzgen.io.midi.score_to_bytes``), so the corpus files are what jazzgen itself writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jazzgen.io.atomic import write_bytes
from jazzgen.io.midi import score_to_bytes
from jazzgen.music.chords import Chord, ChordChange, parse_chord
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Part, Score
from jazzgen.music.swing import swing_map
from midi_corpus.notation import (
    BAR_TICKS,
    CorpusSourceError,
    Event,
    Tune,
    parse_bar,
    parse_duration,
    parse_file,
    parse_pitch,
    parse_text,
)

__all__ = [
    "CorpusSourceError",
    "build",
    "compile_file",
    "parse_bar",
    "parse_duration",
    "parse_file",
    "parse_pitch",
    "parse_text",
    "to_score",
]

SWING_RATIO = 2 / 3
"""Where a swung eighth falls in the beat: 2:1, the corpus sources' ``swing: 2:1``."""
# Which chord tones a voicing keeps first: 3rds, 7ths/6th, then colour tones.
_VOICING_ORDER = (4, 3, 10, 11, 9, 7, 1, 8, 2, 6, 5, 0)


def swing_bar(starts: list[int], swing: bool) -> dict[int, int]:
    """Map written (straight) boundaries of one bar to played ticks.

    A beat split only at its midpoint (plain eighths) is swung 2:1, so the midpoint moves
    from 12 to 16 ticks; a beat holding triplets or sixteenths is played as written. This is
    the package's swing rule (``jazzgen.music.swing.swing_map``) on written eighths.
    """
    if not swing:
        return {p: p for p in starts}
    return swing_map(starts, SWING_RATIO, positions=(TICKS_PER_BEAT // 2,))


def _velocity(event: Event, start_in_beat: int, pitch_next: int | None) -> int:
    """A simple, repeatable dynamic: higher notes louder, off-beat notes before a rest
    pushed (the usual swing accent), ``>`` accented, ``(..)`` ghosted."""
    if event.ghost:
        return 52
    if event.accent:
        return 106
    assert event.pitch is not None
    vel = 80 + max(-6, min(8, (event.pitch - 67) // 2))
    if start_in_beat and pitch_next is None:
        vel += 8
    return vel


def solo_notes(tune: Tune) -> tuple[Note, ...]:
    """The solo line in jazzgen ticks, swing applied and ties merged."""
    played: list[tuple[Event, int, int, int]] = []  # event, start, end, start within beat
    offset = 0
    for chorus in tune.choruses:
        for bar in chorus:
            bounds = [0]
            for e in bar.events:
                bounds.append(bounds[-1] + e.ticks)
            tmap = swing_bar(bounds, tune.swing)
            for e, a, b in zip(bar.events, bounds, bounds[1:], strict=False):
                played.append((e, offset + tmap[a], offset + tmap[b], a % TICKS_PER_BEAT))
            offset += BAR_TICKS
    notes: list[Note] = []
    i = 0
    while i < len(played):
        event, start, end, in_beat = played[i]
        j = i
        while played[j][0].tie:
            nxt = played[j + 1][0] if j + 1 < len(played) else None
            if nxt is None or nxt.pitch != event.pitch:
                raise CorpusSourceError(f"{tune.path.name}: tie from pitch {event.pitch} "
                                        f"is not followed by the same pitch")
            j += 1
            end = played[j][2]
        if event.pitch is not None:
            nxt_pitch = played[j + 1][0].pitch if j + 1 < len(played) else None
            notes.append(Note(event.pitch, start, end - start, _velocity(event, in_beat,
                                                                         nxt_pitch)))
        i = j + 1
    return tuple(notes)


def chord_changes(tune: Tune) -> tuple[ChordChange, ...]:
    """The form repeated once per chorus, with repeated symbols merged into one change."""
    spans: list[tuple[int, int, str]] = []
    offset = 0
    for _ in tune.choruses:
        for bar in tune.form:
            step = BAR_TICKS // len(bar)
            for k, symbol in enumerate(bar):
                start = offset + k * step
                if spans and spans[-1][2] == symbol:
                    spans[-1] = (spans[-1][0], start + step, symbol)
                else:
                    spans.append((start, start + step, symbol))
            offset += BAR_TICKS
    return tuple(ChordChange(a, b - a, parse_chord(s)) for a, b, s in spans)


def voicing(chord: Chord) -> tuple[int, ...]:
    """A plain block voicing: bass note in E2..Eb3, up to four other chord tones close in
    E3..Eb4, guide tones (3rd, 7th) first so a seven-note ``7alt`` stays a playable chord."""
    bass_pc = chord.root if chord.bass is None else chord.bass
    bass = 36 + bass_pc if bass_pc >= 4 else 48 + bass_pc
    upper = [pc for pc in chord.pcs if pc != bass_pc]
    upper.sort(key=lambda pc: _VOICING_ORDER.index((pc - chord.root) % 12))
    return (bass, *sorted(52 + (pc - 4) % 12 for pc in upper[:4]))


def to_score(tune: Tune) -> Score:
    """The tune as a jazzgen Score: solo notes, chord changes and a Chords part."""
    changes = chord_changes(tune)
    comp = sorted(
        (Note(p, c.start, c.duration, 50) for c in changes for p in voicing(c.chord)),
        key=lambda n: (n.start, n.pitch),
    )
    return Score(
        notes=solo_notes(tune),
        changes=changes,
        tempo=tune.tempo,
        title=tune.title,
        parts=(Part("Chords", tuple(comp), program=0, channel=1),),
    )


def compile_file(src: Path) -> bytes:
    """Compile one source file to MIDI bytes (byte-for-byte repeatable)."""
    tune = parse_file(src)
    return score_to_bytes(to_score(tune), solo_program=tune.program)


def build(src_dir: Path, out_dir: Path) -> list[Path]:
    """Compile every ``*.txt`` in ``src_dir`` to ``out_dir/<name>.mid``; returns the paths.

    Everything is compiled before anything is written, so a bad source leaves the folder as it
    was.
    """
    compiled = [(src.stem, compile_file(src)) for src in sorted(Path(src_dir).glob("*.txt"))]
    return [write_bytes(Path(out_dir) / f"{stem}.mid", data) for stem, data in compiled]


def main() -> int:
    """Rebuild ``midi_corpus/*.mid`` from ``midi_corpus/src`` and print a summary."""
    here = Path(__file__).resolve().parent
    try:
        paths = build(here / "src", here)
    except CorpusSourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    tunes = [parse_file(here / "src" / f"{p.stem}.txt") for p in paths]
    choruses = sum(len(t.choruses) for t in tunes)
    notes = sum(t.note_count for t in tunes)
    print(f"built {len(paths)} files: {choruses} choruses, {notes} notes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
