"""A MusicXML lead sheet of a solo through music21: chord symbols, key, meter, tempo.

Lead sheet: each beat of the solo is written on a straight (sixteenth) or triplet grid,
whichever fits its onsets better. With ``swing_to_straight`` a beat whose only off-beat
onset is a swung eighth (13..19 ticks in) is written as straight eighths and the sheet is
marked "Swing", the way jazz charts are read; triplets stay triplets.

A part for a transposing instrument (:mod:`jazzgen.output.parts`) is written at its pitch:
notes, key signature and chord symbols moved up by its interval, with a MusicXML
``<transpose>`` so that notation programs can still show concert pitch.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import numpy as np

from jazzgen.io import atomic
from jazzgen.music.chords import Chord, parse_chord
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score, bar_spans, signature_at
from jazzgen.music.spelling import root_name
from jazzgen.output.parts import CONCERT, WrittenPart, clef_for, music21_part, one_transpose

_SWUNG = range(13, 20)
"""A beat's lone off-beat onset this many ticks in is an eighth (swung 2:1 is 16)."""
_TRIPLET = (0, 8, 16, 24)
_ONE_NOTE = frozenset((3, 6, 8, 12, 16, 18, 24, 36, 48, 72, 96))
"""Lengths in ticks that one note (dotted or triplet) can show."""
_KK_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_KK_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)
_SPELLING = (  # music21 names of the 12 pitch classes in flat keys, C major, sharp keys
    ("C", "D-", "D", "E-", "E", "F", "G-", "G", "A-", "A", "B-", "B"),
    ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B"),
    ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"),
)
# MusicXML harmony kinds (music21 names) as semitones above the root, commonest first: a
# chord is written as the kind nearest to it plus <degree> adds/alters/subtracts.
_KINDS = (
    ("major", (0, 4, 7)), ("minor", (0, 3, 7)), ("dominant-seventh", (0, 4, 7, 10)),
    ("major-seventh", (0, 4, 7, 11)), ("minor-seventh", (0, 3, 7, 10)),
    ("half-diminished-seventh", (0, 3, 6, 10)), ("diminished-seventh", (0, 3, 6, 9)),
    ("diminished", (0, 3, 6)), ("augmented", (0, 4, 8)), ("augmented-seventh", (0, 4, 8, 10)),
    ("minor-major-seventh", (0, 3, 7, 11)), ("major-sixth", (0, 4, 7, 9)),
    ("minor-sixth", (0, 3, 7, 9)), ("dominant-ninth", (0, 2, 4, 7, 10)),
    ("major-ninth", (0, 2, 4, 7, 11)), ("minor-ninth", (0, 2, 3, 7, 10)),
    ("dominant-11th", (0, 2, 4, 5, 7, 10)), ("minor-11th", (0, 2, 3, 5, 7, 10)),
    ("dominant-13th", (0, 2, 4, 5, 7, 9, 10)), ("major-13th", (0, 2, 4, 5, 7, 9, 11)),
    ("minor-13th", (0, 2, 3, 5, 7, 9, 10)), ("suspended-second", (0, 2, 7)),
    ("suspended-fourth", (0, 5, 7)), ("power", (0, 7)),
)


def _slot_grid(offs: list[int], length: int, triplet_tie: bool, straighten: bool
               ) -> tuple[tuple[int, ...], bool]:
    """The grid one beat is written on, and whether its lone off-beat is straightened.

    ``triplet_tie``: a note of this beat ends 1/3 into the next beat, where another starts
    (quarter-note triplets across the beat, which must stay triplets).
    """
    if (straighten and length == TICKS_PER_BEAT and len(offs) == 1 and offs[0] in _SWUNG
            and not triplet_tie):
        return (0, 12, 24), True
    straight = tuple(sorted(set(range(0, length, 6)) | {length}))
    if length != TICKS_PER_BEAT:
        return straight, False

    def cost(grid: tuple[int, ...]) -> int:
        return sum(min(abs(p - g) for g in grid) for p in offs)

    return (_TRIPLET, False) if cost(_TRIPLET) < cost(straight) else (straight, False)


