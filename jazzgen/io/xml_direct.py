"""Read MusicXML with the standard library into exactly the Score music21 would give, in ms.

It mirrors music21's offsets, measure lengths, ``stripTies``, chord symbols, tempo, title and
part choice in exact Fractions; what it does not mirror exactly (an unknown element, a value
music21 would round as ``opFrac`` does past a denominator of 65535, or fail on) raises
:class:`Unsupported`, and ``read_musicxml`` asks music21 instead (``bench.xml_reader`` checks).
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
import zipfile
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

from jazzgen.errors import ChordSymbolError, JazzgenError, ReadError
from jazzgen.io.chord_kinds import KIND_SUFFIX
from jazzgen.music.chords import Chord, changes_from_marks, parse_chord
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score, TimeSignature, monophonic

LIMIT, NEAR = 65535, Fraction(1, 10 ** 6)  # music21's opFrac limit; its float tolerances
TYPE_QL = {name: Fraction(32, 2 ** i) for i, name in enumerate((
    "maxima", "long", "breve", "whole", "half", "quarter", "eighth", "16th", "32nd", "64th",
    "128th", "256th", "512th", "1024th"))}
STEP_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
ACCIDENTALS = ("double-flat", "flat", "natural", "sharp", "double-sharp")  # alter -2 to 2
CHORD_ALIASES = {"dominant": "dominant-seventh", "major-minor": "minor-major-seventh",
                 "half-diminished": "half-diminished-seventh"}  # music21 renames these kinds
INVERSION = {1: 0, 6: 1, 4: 2, 2: 3, 7: 4, 5: 5, 3: 6}  # by the generic bass-to-root interval
ALLOWED: dict[str, set[str]] = {}  # children mirrored (not <miscellaneous>: it can be a title)
for _rule in re.split(r"[;\n]", """score-partwise: work movement-number movement-title
    score-partwise: identification defaults credit part-list part; part-list: score-part
    part-list: part-group; part: measure
    measure: note backup forward direction attributes harmony sound barline print
    note: pitch rest duration tie type dot accidental stem time-modification notehead staff
    note: beam notations lyric voice chord grace instrument; rest: display-step display-octave
    notations: tied slur tuplet articulations fermata; barline: bar-style repeat ending
    time-modification: actual-notes normal-notes normal-type; key: fifths mode cancel
    attributes: divisions key time clef staves transpose instruments; time: beats beat-type
    clef: sign line clef-octave-change; transpose: diatonic chromatic octave-change
    direction: direction-type offset staff sound voice; metronome: beat-unit beat-unit-dot
    direction-type: words rehearsal metronome dynamics coda segno; metronome: per-minute
    midi-instrument: midi-channel midi-name midi-bank midi-program volume pan elevation
    harmony: root kind bass inversion degree offset staff; identification: creator rights
    identification: encoding source relation; degree: degree-value degree-alter degree-type"""):
    ALLOWED.setdefault(_rule.split(":")[0].strip(), set()).update(_rule.split(":")[1].split())
VALUES = {  # what music21 int()s or looks up (tag, or tag and attribute): only what is mirrored
    **dict.fromkeys(("fifths", "line", "clef-octave-change", "diatonic", "chromatic", "octave",
                     "octave-change", "instruments", "tuplet-number", "display-octave",
                     "midi-channel", "midi-program"), (int, None)),
    **dict.fromkeys(("type", "tuplet-type", "beat-unit", "normal-type"), (str, TYPE_QL)),
    **dict.fromkeys(("root-alter", "bass-alter"), (float, (-1, 0, 1))),
    **dict.fromkeys(("actual-notes", "normal-notes"), (int, range(1, 10 ** 9))),
    "staves": (int, (1,)), "sign": (str, ("G", "F", "C")), "display-step": (str, STEP_PC),
    "alter": (float, (-2, -1, 0, 1, 2)), "per-minute": (float, None),
    "degree-value": (int, range(1, 14)), "degree-alter": (int, range(-2, 3)),
    **dict.fromkeys(("credit@page", "print@page-number", "tuplet@number", "staff-layout@number"),
                    (int, None))}


class Unsupported(JazzgenError):  # noqa: N818 - a signal, not an error anyone sees
    """Internal signal: this file needs music21 (never escapes ``read_musicxml``)."""


def _text(el: ET.Element | None) -> str:
    """Stripped text of an element, '' if absent (music21's strippedText)."""
    return (el.text or "").strip() if el is not None else ""


def _num(text: str | None, kind: type = int, allowed=None):
    """A value as ``kind`` (one of ``allowed``), else Unsupported: music21 may fail on it."""
    with contextlib.suppress(ValueError):
        value = kind(text or "")
        if allowed is None or value in allowed:
            return value
    raise Unsupported(f"the value {text!r}")


def _q(x: Fraction) -> Fraction:
    """A quarter-note value music21 holds exactly (it would round a finer one: refuse)."""
    if x.denominator > LIMIT:
        raise Unsupported("a value finer than music21's grid")
    return x


def read_direct(path: Path, track: str | int | None = None) -> Score:
    """The Score ``read_musicxml`` gives; Unsupported where music21 must decide."""
    try:
        return _read(path, track)
    except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:
        raise Unsupported(f"unexpected {type(exc).__name__}: music21 decides") from exc


def _read(path: Path, track: str | int | None) -> Score:
    """The body of ``read_direct``."""
    root = _load(path)
    if root.tag != "score-partwise":
        raise ReadError(f"{path.name}: unreadable MusicXML (root <{root.tag}>)", str(path))
    for el in root.iter():  # refuse what is not mirrored, and what music21 would fail on
        if any(child.tag not in ALLOWED.get(el.tag, (child.tag,)) for child in el):
            raise Unsupported(f"something in <{el.tag}> this reader does not mirror")
        for key, attr in ((el.tag, None), *((f"{el.tag}@{a}", a) for a in el.attrib)):
            if key in VALUES:
                _num(el.get(attr) if attr else _text(el), *VALUES[key])
    finale = "Finale" in next((t for s in root.iterfind("identification/encoding/software")
                               if (t := _text(s))), "")  # as music21 detects Finale
    score_parts = {sp.get("id"): sp for sp in root.iterfind("part-list/score-part")}
    parts = []
    for el in root.iterfind("part"):  # as music21's PartParser (no score-part: KeyError)
        name = (score_parts[el.get("id")].findtext("part-name") or "").strip().replace("\n", " ")
        part = SimpleNamespace(name=name, notes=[], symbols=[], marks=[], measures=[], count=0)
        state = {"div": Fraction(10080), "ts": Fraction(4), "finale": finale, "metered": False}
        exact, acc = Fraction(0), 0.0  # music21 sums measure offsets as floats, then rounds
        for midx, mx in enumerate(el):
            high, shift = _read_measure(mx, midx, exact, part, state)
            part.measures.append((exact, high))
            exact, acc = _q(exact + shift), acc + float(shift)
            if abs(Fraction(acc) - exact) > Fraction(1, 10 ** 11):
                raise Unsupported("measure offsets music21 would round differently")
        parts.append(part)
    key = str(track).strip()
    if not parts or track is not None and not key.isdigit() and not all(p.name for p in parts):
        raise Unsupported("no parts, or an unnamed one (music21 names it after its instrument)")
    part = max(parts, key=lambda p: p.count) if track is None else next(  # as _pick_part
        (p for i, p in enumerate(parts) if (i == int(key) if key.isdigit() else
                                            key.lower() in p.name.lower())), None)
    if part is None:
        raise ReadError(f"{path.name}: no part matches {track!r}", str(path), ReadError.NO_MELODY)
    # The first metronome mark of the flattened score: by offset, then part, then position.
    bpm = min(((m[0], i, m[1], m[2], m[3]) for i, p in enumerate(parts) for m in p.marks),
              default=(None,) * 5)[4] or 120.0
    title = root.findtext("work/work-title") or None  # music21 drops a work title that only
    title = None if title == root.findtext("movement-title") else title  # repeats the movement's
    if title and ("," in title or title != title.strip()):
        raise Unsupported("a title music21 may rewrite ('Song, The')")
    return _score(part, bpm, title or path.stem, path)


def _load(path: Path) -> ET.Element:
    """The XML root, from a plain file or an .mxl zip (the member music21 would read)."""
    try:
        if path.suffix != ".mxl":
            return ET.parse(path).getroot()
        with zipfile.ZipFile(path) as z:  # music21 takes the first score-like member, so
            first = next(n for n in z.namelist() if "META-INF" not in n and (  # it must be
                Path(n).suffix in (".musicxml", ".xml", ".mxl") or n == ".xml"))  # the root
            rootfile = ET.fromstring(z.read("META-INF/container.xml")).find(".//rootfile")
            if first != rootfile.get("full-path"):  # type: ignore[union-attr]
                raise Unsupported("container.xml names another score than music21 reads")
            data = z.read(first)
        found = re.match(rb"encoding=['\"](\S*?)['\"]", data[:1000])  # decoded as music21 does
        return ET.fromstring(data.decode(found.group(1).decode("ascii") if found else "UTF-8"))
    except (ET.ParseError, OSError, zipfile.BadZipFile, KeyError, StopIteration, AttributeError,
            UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, ET.ParseError) and path.suffix != ".mxl":
            raise ReadError(f"{path.name}: unreadable MusicXML ({exc})", str(path)) from None
        raise Unsupported("a file music21 must open and judge") from None


def _read_measure(mx: ET.Element, midx: int, moff: Fraction, part, state: dict) -> tuple:
    """One measure as music21's MeasureParser reads it; returns (length, offset shift)."""
    voices = {_text(v) for t in ("note", "forward") for v in mx.iterfind(f"{t}/voice")} - {""}
    rank = {v: i for i, v in enumerate(sorted(voices))}  # music21 makes voices in this order
    pos = high = Fraction(0)  # music21's offsetMeasureNote and the measure's highest time
    rests: list[list] = []  # [offset, seq, length, full-measure, whole-like, event]
    n_notes, sounding, timed, group, els = 0, False, False, [], list(mx)  # group: a chord
    for seq, el in enumerate(els):
        div, tag, off = state["div"], el.tag, pos
        with contextlib.suppress(TypeError, ValueError):  # music21 reads <offset> as a float
            if tag in ("harmony", "direction", "sound") and float(el.findtext("offset")):
                off = _q(pos + _num(el.findtext("offset")) / div)  # (no number counts as 0)
        if tag == "note":
            if len(voices) > 1 and not _text(el.find("voice")):
                raise Unsupported("a note without a voice among voices")
            nxt = (els[seq + 1:] or [mx])[0]  # the measure itself when this is the last
            next_chord = nxt.tag == "note" and nxt.find("chord") is not None
            if el.find("chord") is not None or next_chord:  # music21 gathers chord notes
                if el.find("rest") is not None or (el.find("chord") is not None and not group):
                    raise Unsupported("a rest in a chord, or a chord without its first note")
                group.append(el)
                if next_chord:
                    continue
            members, group = group or [el], []
            event = _note(members, div, (_q(moff + pos), midx, rank.get(
                _text(members[0].find("voice")), 0), seq))  # sorts as music21's flat part
            sounding, ql = True, event[1]
            if event[2] == "r":  # a rest counts towards the highest time once stretched
                kind, plain = _text(el.find("type")), el.find("time-modification") is None
                whole = plain and el.find("dot") is None and kind in ("whole", "breve") or (
                    not kind and ql in (4, 8))
                mark = el.find("rest").get("measure") == "yes"  # type: ignore[union-attr]
                rests.append([pos, seq, ql, mark and kind in ("", "whole", "breve"), whole, event])
            else:
                n_notes += len(members) == 1  # music21 does not count chords here
                part.count += 1
                high = max(high, pos + ql)
            part.notes.append(event)
            pos = _q(pos + ql)
        elif tag in ("backup", "forward") and _text(el.find("duration")):
            step = _q(_num(_text(el.find("duration"))) / div)
            if tag == "forward" and state["finale"]:
                raise Unsupported("a Finale <forward>: music21 writes a hidden rest")
            pos = max(_q(pos - step), Fraction(0)) if tag == "backup" else _q(pos + step)
        elif tag == "attributes":
            if any(el.find(t) is not None for t in ("key", "clef", "time")):
                high = max(high, pos)  # inserted at the current offset with no length
            for sub in el.iterfind("divisions"):
                state["div"] = Fraction(_num(sub.text, int, range(1, 10 ** 9)))
            for sub in el.iterfind("time"):
                beats, bt = _num(sub.findtext("beats")), _num(sub.findtext("beat-type"))
                if timed or pos or len(sub) != 2 or beats <= 0 or bt not in (1, 2, 4, 8, 16, 32):
                    raise Unsupported("a time signature music21 may place or read differently")
                state["ts"], state["metered"], timed = Fraction(4 * beats, bt), True, True
        elif tag == "harmony":
            if moff + off < 0:
                raise Unsupported("a chord symbol before the start")
            part.symbols.append(((_q(moff + off), midx, seq), *_harmony(el)))
            high = max(high, off)
        elif tag in ("direction", "sound"):
            kids = [k for k in el.iterfind("direction-type/*") if k.tag != "dynamics" or len(k)]
            marks = [_metronome(k) for k in kids if k.tag == "metronome"]
            sounds = [s for s in ([el] if tag == "sound" else el.iterfind("sound"))
                      if "tempo" in s.attrib][:1]
            if not marks and sounds and _num(sounds[0].get("tempo"), float):
                marks = [None]  # a <sound tempo> mark: music21 gives it no written number
            for sub, bpm in enumerate(marks):
                part.marks.append((_q(moff + off), midx, (seq, sub), bpm))
            high = max(high, off) if kids or marks else high
    ts = state["ts"]
    if any(r[3] for r in rests) or len(rests) == 1 and not n_notes:  # music21 stretches a
        if len(voices) > 1:  # lone rest, or one marked measure="yes", to the bar
            raise Unsupported("a whole-bar rest among voices")
        first = min(rests, key=lambda r: (r[0], r[1]))
        if first[3] or (first[2] != ts and first[4]):
            first[2] = first[5][1] = ts
    high = max([high] + [r[0] + r[2] for r in rests])
    if high > ts:
        diff = high - ts
        near = [min(diff % u, u - diff % u) for u in (Fraction(1, 16), Fraction(1, 12))]
        if any(0 < n < 2 * NEAR for n in near):
            raise Unsupported("an overfull measure at music21's float tolerance")
        return high, high if diff > Fraction(1, 2) or 0 in near else ts
    if high == 0 and not sounding:  # music21 fills an empty measure with a bar of rest
        part.notes.append([(moff, midx, 0, len(els)), ts, "r", 0, None, None, 90])
        return ts, ts
    if high < ts and (not state["metered"] or high == 0 and not timed):
        raise Unsupported("a short measure music21 may fail to measure against its meter")
    return high, high


def _note(members: list[ET.Element], div: Fraction, key: tuple) -> list:
    """The event [key, length, kind, midi, spelling, tie, velocity] of a note, rest or chord;
    <duration> counts unless <type>, dots and tuplet agree with it within 1e-7, as in music21."""
    lengths, pitches = [], []
    for el in members:
        q = _q(_num(el.findtext("duration")) / div) if el.find("duration") is not None else 0
        kind, tm, rest = _text(el.find("type")), el.find("time-modification"), el.find("rest")
        written = TYPE_QL.get(kind, 0) * (2 - Fraction(1, 2 ** len(el.findall("dot"))))
        if tm is not None:
            actual, normal = (_num(tm.findtext(t)) if _text(tm.find(t)) else d
                              for t, d in (("actual-notes", 3), ("normal-notes", 2)))
            if rest is not None and actual == normal:  # then music21's tuplets hold state
                raise Unsupported("a 1:1 time modification on a rest")
            written = written * normal / actual
        if q < 0 or kind and written != q and abs(written - q) < NEAR:
            raise Unsupported("a negative length, or one within music21's tolerance")
        lengths.append(Fraction(q))
        if rest is not None:
            continue
        node = el.find("pitch")  # none, or no octave: an error here, music21 decides
        step = _num(node.findtext("step"), str, tuple(STEP_PC))
        octave, alter = _num(node.findtext("octave")), _text(node.find("alter"))
        alter = int(float(alter)) if alter else None
        name = _text(el.find("accidental")).lower()  # it alters a pitch that has no <alter>
        name = _num({"flat-flat": "double-flat", "sharp-sharp": "double-sharp"}.get(
            name, name), str, ("", *ACCIDENTALS))
        alter = ACCIDENTALS.index(name) - 2 if name and alter is None else alter
        midi = 12 * (octave + 1) + STEP_PC[step] + (alter or 0)
        if not 0 <= midi <= 127:
            raise Unsupported("a pitch outside MIDI")
        spelling = name or (ACCIDENTALS[alter + 2] if alter is not None else None)
        pitches.append((midi, (step, octave, spelling)))  # what music21's Pitch == compares
    ties = [t.get("type") for n in members for t in n.iterfind("tie")]
    found = [t for t in ties if t is not None]
    tie = found[0] if len(found) == 1 else "continue" if {"start", "stop"} <= set(
        found) else "start" if ties else None  # "start" is music21's Tie() default
    grace = any(n.find("grace") is not None for n in members)
    dyn = [n.get("dynamics") for n in members if n.get("dynamics") is not None]
    if (ties or grace or dyn) and len(members) > 1 or ties and tie not in (
            "start", "stop", "continue") or grace and not pitches:
        raise Unsupported("a tie, grace or dynamics on a chord, odd ties, or a grace rest")
    event = [key, Fraction(0) if grace else lengths[0]]
    if not pitches:
        return event + ["r", 0, None, tie, 90]
    value = _num(dyn[0], float) * (90 / 12700) if dyn else -1.0  # music21's steps for <note
    vel = round(min(max((0.0 if value < 0 else 1.0 if value > 1 else value) * 127, 0), 127))
    vel = int(min(max(vel or 90, 1), 127)) if dyn else 90  # dynamics>, and its default
    return event + ["c" if len(members) > 1 else "n", max(p[0] for p in pitches),
                    pitches[0][1], tie, vel]


def _harmony(el: ET.Element) -> tuple[Chord | None, bool]:
    """(chord, is no-chord) of a <harmony> as ``chord_from_music21`` names music21's; only an
    inversion that agrees with the bass, or one add/alter degree: music21 fails on others."""
    def spelled(node: ET.Element, prefix: str) -> tuple[str, int]:
        step, alter = node.findtext(f"{prefix}-step"), _text(node.find(f"{prefix}-alter"))
        shift = int(float(alter)) if alter else 0
        return _num(step, str, tuple(STEP_PC)) + {-1: "b", 0: "", 1: "#"}[shift], (
            STEP_PC[step] + shift) % 12  # type: ignore[index]
    kind = CHORD_ALIASES.get(_text(el.find("kind")), _text(el.find("kind")))
    root, bass, inversion = el.find("root"), el.find("bass"), _text(el.find("inversion"))
    if kind == "none" and bass is None and not inversion:
        if root is not None:
            spelled(root, "root")  # music21 still reads it
        return None, True
    if kind not in KIND_SUFFIX or kind == "none" or root is None:
        raise Unsupported(f"chord kind {kind!r} or a chord without a root")
    name, pc = spelled(root, "root")
    bass_name, bass_pc = spelled(bass, "bass") if bass is not None else (name, pc)
    interval = ("CDEFGAB".index(name[0]) - "CDEFGAB".index(bass_name[0])) % 7 + 1
    if inversion and (bass is None or _num(inversion) != INVERSION[interval]):
        raise Unsupported("an inversion that may not exist")
    degrees = el.findall("degree")
    if degrees and (len(degrees) > 1 or inversion or degrees[0].findtext("degree-type") not in (
            "add", "alter")):
        raise Unsupported("chord degrees music21 may not take")
    try:
        slash = "" if bass_pc == pc else "/" + bass_name
        return parse_chord(name + KIND_SUFFIX[kind] + slash), False
    except ChordSymbolError:
        raise Unsupported("a symbol jazzgen names from music21's pitches") from None


def _metronome(el: ET.Element) -> float | None:
    """Quarter-note BPM of a <metronome>, as music21's getQuarterBPM gives it (None: none)."""
    if len(el.findall("beat-unit")) > 1 or len(el) and el[0].tag == "beat-unit-dot":
        raise Unsupported("a metric modulation or a dot before its beat unit")
    number = float(_text(el.find("per-minute")) or 0)  # none: music21's default tempo stays
    unit = TYPE_QL[_text(el.find("beat-unit")) or "quarter"]
    referent = float(unit * (2 - Fraction(1, 2 ** len(el.findall("beat-unit-dot")))))
    return float(60 / (60 / number / referent * 1.0)) if number else None  # music21's steps


def _score(part, bpm: float, title: str, path: Path) -> Score:
    """The chosen part as ``_part_to_score`` builds it from music21's flattened part."""
    def _ticks(x: Fraction) -> int:  # as jazzgen.io.musicxml._ticks rounds music21's values
        return int(round(float(x) * TICKS_PER_BEAT))
    events = sorted(part.notes, key=lambda e: e[0])
    line = [e for e in events if e[1] > 0]  # music21's stripTies walks these
    run, dropped = [], set()  # the tied run so far; the ids of the notes it absorbed
    for i, n in enumerate(line):
        last = line[i - 1] if i else None
        # music21 ties on: a stop; the same spelt pitch after a note; a rest after a rest
        linked = last is not None and i - 1 in run and (
            last[2] == n[2] == "n" and last[4] == n[4] or last[2] == n[2] == "r")
        if n[5] in ("start", "continue"):
            keep = bool(i) and i - 1 in run if n[5] == "start" else not run or linked
            run = run + [i] if keep else [i]
        elif n[2] != "c" and n[5] == "stop" or linked:
            run.append(i)
            if len(run) >= 2:  # the first takes the others' lengths; music21 removes them
                first = line[run[0]]
                first[1], first[5] = _q(first[1] + sum(line[j][1] for j in run[1:])), None
                dropped.update(id(line[j]) for j in run[1:])
            run = []
    notes, seen = [], {}
    for e in events:
        start, dur = _ticks(e[0][0]), _ticks(e[1])
        if e[2] == "r" or id(e) in dropped or dur <= 0:
            continue
        if seen.setdefault((start, e[3]), (dur, e[6])) != (dur, e[6]):
            raise Unsupported("two different notes of one pitch at one onset")
        notes.append(Note(e[3], start, dur, e[6]))
    if not notes:
        raise ReadError(f"{path.name}: no melody notes", str(path), ReadError.NO_MELODY)
    line = monophonic(sorted(notes, key=lambda n: (n.start, -n.pitch)))
    symbols = sorted(part.symbols, key=lambda s: s[0])
    spans = [(_ticks(s[0][0]), s[1]) for s in symbols] + [
        (_ticks(s[0][0]), None) for s in symbols if s[2]]
    sigs: list[TimeSignature] = []
    for off, length in part.measures:  # as _measure_signatures reads music21's measures
        ticks, start = _ticks(length), _ticks(off)
        den = 4 if ticks % TICKS_PER_BEAT == 0 else 8
        num = ticks * den // (4 * TICKS_PER_BEAT)  # an odd pickup keeps the meter in force
        if ticks <= 0 or ticks % (TICKS_PER_BEAT // 2) or sigs and (
                sigs[-1].numerator, sigs[-1].denominator) == (num, den):
            continue
        if sigs and sigs[-1].start == start:
            sigs.pop()
        sigs.append(TimeSignature(start, num, den))
    if not sigs or sigs[0].start != 0:
        first = sigs[0] if sigs else TimeSignature(0)
        sigs.insert(0, TimeSignature(0, first.numerator, first.denominator))
    return Score(notes=line, changes=changes_from_marks(spans, max(n.end for n in line)),
                 time_signatures=tuple(sigs), tempo=round(min(max(bpm, 10.0), 1000.0), 3),
                 title=title)
