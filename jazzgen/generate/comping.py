"""Comping: rootless, voice-led voicings played in swing rhythm patterns."""

from __future__ import annotations

import numpy as np

from jazzgen.generate import dynamics
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.dynamics import BUSY, REST, Window
from jazzgen.music.chords import Chord, ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Note

COMP_LOW, COMP_HIGH = 48, 72
"""Comping register, C3..C5 in MIDI pitches (middle C = 60)."""
_COMP_CENTRE = 62.0
_STAB = 10
"""Length in ticks of a short comping stab (a detached eighth)."""

# Comping rhythms for one bar of 4/4, as (eighth-note slot, length in eighths); slot 2k is
# beat k+1 and slot 2k+1 its swung "and". Weights make the Charleston the usual figure.
_PATTERNS = (
    (((0, 3), (3, 1)), 4.0),  # Charleston: 1, and-of-2
    (((1, 2), (4, 2)), 1.5),  # reverse Charleston: and-of-1, 3
    (((2, 1), (6, 1)), 1.5),  # stabs on 2 and 4
    (((0, 2), (5, 1)), 1.5),  # 1, and-of-3
    (((3, 1), (6, 2)), 1.0),  # and-of-2, 4
    (((0, 4),), 1.0),  # half-bar hold
    (((2, 1), (5, 1), (7, 1)), 1.0),  # 2, and-of-3, and-of-4 stabs
)
_ANTICIPATE = 0.35
"""Chance that a chord is anticipated on the swung "and" of the beat before it."""


def guide_tones(chord: Chord) -> tuple[int, int]:
    """The chord's guide tones as pitch classes: (third, seventh).

    The third is +4 or +3 above the root (the 4th, else the 2nd, on sus chords). The
    seventh is +11 or +10, else the sixth +9 (which is also the bb7 of dim7), else the
    fifth (+7, +6, +8) for triads, which have no seventh.
    """
    rel = {(pc - chord.root) % 12 for pc in chord.pcs}
    q = chord.quality
    minor = (q.startswith("m") and not q.startswith("maj")) or q.startswith("dim")
    # A 7#9 spells its #9 as +3, so +3 is only the third when there is no major third.
    third = next((i for i in ((3, 4) if minor else (4, 3)) + (5, 2) if i in rel), 7)
    sevenths = (11, 10) if ("maj" in q or 10 not in rel) else (10, 11)
    seventh = next((i for i in sevenths + (9, 7, 6, 8) if i in rel and i != third), 0)
    return (chord.root + third) % 12, (chord.root + seventh) % 12


def voicing_pcs(chord: Chord) -> tuple[int, ...]:
    """Pitch classes of a rootless voicing: guide tones plus up to two colour tones."""
    third, seventh = ((g - chord.root) % 12 for g in guide_tones(chord))
    rel = {(pc - chord.root) % 12 for pc in chord.pcs}
    # The 11th colours a minor chord; over a major third it would clash a half step away.
    order = (2, 1, 3, 9, 6, 8) + ((5, 7) if third == 3 else (7, 5))
    colours = [i for i in order if i in rel and i not in (third, seventh)]
    altered = 1 in rel or 8 in rel or (3 in rel and third == 4)
    half_dim = third == 3 and 6 in rel
    # A plain seventh or sixth chord takes the natural 9th the way pianists add it.
    if 2 not in rel and not altered and not half_dim and seventh in (9, 10, 11):
        colours.insert(0, 2)
    chosen = [third, seventh] + colours[:2]
    if len(chosen) < 4:
        chosen.append(0)  # thin chords (triads, half-diminished) keep their root
    return tuple(sorted({(chord.root + i) % 12 for i in chosen}))


