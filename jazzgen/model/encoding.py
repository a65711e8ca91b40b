"""Scores to token ids and back, plus the per-step chord and bar-position features.

A melody becomes a stream of events, two tokens each: a pitch (or ``rest``) token, then a
duration token in ticks. Onsets follow from the durations, so triplets, swing and rests
come back exactly. At every step the model also reads where the *next* event starts: its
position in the bar, the chord sounding there (root and pitch classes) and the chord after
it. Those features are computed from the time cursor, so generation can supply them for
any requested changes.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jazzgen.model.config import EncodingConfig
from jazzgen.music.chords import Chord, ChordChange
from jazzgen.music.notes import Note, Score, TimeSignature, signature_at

PAD, BOS, REST = "<pad>", "<bos>", "rest"
NO_ROOT = 12  # root value where no chord is sounding
FIRST_PITCH_ID = 3  # token id of the lowest pitch: <pad>, <bos> and rest come first
CHORD_FEATURES = 24  # pitch classes of the current chord, then of the next chord


class Vocabulary:
    """Token strings and ids: ``<pad>``, ``<bos>``, ``rest``, ``p<midi>``, ``d<ticks>``."""

    def __init__(self, cfg: EncodingConfig) -> None:
        self.cfg = cfg
        pitches = [f"p{p}" for p in range(cfg.min_pitch, cfg.max_pitch + 1)]
        durs = [f"d{d}" for d in cfg.durations]
        self.tokens: tuple[str, ...] = (PAD, BOS, REST, *pitches, *durs)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.pad_id, self.bos_id, self.rest_id = 0, 1, 2
        self.first_pitch_id = FIRST_PITCH_ID
        self.first_duration_id = 3 + len(pitches)
        self.durations = np.asarray(cfg.durations, dtype=np.int64)
        # token id -> ticks it advances the cursor (0 for non-duration tokens)
        self.advance = np.zeros(len(self.tokens), dtype=np.int64)
        self.advance[self.first_duration_id:] = self.durations

    def __len__(self) -> int:
        return len(self.tokens)

    def pitch_id(self, pitch: int) -> int:
        """Token id of a MIDI pitch, folded by octaves into the vocabulary's range."""
        lo, hi = self.cfg.min_pitch, self.cfg.max_pitch
        while pitch < lo:
            pitch += 12
        while pitch > hi:
            pitch -= 12
        return self.first_pitch_id + pitch - lo

    def is_pitch(self, tid: int) -> bool:
        """True for a pitch token."""
        return self.first_pitch_id <= tid < self.first_duration_id

    def pitch_mask(self, tokens: np.ndarray | Sequence[int]) -> np.ndarray:
        """Boolean array, True where ``tokens`` are pitch tokens (same shape)."""
        t = np.asarray(tokens)
        return (t >= self.first_pitch_id) & (t < self.first_duration_id)

    @property
    def events(self) -> slice:
        """Ids of the tokens that start an event: ``rest``, then every pitch (contiguous)."""
        return slice(self.rest_id, self.first_duration_id)

    def grammar(self) -> tuple[np.ndarray, np.ndarray]:
        """Which tokens may come next: (after a duration or BOS: rest or a pitch,
        after a rest or pitch: a duration), as boolean masks over the vocabulary."""
        event = np.zeros(len(self.tokens), bool)
        event[self.events] = True
        duration = np.zeros(len(self.tokens), bool)
        duration[self.first_duration_id:] = True
        return event, duration

    def is_duration(self, tid: int) -> bool:
        """True for a duration token."""
        return tid >= self.first_duration_id

    def pitch_of(self, tid: int) -> int:
        """MIDI pitch of a pitch token."""
        return self.cfg.min_pitch + tid - self.first_pitch_id

    def duration_ids(self, ticks: int) -> list[int]:
        """Duration tokens covering ``ticks`` exactly, longest value first."""
        out = []
        while ticks > 0:
            d = int(self.durations[np.searchsorted(self.durations, ticks, side="right") - 1])
            out.append(self.first_duration_id + int(np.searchsorted(self.durations, d)))
            ticks -= d
        return out

    def note_duration_id(self, ticks: int) -> int:
        """Token of the longest duration value not longer than ``ticks`` (a note's length)."""
        i = max(0, int(np.searchsorted(self.durations, ticks, side="right")) - 1)
        return self.first_duration_id + i


