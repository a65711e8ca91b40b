"""Infer chord changes from accompaniment parts (piano, guitar, bass) of plain MIDI files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from jazzgen.notes import TICKS_PER_BEAT, ChordChange, Part, Score, _signature_at

MIN_SHARE = 0.25  # a pitch must sound this share of the window to count as a chord tone


def infer_changes(
    score: Score, parts: Sequence[Part], window: int = 2 * TICKS_PER_BEAT
) -> tuple[ChordChange, ...]:
    """Chords per ``window`` ticks (default half a 4/4 bar) from the parts' sounding pitches.

    Windows start at bar lines. Equal neighbouring chords are merged into one change;
    windows with too little harmony give no chord.
    """
    notes = [n for p in parts if not p.is_drum for n in p.notes]
    if not notes:
        return ()
    from jazzgen.chord_scales import chord_from_pitches

    end = max(n.end for n in notes)
    starts = []
    for bar in score.bar_starts(end):
        sig, _ = _signature_at(score.time_signatures, bar)
        starts.extend(range(bar, min(bar + sig.bar_ticks, end), window))
    # Bucket notes by window so that long files stay linear.
    by_window: dict[int, list] = defaultdict(list)
    for n in notes:
        for w in range(n.start // window, (n.end - 1) // window + 1):
            by_window[w].append(n)
    changes: list[ChordChange] = []
    for ws in starts:
        we = ws + window
        weight: dict[int, int] = defaultdict(int)
        seen = {id(n): n for w in range(ws // window, (we - 1) // window + 1)
                for n in by_window.get(w, ())}
        for n in seen.values():
            overlap = min(n.end, we) - max(n.start, ws)
            if overlap <= 0:
                continue
            weight[n.pitch] = max(weight[n.pitch], overlap)
        if not weight:
            continue
        span = we - ws
        pitches = [p for p, w in weight.items() if w >= MIN_SHARE * span]
        lowest = min(weight)
        if lowest not in pitches:
            pitches.append(lowest)
        chord = chord_from_pitches(pitches)
        if chord is None:
            continue
        last = changes[-1] if changes else None
        if last is not None and last.end == ws and last.chord.pcs == chord.pcs \
                and last.chord.root == chord.root:
            changes[-1] = ChordChange(last.start, last.duration + span, last.chord)
        else:
            changes.append(ChordChange(ws, span, chord))
    return tuple(changes)

