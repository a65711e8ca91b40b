"""The backing band written under a solo: comping, walking bass and swing drums.

Works on ``jazzgen.notes`` values only (integer ticks, 24 per beat). All randomness comes
from the ``numpy.random.Generator`` passed in, so the same seed gives the same band.

Count-in: ticks cannot be negative, so with ``BandConfig(count_in=True)`` the drums click
the beats of bar ``[0, count_in_ticks(sigs))`` and the groove starts after it. The caller
must already have shifted the solo and the changes one bar later (``make_band`` refuses
changes that start inside the count-in bar). The clicks come in the "Drums" part even when
``drums=False``, since the soloist needs them either way.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from jazzgen.notes import NO_CHORD, TICKS_PER_BEAT, Chord, ChordChange, Note, Part, TimeSignature

COMP_CHANNEL, BASS_CHANNEL, DRUM_CHANNEL = 1, 2, 9
COMP_LOW, COMP_HIGH = 48, 72
"""Comping register, C3..C5 in MIDI pitches (middle C = 60)."""
BASS_LOW, BASS_HIGH = 28, 55
"""Walking-bass register, E1..G3."""
KICK, SIDE_STICK, SNARE, PEDAL_HAT = 36, 37, 38, 44
_COMP_CENTRE, _BASS_CENTRE = 62.0, 40.0
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


class BandError(ValueError):
    """The changes, meter or settings cannot be played by the band."""


@dataclass(frozen=True)
class BandConfig:
    """Which instruments play, their GM programs, the swing ratio and velocities."""

    piano: bool = True
    bass: bool = True
    drums: bool = True
    comp_program: int = 0
    bass_program: int = 32
    swing: float = 2 / 3
    count_in: bool = False
    comp_velocity: int = 62
    bass_velocity: int = 86
    drums_velocity: int = 100
    ride: int = 51
    feather_kick: bool = False

    def __post_init__(self) -> None:
        if not 0.5 <= self.swing <= 0.8:
            raise BandError(f"swing must be 0.5..0.8 of the beat, got {self.swing}")
        for name in ("comp_program", "bass_program", "ride"):
            if not 0 <= getattr(self, name) <= 127:
                raise BandError(f"{name} must be 0..127, got {getattr(self, name)}")
        for name in ("comp_velocity", "bass_velocity", "drums_velocity"):
            if not 20 <= getattr(self, name) <= 120:
                raise BandError(f"{name} must be 20..120, got {getattr(self, name)}")


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


def _grid(sigs: tuple[TimeSignature, ...], end: int) -> list[tuple[int, int, int]]:
    """Bars before ``end`` as (start, length, beat length) in ticks."""
    if not sigs or sigs[0].start != 0:
        raise BandError("the band needs a time signature at tick 0")
    bars = []
    for i, sig in enumerate(sigs):
        stop = sigs[i + 1].start if i + 1 < len(sigs) else end
        if stop <= sig.start and i + 1 < len(sigs):
            raise BandError(f"time signatures unsorted at tick {sigs[i + 1].start}")
        beat = TICKS_PER_BEAT * 4 // sig.denominator
        starts = range(sig.start, min(stop, end), sig.bar_ticks)
        bars.extend((s, sig.bar_ticks, beat) for s in starts)
    return bars


def count_in_ticks(time_signatures: tuple[TimeSignature, ...]) -> int:
    """Length of the count-in bar: the first bar of the first time signature."""
    if not time_signatures:
        raise BandError("the band needs a time signature at tick 0")
    return time_signatures[0].bar_ticks


def _clean_changes(changes: tuple[ChordChange, ...], end: int) -> list[ChordChange]:
    """Changes cut to ``end``, without no-chord entries; raises on overlap or disorder."""
    out: list[ChordChange] = []
    for c in changes:
        if out and c.start < out[-1].end:
            raise BandError(f"chord changes overlap or are unsorted at tick {c.start}")
        if c.start < end and c.chord.pcs and c.chord.symbol != NO_CHORD:
            out.append(ChordChange(c.start, min(c.end, end) - c.start, c.chord))
    return out


def _comp(
    changes: list[ChordChange],
    bars: list[tuple[int, int, int]],
    off_frac: float,
    cfg: BandConfig,
    rng: np.random.Generator,
) -> list[Note]:
    """Rhythmic comping: bar patterns, anticipations and voice-led voicings."""
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
    onsets = sorted(hits)
    notes, prev, prev_idx = [], None, -1
    for k, t in enumerate(onsets):
        i, length = hits[t]
        stop = min(t + length, changes[i].end, onsets[k + 1] if k + 1 < len(onsets) else t + length)
        if i != prev_idx:
            prev, prev_idx = _voice_lead(voicing_pcs(changes[i].chord), prev), i
        vel = cfg.comp_velocity + int(rng.integers(-8, 9)) + (6 if t in anticipated else 0)
        notes.extend(Note(p, t, stop - t, int(np.clip(vel, 1, 127))) for p in prev)
    return notes


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


def _bass(
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


def _drums(
    bars: list[tuple[int, int, int]],
    end: int,
    off_frac: float,
    cfg: BandConfig,
    rng: np.random.Generator,
) -> list[Note]:
    """Swing ride, hi-hat on 2 and 4, sparse soft snare and kick comping."""
    notes: list[Note] = []
    v0 = cfg.drums_velocity

    def hit(pitch: int, t: int, vel: float) -> None:
        if t < end:
            notes.append(Note(pitch, t, min(12, end - t), int(np.clip(vel, 1, 127))))

    for start, length, beat in bars:
        off = round(off_frac * beat)
        for j, t in enumerate(range(start, start + length, beat)):
            hit(cfg.ride, t, v0 + (6 if j % 2 else 0) + rng.integers(-5, 6))
            if j % 2 and rng.random() < 0.92:
                hit(cfg.ride, t + off, v0 - 16 + rng.integers(-5, 6))
            elif not j % 2 and rng.random() < 0.06:
                hit(cfg.ride, t + off, v0 - 20 + rng.integers(-5, 6))
            if j % 2:
                hit(PEDAL_HAT, t, v0 - 14 + rng.integers(-4, 5))
            if cfg.feather_kick:
                hit(KICK, t, 28 + rng.integers(-4, 5))
            if rng.random() < 0.12:
                hit(SNARE, t + off, 38 + rng.integers(-8, 12))
        if rng.random() < 0.05:  # an occasional kick "bomb" on the last off-beat
            hit(KICK, start + length - beat + off, 62 + rng.integers(-6, 7))
    return notes


def make_band(
    changes: tuple[ChordChange, ...],
    time_signatures: tuple[TimeSignature, ...],
    end: int,
    config: BandConfig,
    rng: np.random.Generator,
) -> tuple[Part, ...]:
    """Comping, walking-bass and drum Parts over ``changes`` for the span [0, end)."""
    if end < 0:
        raise BandError(f"end must be >= 0 ticks, got {end}")
    bars = _grid(time_signatures, end)
    cleaned = _clean_changes(changes, end)
    lead = count_in_ticks(time_signatures) if config.count_in else 0
    if cleaned and cleaned[0].start < lead:
        raise BandError(
            f"count-in needs changes shifted past tick {lead}, got one at {cleaned[0].start}"
        )
    # One child stream per instrument, so switching one off never changes the others.
    comp_rng, bass_rng, drum_rng = rng.spawn(3)
    beats = [t for s, length, beat in bars for t in range(s, s + length, beat)]
    parts = []
    if config.piano:
        name = "Guitar" if 24 <= config.comp_program <= 31 else "Piano"
        notes = _comp(cleaned, bars, config.swing, config, comp_rng)
        parts.append(Part(name, _sorted(notes), config.comp_program, COMP_CHANNEL))
    if config.bass:
        notes = _bass(cleaned, beats, config.swing, config, bass_rng)
        parts.append(Part("Bass", _sorted(notes), config.bass_program, BASS_CHANNEL))
    if config.drums or config.count_in:
        groove = [b for b in bars if b[0] >= lead] if config.drums else []
        drums = _drums(groove, end, config.swing, config, drum_rng)
        click_beat = TICKS_PER_BEAT * 4 // time_signatures[0].denominator
        clicks = [
            Note(SIDE_STICK, t, min(6, end - t), 95 if t == 0 else 80)
            for t in range(0, min(lead, end), click_beat)
        ]
        parts.append(Part("Drums", _sorted(clicks + drums), 0, DRUM_CHANNEL, is_drum=True))
    return tuple(parts)


def _sorted(notes: list[Note]) -> tuple[Note, ...]:
    """Notes ordered by start, then pitch."""
    return tuple(sorted(notes, key=lambda n: (n.start, n.pitch)))


def swing_ticks(notes: tuple[Note, ...], ratio: float) -> tuple[Note, ...]:
    """Re-swing a line: lone off-beat eighths move to ``ratio`` of the beat (0.5 = straight).

    An onset at beat+12, 14, 16 or 18 ticks counts as a swung or straight eighth only when
    the beat holds no other onset than the downbeat, so triplets and sixteenths are kept.
    A note that ended where a moved note began ends where it begins now, and a note never
    runs over the next onset unless it did before.
    """
    if not 0.5 <= ratio <= 0.8:
        raise BandError(f"swing ratio must be 0.5..0.8 of the beat, got {ratio}")
    target = round(ratio * TICKS_PER_BEAT)
    by_beat: dict[int, set[int]] = {}
    for n in notes:
        by_beat.setdefault(n.start // TICKS_PER_BEAT, set()).add(n.start % TICKS_PER_BEAT)
    moves = {}
    for b, pos in by_beat.items():
        offs = pos - {0}
        if len(offs) == 1 and (p := offs.pop()) in (12, 14, 16, 18):
            moves[b * TICKS_PER_BEAT + p] = b * TICKS_PER_BEAT + target
    old_onsets = sorted({n.start for n in notes})
    new_onsets = sorted({moves.get(t, t) for t in old_onsets})
    out = []
    for n in notes:
        start = moves.get(n.start, n.start)
        stop = moves.get(n.end, n.end)
        if stop <= start:
            stop = start + n.duration
        i, j = bisect.bisect_right(old_onsets, n.start), bisect.bisect_right(new_onsets, start)
        old_next = old_onsets[i] if i < len(old_onsets) else None
        if j < len(new_onsets) and stop > new_onsets[j] and (old_next is None or n.end <= old_next):
            stop = new_onsets[j]
        out.append(Note(n.pitch, start, stop - start, n.velocity))
    return tuple(sorted(out, key=lambda n: (n.start, n.pitch)))