FIELDS = ("tokens", "pos", "roots", "pcs")


@dataclass(frozen=True)
class Features:
    """What the model reads at each step: the event token and where the next onset falls.

    The four arrays share a leading shape S: [T] for one piece, [N, L] for training windows,
    [B] for one sampling step of B solos. tokens S int32 (the current token); pos S int32
    (ticks into the bar of the next onset); roots S+[2] int32 (root of the chord sounding at
    the next onset and of the chord after it, ``NO_ROOT`` = none); pcs S+[24] uint8 (their
    pitch classes, multi-hot).
    """

    tokens: np.ndarray
    pos: np.ndarray
    roots: np.ndarray
    pcs: np.ndarray

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, index) -> Features:
        """The same index (ints, slices) applied to the leading axes of every array."""
        return Features(*(getattr(self, f)[index] for f in FIELDS))

    @classmethod
    def empty(cls, shape: tuple[int, ...]) -> Features:
        """Padding of leading shape ``shape``: token 0 (pad), position 0, no chord."""
        return cls(np.zeros(shape, np.int32), np.zeros(shape, np.int32),
                   np.full((*shape, 2), NO_ROOT, np.int32),
                   np.zeros((*shape, CHORD_FEATURES), np.uint8))

    def put(self, index, values: Features) -> None:
        """Write ``values`` into every array at ``index`` (in place)."""
        for f in FIELDS:
            getattr(self, f)[index] = getattr(values, f)

    def inputs(self) -> dict[str, np.ndarray]:
        """The dict a Keras model built by ``network.build_model`` takes."""
        return {"tokens": self.tokens, "pos": self.pos, "roots": self.roots,
                "pcs": self.pcs.astype(np.float32)}


class Conditioner:
    """Chord and bar-position features at any tick, for given changes and meter."""

    def __init__(
        self,
        changes: Sequence[ChordChange],
        time_signatures: Sequence[TimeSignature],
        positions: int,
    ) -> None:
        self.changes = list(changes)
        self.starts = [c.start for c in self.changes]
        self.sigs = tuple(time_signatures)
        self.sig_starts = [s.start for s in self.sigs]
        self.positions = positions
        # For each change, the index of the first later change whose chord differs (root or
        # pitch classes), worked out once backwards so a lookup costs no scan.
        n = len(self.changes)
        self.next_diff: list[int | None] = [None] * n
        for i in range(n - 2, -1, -1):
            a, b = self.changes[i].chord, self.changes[i + 1].chord
            self.next_diff[i] = i + 1 if (a.pcs != b.pcs or a.root != b.root) \
                else self.next_diff[i + 1]

    def features(self, tick: int) -> tuple[int, tuple[int, int], np.ndarray]:
        """(bar position, (root, next root), 24 pitch-class flags) at ``tick``."""
        sig, sig_start = signature_at(self.sigs, tick, self.sig_starts)
        pos = min((tick - sig_start) % sig.bar_ticks, self.positions - 1)
        pcs = np.zeros(CHORD_FEATURES, dtype=np.uint8)
        idx = bisect.bisect_right(self.starts, tick) - 1
        cur: Chord | None = None
        if idx >= 0 and self.changes[idx].start <= tick < self.changes[idx].end:
            cur = self.changes[idx].chord
        # the next chord: after a gap the next change, else the next one that differs
        j = (idx + 1 if idx + 1 < len(self.changes) else None) if cur is None \
            else self.next_diff[idx]
        nxt: Chord | None = None if j is None else self.changes[j].chord
        root = NO_ROOT if cur is None else cur.root
        next_root = NO_ROOT if nxt is None else nxt.root
        if cur is not None:
            pcs[list(cur.pcs)] = 1
        if nxt is not None:
            pcs[[12 + pc for pc in nxt.pcs]] = 1
        return pos, (root, next_root), pcs


    def at(self, tokens: Sequence[int], ticks: Sequence[int]) -> Features:
        """Features of one step for a batch: ``tokens`` [B] with the onset ``ticks`` [B]."""
        feats = [self.features(t) for t in ticks]
        return Features(np.asarray(tokens), np.array([f[0] for f in feats]),
                        np.array([f[1] for f in feats]), np.array([f[2] for f in feats]))


