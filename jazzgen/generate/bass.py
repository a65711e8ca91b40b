"""Walking bass: the root (or slash bass) on each chord, steps and approach notes between."""

from __future__ import annotations

import numpy as np

from jazzgen.generate.band_config import BandConfig
from jazzgen.music.chords import Chord, ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Note

BASS_LOW, BASS_HIGH = 28, 55
"""Walking-bass register, E1..G3."""
_BASS_CENTRE = 40.0


def _scale(chord: Chord) -> set[int]:
    """Chord tones plus the passing steps a bassist walks through (2nd, 4th, 6th)."""
    rel = {(pc - chord.root) % 12 for pc in chord.pcs}
    if not ({1, 3} & rel and 4 in rel) and 1 not in rel:
        rel.add(2)
    if not (6 in rel and 7 in rel):
        rel.add(5)
    if 8 not in rel:
        rel.add(9)
    return {(chord.root + i) % 12 for i in rel}


def _bass_pc(chord: Chord) -> int:
    """The pitch class the bass plays on a chord's first beat: the slash bass, else the root."""
    return chord.root if chord.bass is None else chord.bass


def _nearest(pc: int, ref: float) -> int:
    """The pitch of class ``pc`` in the bass register nearest ``ref``."""
    key = lambda p: (p % 12 != pc, abs(p - ref), abs(p - _BASS_CENTRE))  # noqa: E731
    return min(range(BASS_LOW, BASS_HIGH + 1), key=key)


def _approach(cur: int, target_pc: int, steps: int, rng: np.random.Generator) -> tuple[int, int]:
    """The next chord's bass pitch and the approach note before it, ``steps`` beats on."""
    # A chord of three or more beats has room to steer the line back to mid-register.
    ref = cur if steps == 1 else (cur + _BASS_CENTRE) / 2
    target = _nearest(target_pc, ref)
    options = [
        p
        for p in (target - 1, target + 1, target + 7)
        if BASS_LOW <= p <= BASS_HIGH and abs(p - cur) <= 7 * steps
    ]
    # half-step approaches are the norm; the dominant (5th above) approach is rarer
    odds = np.array(
        [(1.0 if abs(p - target) == 1 else 0.5) / (1 + abs(p - ref) / 3) for p in options]
    )
    return target, options[rng.choice(len(options), p=odds / odds.sum())]


def _walk(
    start: int, count: int, goal: int | None, chord: Chord, rng: np.random.Generator
) -> list[int]:
    """``count`` walking notes after ``start`` by chord tones and steps, able to reach ``goal``."""
    scale, tones, line = _scale(chord), set(chord.pcs), [start]
    for k in range(count):
        left = count - k  # steps from this note to the goal

        def fits(p: int, left: int = left) -> bool:
            near_goal = goal is None or (abs(p - goal) <= 7 * left and p != goal)
            return BASS_LOW <= p <= BASS_HIGH and p != line[-1] and near_goal

        cands = [p for p in range(line[-1] - 7, line[-1] + 8) if fits(p) and p % 12 in scale]
        if not cands:  # no scale tone fits between here and the goal: go chromatic
            cands = [p for p in range(line[-1] - 7, line[-1] + 8) if fits(p)]
        # small steps, chord tones, mid-register, and on the last step closeness to the goal
        w = np.array(
            [
                (2.0 if p % 12 in tones else 1.0)
                / (1 + abs(p - line[-1])) ** 2
                / (1 + ((p - _BASS_CENTRE) / 8) ** 2)
                / (1 + (abs(p - goal) / 3 if goal is not None and left == 1 else 0))
                for p in cands
            ]
        )
        line.append(cands[rng.choice(len(cands), p=w / w.sum())])
    return line[1:]


def bass_notes(
    changes: list[ChordChange],
    beats: list[int],
    off_frac: float,
    cfg: BandConfig,
    rng: np.random.Generator,
) -> list[Note]:
    """Walking quarter notes: root on each chord, approach notes into the next."""
    notes: list[Note] = []
    cur: int | None = None
    planned: int | None = None
    for i, c in enumerate(changes):
        onsets = [c.start] + [b for b in beats if c.start < b < c.end]
        joined = i > 0 and changes[i - 1].end == c.start
        if not (joined and planned is not None):
            cur = _nearest(_bass_pc(c.chord), cur or _BASS_CENTRE)
        else:
            cur = planned
        nxt = changes[i + 1] if i + 1 < len(changes) and changes[i + 1].start == c.end else None
        planned = approach = None
        if nxt is not None and len(onsets) >= 2:
            planned, approach = _approach(cur, _bass_pc(nxt.chord), len(onsets) - 1, rng)
        elif nxt is not None:
            planned = _nearest(_bass_pc(nxt.chord), cur)
        walk = len(onsets) - 1 - (approach is not None)
        line = [cur] + _walk(cur, walk, approach, c.chord, rng)
        line += [] if approach is None else [approach]
        for k, (t, p) in enumerate(zip(onsets, line, strict=True)):
            stop = onsets[k + 1] if k + 1 < len(onsets) else c.end
            vel = int(np.clip(cfg.bass_velocity + rng.integers(-6, 7), 1, 127))
            skip = t + round(off_frac * (stop - t))
            if 0 < k < walk and stop - t == TICKS_PER_BEAT and rng.random() < 0.08:
                # a swung eighth "skip": the note re-struck softly on the off-beat
                notes.append(Note(p, t, skip - t - 1, vel))
                notes.append(Note(p, skip, stop - skip - 1, max(1, vel - 25)))
            else:
                notes.append(Note(p, t, max(1, stop - t - 1), vel))
        cur = line[-1]
    return notes