def _quantiser(score: Score, straighten: bool):
    """Per-beat grids for the solo: (snap, after, swung) where snap/after map ticks to ticks."""
    import bisect

    slots = [(t, min(t + beat, stop)) for start, stop, beat in bar_spans(score)
             for t in range(start, stop, beat)]
    firsts = [a for a, _ in slots]
    onsets: list[list[int]] = [[] for _ in slots]
    ends: list[list[int]] = [[] for _ in slots]

    def idx(t: int) -> int:
        return max(0, min(len(slots) - 1, bisect.bisect_right(firsts, t) - 1))

    spill: list[set[int]] = [set() for _ in slots]  # ends in the next beat of notes from here
    for n in score.notes:
        i, j = idx(n.start), idx(n.end)
        onsets[i].append(n.start - slots[i][0])
        ends[j].append(n.end - slots[j][0])
        if j == i + 1:
            spill[i].add(n.end - slots[j][0])
    grids = []
    for i, (a, b) in enumerate(slots):
        offs = sorted({p for p in onsets[i] if p}) or sorted({p for p in ends[i] if 0 < p < b - a})
        nxt = set(onsets[i + 1]) if i + 1 < len(slots) else set()
        triplet_tie = any(7 <= p <= 9 for p in spill[i] & nxt)
        grids.append(_slot_grid(offs, b - a, triplet_tie, straighten))

    def snap(t: int) -> int:
        i = idx(t)
        p, (grid, swung) = t - slots[i][0], grids[i]
        q = 12 if swung and p in _SWUNG else min(grid, key=lambda g: (abs(g - p), g))
        return slots[i][0] + q

    def after(t: int) -> int:
        i = idx(t)
        later = [g for g in grids[i][0] if g > t - slots[i][0]]
        return slots[i][0] + later[0] if later else t + 6

    return snap, after, any(g[1] for g, on in zip(grids, onsets, strict=True) if on)


def quantise(score: Score, swing_to_straight: bool = True) -> tuple[tuple[Note, ...], bool]:
    """The solo as the lead sheet writes it, and whether swung eighths were straightened.

    Onsets and ends are snapped per beat; of two onsets snapped together the first is kept.
    """
    snap, after, swung = _quantiser(score, swing_to_straight)
    limit = bar_spans(score)[-1][1]  # nothing may round past the last bar line
    kept: list[tuple[Note, int]] = []
    for n in sorted(score.notes, key=lambda n: n.start):
        s = min(snap(n.start), limit - 6)
        if not kept or kept[-1][1] != s:
            kept.append((n, s))
    out = []
    for k, (n, s) in enumerate(kept):
        nxt = kept[k + 1][1] if k + 1 < len(kept) else limit
        e = min(snap(n.end), nxt)
        if e <= s:
            e = min(after(s), nxt)
        out.append(Note(n.pitch, s, e - s, n.velocity))
    return tuple(out), swung


def key_fifths(score: Score) -> int:
    """The key signature (sharps > 0, flats < 0) whose key best fits the notes and chords."""
    hist = np.zeros(12)
    for n in score.notes:
        hist[n.pitch % 12] += n.duration
    for c in score.changes:
        hist[list(c.chord.pcs)] += c.duration
    if not hist.any():
        return 0
    best, fifths = -2.0, 0
    for tonic in range(12):
        for profile, relative_major in ((_KK_MAJOR, tonic), (_KK_MINOR, (tonic + 3) % 12)):
            r = float(np.corrcoef(hist, np.roll(profile, tonic))[0, 1])
            if r > best + 1e-9:
                f = 7 * relative_major % 12
                best, fifths = r, f - 12 if f > 6 else f
    return fifths


def _writable(dur: int, pos: int, beat: int) -> bool:
    """Whether a straight note of ``dur`` ticks ``pos`` ticks into its bar reads as one note."""
    if beat != TICKS_PER_BEAT:  # compound meter: dotted quarters and dotted halves
        return pos % beat == 0 and dur in (36, 72, 108, 144)
    return (pos % beat == 0 and dur in (24, 36, 48, 72, 96)) or (pos % beat == 12 and dur == 24)


def _pieces(start: int, stop: int, cuts: list[int], bar: int, beat: int
            ) -> list[tuple[int, int]]:
    """[start, stop) cut at beat lines, then re-joined where one written note says it all."""
    import bisect

    inner = cuts[bisect.bisect_right(cuts, start): bisect.bisect_left(cuts, stop)]
    bounds = [start, *inner, stop]
    out = [(bounds[0], bounds[1])]
    for a, b in zip(bounds[1:], bounds[2:], strict=False):
        s0 = out[-1][0]
        straight = all((x - y) % 6 == 0 for x, y in ((b, a), (a, s0)))
        if straight and _writable(b - s0, s0 - bar, beat):
            out[-1] = (s0, b)
        else:
            out.append((a, b))
    split = []
    for a, b in out:  # 5/16 of a compound beat is no single note: cut at the next eighth
        while b - a not in _ONE_NOTE and (cut := a + 12 - (a - bar) % 12) < b:
            split.append((a, cut))
            a = cut
        split.append((a, b))
    return split