def encode_events(score: Score, vocab: Vocabulary) -> list[int]:
    """The melody as token ids (no BOS): pitch-or-rest, duration, pitch-or-rest, ..."""
    tokens: list[int] = []
    cursor = 0
    notes = score.notes
    for i, n in enumerate(notes):
        if n.start > cursor:
            for d in vocab.duration_ids(n.start - cursor):
                tokens += [vocab.rest_id, d]
        room = notes[i + 1].start - n.start if i + 1 < len(notes) else n.duration
        dur_id = vocab.note_duration_id(min(n.duration, room))
        tokens += [vocab.pitch_id(n.pitch), dur_id]
        cursor = n.start + int(vocab.advance[dur_id])
    return tokens


def features_for(tokens: Sequence[int], vocab: Vocabulary, cond: Conditioner,
                 start: int = 0) -> Features:
    """Features for each step of ``tokens`` (the cursor after each token)."""
    toks = np.asarray(tokens, dtype=np.int32)
    cursor = start + np.cumsum(vocab.advance[toks])
    out = Features.empty((len(toks),))
    out.tokens[:] = toks
    cache: dict[int, tuple] = {}
    for i, tick in enumerate(cursor.tolist()):
        f = cache.get(tick)
        if f is None:
            f = cache[tick] = cond.features(tick)
        out.pos[i], out.roots[i], out.pcs[i] = f
    return out


def encode(score: Score, vocab: Vocabulary) -> Features:
    """A score as BOS + event tokens with their step features."""
    cond = Conditioner(score.changes, score.time_signatures, vocab.cfg.positions)
    return features_for([vocab.bos_id, *encode_events(score, vocab)], vocab, cond)


def decode(tokens: Sequence[int], vocab: Vocabulary, start: int = 0,
           velocity: int = 90) -> tuple[Note, ...]:
    """Token ids back to notes. Stray tokens (a duration with no pitch before it) are skipped."""
    notes: list[Note] = []
    cursor = start
    pending: int | None = None  # pitch (or -1 for rest) waiting for its duration
    for tid in tokens:
        tid = int(tid)
        if tid in (vocab.pad_id, vocab.bos_id):
            continue
        if vocab.is_duration(tid):
            d = int(vocab.advance[tid])
            if pending is not None and pending >= 0:
                notes.append(Note(pending, cursor, d, velocity))
            if pending is not None:
                cursor += d
            pending = None
        else:
            pending = vocab.pitch_of(tid) if vocab.is_pitch(tid) else -1
    return tuple(notes)


def transpose_features(feats: Features, shift: int, vocab: Vocabulary) -> Features:
    """The same piece ``shift`` semitones away: pitch tokens (folded by octaves into the
    vocabulary's range), chord roots and pitch classes."""
    toks = feats.tokens.copy()
    is_pitch = vocab.pitch_mask(toks)
    lo, hi = vocab.cfg.min_pitch, vocab.cfg.max_pitch
    pitch = toks[is_pitch] - vocab.first_pitch_id + lo + shift
    pitch = np.where(pitch < lo, pitch + 12 * ((lo - pitch + 11) // 12), pitch)
    pitch = np.where(pitch > hi, pitch - 12 * ((pitch - hi + 11) // 12), pitch)
    toks[is_pitch] = pitch - lo + vocab.first_pitch_id
    roots = np.where(feats.roots == NO_ROOT, NO_ROOT, (feats.roots + shift) % 12).astype(np.int32)
    pcs = np.concatenate([np.roll(feats.pcs[:, :12], shift, axis=1),
                          np.roll(feats.pcs[:, 12:], shift, axis=1)], axis=1)
    return Features(toks, feats.pos, roots, pcs)


def note_count(tokens: Sequence[int], vocab: Vocabulary) -> int:
    """Number of sounding notes (pitch tokens) in ``tokens``."""
    return int(vocab.pitch_mask(tokens).sum())