def _voicings(pcs: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every close and drop-2 voicing of ``pcs`` inside the comping register."""
    out = []
    for bottom in range(COMP_LOW, COMP_HIGH + 1):
        if bottom % 12 not in pcs:
            continue
        close = sorted(bottom + (pc - bottom) % 12 for pc in pcs)
        shapes = [close]
        if len(close) >= 4:
            shapes.append(sorted(close[:-2] + close[-1:] + [close[-2] - 12]))
        out.extend(tuple(s) for s in shapes if s[0] >= COMP_LOW and s[-1] <= COMP_HIGH)
    return out


def _voice_lead(pcs: tuple[int, ...], prev: tuple[int, ...] | None) -> tuple[int, ...]:
    """The voicing of ``pcs`` nearest ``prev`` (smooth voice leading), held near mid-register."""

    def cost(v: tuple[int, ...]) -> float:
        pull = abs(float(np.mean(v)) - _COMP_CENTRE)
        if prev is None:
            return pull
        if len(prev) == len(v):
            return sum(abs(a - b) for a, b in zip(v, prev, strict=True)) + 0.3 * pull
        return len(v) * abs(float(np.mean(v) - np.mean(prev))) + 0.3 * pull

    return min(_voicings(pcs), key=cost)


def comp_notes(
    changes: list[ChordChange],
    bars: list[tuple[int, int, int]],
    off_frac: float,
    cfg: BandConfig,
    rng: np.random.Generator,
    windows: tuple[Window, ...] | None = None,
) -> list[Note]:
    """Rhythmic comping: bar patterns, anticipations and voice-led voicings; with the solo's
    ``windows`` (``dynamics.listen``), thinned where the solo is busy, pushed where it rests."""
    idx_at = {t: i for i, c in enumerate(changes) for t in range(c.start, c.end)}
    hits: dict[int, tuple[int, int]] = {}  # onset -> (change index, nominal length)
    weights = np.array([w for _, w in _PATTERNS]) / sum(w for _, w in _PATTERNS)
    for start, length, beat in bars:
        off = round(off_frac * beat)
        if length == 4 * beat:
            pattern = _PATTERNS[rng.choice(len(_PATTERNS), p=weights)][0]
        else:  # other meters: beat 1 and one random swung off-beat
            pattern = ((0, 2), (int(rng.integers(length // beat)) * 2 + 1, 1))
        for slot, eighths in pattern:
            t = start + slot // 2 * beat + (slot % 2) * off
            if t in idx_at:
                hits[t] = (idx_at[t], _STAB if eighths == 1 else eighths * beat // 2)
    anticipated = set()
    for i in range(1, len(changes)):
        c, beat = changes[i], TICKS_PER_BEAT
        a = c.start - beat + round(off_frac * beat)
        joined = changes[i - 1].end == c.start and a >= changes[i - 1].start
        if joined and rng.random() < _ANTICIPATE:
            for t in [t for t in hits if c.start - beat <= t < c.start + beat]:
                del hits[t]
            hits[a] = (i, c.start - a + beat)
            anticipated.add(a)
    for i, c in enumerate(changes):  # every chord sounds at least once
        if not any(h[0] == i for h in hits.values()):
            hits[c.start] = (i, min(2 * TICKS_PER_BEAT, c.duration))
    louder: dict[int, int] = {}
    if windows:
        hits, louder = _listen(hits, windows, idx_at, off_frac)
    onsets = sorted(hits)
    notes, prev, prev_idx = [], None, -1
    for k, t in enumerate(onsets):
        i, length = hits[t]
        stop = min(t + length, changes[i].end, onsets[k + 1] if k + 1 < len(onsets) else t + length)
        if i != prev_idx:
            prev, prev_idx = _voice_lead(voicing_pcs(changes[i].chord), prev), i
        vel = cfg.comp_velocity + int(rng.integers(-8, 9)) + (6 if t in anticipated else 0)
        vel += louder.get(t, 0)
        notes.extend(Note(p, t, stop - t, int(np.clip(vel, 1, 127))) for p in prev)
    return notes


def _listen(
    hits: dict[int, tuple[int, int]],
    windows: tuple[Window, ...],
    idx_at: dict[int, int],
    off_frac: float,
) -> tuple[dict[int, tuple[int, int]], dict[int, int]]:
    """Comping hits shaped by the solo (the rule in ``dynamics``), and velocity changes by
    onset: busy windows keep one short, soft hit per chord; resting ones get a push."""
    out, louder = dict(hits), {}
    for w in windows:
        inside = sorted(t for t in out if w.start <= t < w.end)
        if w.state == BUSY:
            kept: set[int] = set()
            for t in inside:
                i, length = out.pop(t)
                if i not in kept:
                    kept.add(i)
                    out[t] = (i, min(length, dynamics.COMP_BUSY_LENGTH))
                    louder[t] = -dynamics.COMP_BUSY_SOFTER
        elif w.state == REST:
            louder.update((t, dynamics.COMP_REST_LOUDER) for t in inside)
            push = w.last_beat + round(off_frac * w.beat)  # replaces a hit there
            if push not in idx_at:
                continue
            nxt = idx_at.get(w.end)
            if nxt is None:  # nothing to anticipate: re-strike the chord sounding
                out[push] = (idx_at[push], _STAB)
            else:  # anticipate the next beat's chord, held over it
                for t in [t for t in out if push < t < w.end + w.beat and out[t][0] == nxt]:
                    del out[t]
                out[push] = (nxt, w.end + w.beat - push)
            louder[push] = dynamics.COMP_PUSH_LOUDER
    return out, louder
