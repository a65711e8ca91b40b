"""Read MusicXML into a Score; the only module that reads scores through music21.

``read_musicxml`` first tries ``jazzgen.io.xml_direct``, a standard-library reader that gives
exactly the Score music21 would, in a fraction of the time; a file it does not fully mirror
is read through music21 instead. ``JAZZGEN_XML_READER=music21`` skips the direct reader (to
compare the two or debug one).

music21 is imported lazily (0.3 s) and always parses with ``forceSource=True`` and
``storePickle=False``: its default is to load (and write) a pickle cache in the shared temp
directory, which is a code-execution risk. jazzgen caches parsed scores as JSON instead
(``jazzgen.io.cache``).
"""

from __future__ import annotations

import os
from pathlib import Path

from jazzgen.errors import ChordSymbolError, InvalidValueError, ReadError
from jazzgen.io.chord_kinds import KIND_SUFFIX
from jazzgen.io.limits import bounded, check_archive, check_size
from jazzgen.music.chords import Chord, changes_from_marks, parse_chord
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score, TimeSignature, monophonic


def read_musicxml(path: str | os.PathLike, track: str | int | None = None) -> Score:
    """Read a MusicXML lead sheet or solo: melody, chord symbols, meter, first tempo; either
    reader's Score has its long silences cut the same way (see :mod:`jazzgen.io.limits`)."""
    path = Path(path)
    check_size(path)
    if path.suffix.lower() == ".mxl":
        check_archive(path)
    return bounded(_read_either(path, track), path)


def _read_either(path: Path, track: str | int | None) -> Score:
    """The Score of the direct reader, else of music21 (both give the same)."""
    if os.environ.get("JAZZGEN_XML_READER", "").strip().lower() != "music21":
        from jazzgen.io import xml_direct

        try:
            return xml_direct.read_direct(path, track)
        except xml_direct.Unsupported:
            pass  # something the direct reader does not mirror: music21 decides
    try:
        from music21 import converter

        parsed = converter.parse(str(path), forceSource=True, storePickle=False)
        parts = list(getattr(parsed, "parts", [])) or [parsed]
        return _part_to_score(_pick_part(parts, track, path), parsed, path)
    except ReadError:
        raise
    except InvalidValueError as exc:  # a value no Score holds (a pitch above 127)
        raise ReadError(f"{path.name}: unreadable MusicXML ({exc})", str(path)) from None
    except Exception as exc:  # music21 raises many unrelated types for broken files, while
        # parsing or when asked about what it parsed (a rootless chord symbol recurses)
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ReadError(f"{path.name}: unreadable MusicXML ({reason})", str(path)) from None


def _pick_part(parts, track, path: Path):
    """The part named or numbered by ``track``, else the one with the most notes."""
    if track is not None:
        key = str(track).strip()
        for i, p in enumerate(parts):
            name = (p.partName or p.id or "") if hasattr(p, "partName") else ""
            if (key.isdigit() and i == int(key)) or (not key.isdigit() and key.lower() in
                                                      str(name).lower()):
                return p
        raise ReadError(f"{path.name}: no part matches {track!r}", str(path),
                        ReadError.NO_MELODY)
    from music21 import harmony

    def count(p) -> int:
        return sum(1 for n in p.recurse().notes if not isinstance(n, harmony.ChordSymbol))

    return max(parts, key=count)