def _chord_symbol(chord: Chord):
    """A music21 ChordSymbol for our Chord: nearest MusicXML kind plus hidden degrees."""
    from music21 import harmony

    m = re.match(r"^([A-G][b#]?)([^/]*)(?:/([A-G][b#]?))?$", chord.symbol.strip())
    root = m.group(1) if m else root_name(chord.root, chord.quality)
    upper = chord.pcs
    if chord.bass is not None and m and m.group(3):
        with contextlib.suppress(ValueError):  # pcs hold the slash bass; the kind does not
            upper = parse_chord(m.group(1) + m.group(2)).pcs
    tones = {(pc - chord.root) % 12 for pc in upper}
    # Same third and seventh first, so a reader that spells kind + degrees shows G7b9, not
    # Gm7add3b9; then the fewest degrees; then the commonest kind.
    same = [k for k in _KINDS if _family(set(k[1])) == _family(tones)] or list(_KINDS)
    kind, mods = min(((k, _degrees(tones, base)) for k, base in same), key=lambda km: len(km[1]))
    cs = harmony.ChordSymbol(root=root.replace("b", "-"), kind=kind,
                             bass=m.group(3).replace("b", "-") if m and m.group(3) else None)
    for how, degree, alter in mods:
        cs.addChordStepModification(harmony.ChordStepModification(how, degree, alter))
    cs.chordKindStr = m.group(2) if m else chord.quality
    return cs


def _family(tones: set[int]) -> tuple[int, int]:
    """A chord's third (4, 3 or 0 for none) and seventh (11, 10, 9 for dim7, 0 for none)."""
    third = 4 if 4 in tones else 3 if 3 in tones else 0
    seventh = (11 if 11 in tones else 10 if 10 in tones
               else 9 if {3, 6, 9} <= tones and 7 not in tones else 0)
    return third, seventh


def _degrees(tones: set[int], base: tuple[int, ...]) -> list[tuple[str, int, int]]:
    """MusicXML degree changes (type, degree, alter) turning kind ``base`` into ``tones``.

    A 13th kind over a major third keeps its implied 11th: charts (and MusicXML writers)
    spell a jazz 13 chord as ``dominant-13th`` with the 11th left to the player.
    """
    adds = sorted({_add_degree(i, tones) for i in tones - set(base)})
    lacking = set(base) - tones
    if 4 in base and 9 in base and 5 in lacking and 6 not in tones:
        lacking.discard(5)
    subs = {_sub_degree(i, base) for i in lacking}
    out = [("alter" if d in subs else "add", d, a) for d, a in adds]
    subs -= {d for d, _ in adds}
    return out + [("subtract", d, 0) for d in sorted(subs)]


def _add_degree(i: int, tones: set[int]) -> tuple[int, int]:
    """MusicXML (degree, alter) for interval ``i`` above the root, read in the chord's context."""
    if i == 3 and 4 in tones:
        return 9, 1
    if i in (6, 8) and 7 in tones:
        return (11, 1) if i == 6 else (13, -1)
    if i == 9 and not tones & {10, 11}:
        return 6, 0
    return {1: (9, -1), 2: (9, 0), 3: (3, -1), 4: (3, 0), 5: (11, 0), 6: (5, -1), 7: (5, 0),
            8: (5, 1), 9: (13, 0), 10: (7, -1), 11: (7, 0)}[i]


def _sub_degree(i: int, base: tuple[int, ...]) -> int:
    """The degree a kind's interval ``i`` is called by, to subtract it."""
    if i == 9:
        return 7 if 6 in base and 7 not in base else 13 if 2 in base else 6
    if i == 5 and 4 not in base and 3 not in base:
        return 4
    return {1: 9, 2: 9 if (4 in base or 3 in base) else 2, 3: 3, 4: 3, 5: 11, 6: 5, 7: 5, 8: 5,
            10: 7, 11: 7}[i]