def _part_to_score(part, parsed, path: Path) -> Score:
    from music21 import harmony, tempo

    flat = part.flatten()
    notes: list[Note] = []
    symbols: list[tuple[int, Chord | None]] = []
    for el in flat.stripTies().notes:
        start = _ticks(el.offset)
        if isinstance(el, harmony.ChordSymbol):
            symbols.append((start, chord_from_music21(el)))
            continue
        dur = _ticks(el.quarterLength)
        if dur <= 0:
            continue  # grace notes have no written length
        pitch = max(p.midi for p in el.pitches) if el.isChord else el.pitch.midi
        vel = el.volume.velocity if el.volume.velocity else 90
        notes.append(Note(int(pitch), start, dur, int(min(max(vel, 1), 127))))
    for el in flat.getElementsByClass(harmony.NoChord):
        symbols.append((_ticks(el.offset), None))
    if not notes:
        raise ReadError(f"{path.name}: no melody notes", str(path), ReadError.NO_MELODY)
    line = monophonic(sorted(notes, key=lambda n: (n.start, -n.pitch)))
    sig_list = _measure_signatures(part, flat)
    bpm = 120.0
    marks = list(parsed.flatten().getElementsByClass(tempo.MetronomeMark))
    if marks and marks[0].number:
        bpm = float(marks[0].getQuarterBPM() or marks[0].number)
    end = max(n.end for n in line)
    changes = changes_from_marks(symbols, end)
    title = ""
    if parsed.metadata is not None:
        title = parsed.metadata.title or ""
    return Score(notes=line, changes=changes, time_signatures=sig_list,
                 tempo=round(min(max(bpm, 10.0), 1000.0), 3), title=title or path.stem)


def _measure_signatures(part, flat) -> tuple[TimeSignature, ...]:
    """The meter map from the measures as they are: a measure longer or shorter than its
    time signature (a 5/4 bar in a 4/4 solo) gets a signature of its own, so later bar
    lines stay where the file puts them."""
    from music21 import meter

    measures = list(part.getElementsByClass("Measure"))
    out: list[TimeSignature] = []

    def add(start: int, num: int, den: int) -> None:
        if out and (out[-1].numerator, out[-1].denominator) == (num, den):
            return
        if out and out[-1].start == start:
            out.pop()
        out.append(TimeSignature(start, num, den))

    if not measures:
        for ts in flat.getElementsByClass(meter.TimeSignature):
            try:
                add(_ticks(ts.offset), ts.numerator, ts.denominator)
            except InvalidValueError:
                continue
        return tuple(out) if out and out[0].start == 0 else (TimeSignature(0), *out)
    for m in measures:
        length = _ticks(m.duration.quarterLength)
        if length <= 0:
            continue  # empty measures take no time
        start = _ticks(m.offset)
        if length % TICKS_PER_BEAT == 0:
            num, den = length // TICKS_PER_BEAT, 4
        elif length % (TICKS_PER_BEAT // 2) == 0:
            num, den = length // (TICKS_PER_BEAT // 2), 8
        else:
            continue  # an odd pickup: keep the meter in force
        add(start, num, den)
    if not out or out[0].start != 0:
        first = out[0] if out else TimeSignature(0)
        out.insert(0, TimeSignature(0, first.numerator, first.denominator))
    return tuple(out)


def _ticks(quarter_length) -> int:
    """music21 offsets and lengths (quarter notes, possibly Fractions) to ticks."""
    return int(round(float(quarter_length) * TICKS_PER_BEAT))


def chord_from_music21(cs) -> Chord | None:
    """A music21 ChordSymbol as our Chord, spelt the jazz way (never trusting its figure)."""
    if not cs.pitches:  # N.C., or a <harmony> without a root (music21's root() recurses)
        return None
    root = cs.root()
    if root is None:
        return None
    name = root.name.replace("-", "b")
    suffix = KIND_SUFFIX.get(cs.chordKind or "major")
    bass = cs.bass()
    slash = ""
    if bass is not None and bass.pitchClass != root.pitchClass:
        slash = "/" + bass.name.replace("-", "b")
    if suffix is not None:
        try:
            return parse_chord(name + suffix + slash)
        except ChordSymbolError:
            pass
    pcs = tuple(sorted({p.pitchClass for p in cs.pitches}))
    return Chord(symbol=name + (cs.chordKindStr or ""), root=root.pitchClass, pcs=pcs,
                 quality=cs.chordKind or "", bass=None if not slash else bass.pitchClass)