def lead_sheet_xml(score: Score, swing_to_straight: bool = True,
                   part: WrittenPart = CONCERT) -> bytes:
    """The MusicXML bytes of the lead sheet that ``write_lead_sheet`` writes."""
    import bisect
    from fractions import Fraction

    from music21 import note, stream, tie
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    notes, swung = quantise(score, swing_to_straight)
    fifths, steps = part.key(key_fifths(score))
    names = _SPELLING[(fifths > 0) - (fifths < 0) + 1]
    bars = bar_spans(score)
    snap = _quantiser(score, swing_to_straight)[0]
    chords = {snap(c.start): part.chord(c.chord, steps) for c in score.changes
              if snap(c.start) < bars[-1][1]}
    sheet, measures = _sheet(score, bars, notes, fifths, swung, part)
    starts = [a for a, _, _ in bars]
    for a, b, pitch, tied_in, tied_out in _events(notes, sorted(chords), bars[-1][1]):
        for bi in range(bisect.bisect_right(starts, a) - 1, len(bars)):
            bar_a, bar_b, beat = bars[bi]
            if bar_a >= b:
                break
            cuts = list(range(bar_a, bar_b, beat))
            for x, y in _pieces(max(a, bar_a), min(b, bar_b), cuts, bar_a, beat):
                written = None if pitch is None else pitch + part.semitones
                el = note.Rest() if written is None else note.Note(
                    f"{names[written % 12]}{written // 12 - 1}")
                el.duration.quarterLength = Fraction(y - x, TICKS_PER_BEAT)
                before, after = tied_in or x > a, tied_out or y < b
                if pitch is not None and (before or after):
                    el.tie = tie.Tie("continue" if before and after else "stop" if before
                                     else "start")
                measures[bi].insert(Fraction(x - bar_a, TICKS_PER_BEAT), el)
    # Notation (beams, tuplet brackets, accidentals) before the chord symbols go in: music21
    # would count their pitches as sounding and print stray naturals on the melody.
    sheet.makeNotation(inPlace=True)
    measures = list(sheet.parts[0].getElementsByClass(stream.Measure))
    for tick, chord in chords.items():
        bi = bisect.bisect_right(starts, tick) - 1
        measures[bi].insert(Fraction(tick - bars[bi][0], TICKS_PER_BEAT), _chord_symbol(chord))
    exporter = GeneralObjectExporter(sheet)
    exporter.makeNotation = False
    # Degrees carry the exact chord tones for programs; the kind's text already shows them.
    xml = exporter.parse().replace(b"<degree>", b'<degree print-object="no">')
    # music21 stamps today's date: without it the same solo gives the same bytes any day.
    return one_transpose(re.sub(rb"\s*<encoding-date>[^<]*</encoding-date>", b"", xml))


def _events(notes: tuple[Note, ...], chord_ticks: list[int], end: int
            ) -> list[tuple[int, int, int | None, bool, bool]]:
    """Notes and the rests between them as (start, stop, pitch or None, tied in, tied out),
    cut where a chord changes so that every chord symbol sits on the start of one."""
    out: list[tuple[int, int, int | None, bool, bool]] = []
    for a, b, pitch in _with_rests(notes, end):
        bounds = [a, *(c for c in chord_ticks if a < c < b), b]
        tied = pitch is not None
        out.extend((x, y, pitch, tied and x > a, tied and y < b)
                   for x, y in zip(bounds, bounds[1:], strict=False))
    return out


def _with_rests(notes: tuple[Note, ...], end: int) -> list[tuple[int, int, int | None]]:
    """(start, stop, pitch) for every note, with (start, stop, None) rests filling the gaps."""
    out: list[tuple[int, int, int | None]] = []
    t = 0
    for n in notes:
        if n.start > t:
            out.append((t, n.start, None))
        out.append((n.start, n.end, n.pitch))
        t = n.end
    if end > t:
        out.append((t, end, None))
    return out


def _sheet(score: Score, bars: list[tuple[int, int, int]], notes: tuple[Note, ...],
           fifths: int, swung: bool, written: WrittenPart):
    """An empty music21 Score with one measure per bar: title, part name and transposition,
    clef, key, meters, tempo."""
    from music21 import clef, expressions, key, metadata, meter, note, stream, tempo

    sheet = stream.Score()
    sheet.metadata = metadata.Metadata(title=score.title or "jazzgen solo", composer="jazzgen")
    part = music21_part(written)
    measures, prev = [], None
    for i, (start, _, _) in enumerate(bars):
        m = stream.Measure(number=i + 1)
        sig = signature_at(score.time_signatures, start)[0]
        if sig != prev:
            m.insert(0, meter.TimeSignature(f"{sig.numerator}/{sig.denominator}"))
        measures.append(m)
        prev = sig
    pitches = sorted(n.pitch + written.semitones for n in notes)
    median = pitches[len(pitches) // 2] if pitches else 72
    first = measures[0]
    first.insert(0, {"treble": clef.TrebleClef, "treble-8vb": clef.Treble8vbClef,
                     "bass": clef.BassClef}[clef_for(written, median)]())
    first.insert(0, key.KeySignature(fifths))
    marks = [tempo.MetronomeMark(number=round(score.tempo, 1), referent=note.Note(type="quarter"))]
    if swung:
        marks.append(expressions.TextExpression("Swing"))
    for mark in marks:
        mark.placement = "above"
        first.insert(0, mark)
    for m in measures:
        part.append(m)
    sheet.insert(0, part)
    return sheet, measures


def write_lead_sheet(score: Score, path: str | os.PathLike, swing_to_straight: bool = True,
                     part: WrittenPart = CONCERT) -> Path:
    """Write the solo as a MusicXML lead sheet with chord symbols, key, meter and tempo, as
    ``part`` reads it (default: concert pitch)."""
    return atomic.write_bytes(path, lead_sheet_xml(score, swing_to_straight, part))
