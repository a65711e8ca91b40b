"""Read and write Standard MIDI Files; the only module that touches mido.

``read_midi`` turns any type 0/1/2 file into a :class:`~jazzgen.music.notes.Score`: the melody
(solo) track picked automatically, chords from chord-symbol text events or inferred from
the accompaniment, the time-signature map and the first tempo. ``write_midi`` writes a
type-1 file with a conductor track (tempo, meter, chord symbols as markers), the solo and
any band parts, played as written or as a humanized ``Performance`` says (finer timing than
the score's grid: 20 MIDI ticks to a jazzgen tick).
"""

from __future__ import annotations

import io
import os
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import mido
from mido.midifiles.meta import KeySignatureError

from jazzgen.errors import ChordSymbolError, InvalidValueError, ReadError
from jazzgen.io import atomic
from jazzgen.io.limits import bounded, check_size
from jazzgen.music.chords import ChordChange, changes_from_marks, parse_chord_or_none
from jazzgen.music.gm import DRUM_CHANNEL, SOLO_PROGRAM
from jazzgen.music.humanize import SUBTICKS, Nudge, Performance
from jazzgen.music.inference import accompaniment, infer_changes
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Part, Score, TimeSignature, monophonic

OUT_TICKS_PER_BEAT = TICKS_PER_BEAT * SUBTICKS  # 480: exact for the grid, room for nudges
CHORD_TEXT_TYPES = ("marker", "text", "cue_marker")
MELODY_NAMES = re.compile(
    r"solo|melody|lead|sax|trumpet|tenor|alto|sopran|horn|trombone|flute|clarinet|vocal|voice",
    re.I,
)
ACCOMP_NAMES = re.compile(r"chord|comp|bass|drum|perc|piano|guitar|keys|rhythm|string|pad", re.I)


@dataclass
class _Voice:
    """Notes of one (track, channel) pair while reading."""

    track: int
    channel: int
    name: str
    program: int
    notes: list[Note]


def read_midi(path: str | os.PathLike, track: str | int | None = None,
              infer_chords: bool = True) -> Score:
    """Read a MIDI file into a Score: melody, chords, meter, tempo; other tracks as parts.

    ``track`` picks the melody by track index or (part of) its name; by default the most
    melody-like track is chosen. Without chord-symbol text events the changes are inferred
    from the accompaniment (``music.inference``), unless ``infer_chords`` is False (then
    there are none). Silences longer than ``MAX_SILENCE_BARS`` are cut (see
    :mod:`jazzgen.io.limits`). Raises :class:`~jazzgen.errors.ReadError` naming what is wrong.
    """
    path = Path(path)
    events = read_events(path)
    voice_list = [v for v in events.voices if v.notes]
    melodic = [v for v in voice_list if v.channel != DRUM_CHANNEL]
    if not melodic:
        raise _error(path, "no melody (no pitched notes outside the drum channel)",
                     ReadError.NO_MELODY)
    melody = _pick_melody(melodic, track, path)
    line = monophonic(sorted(melody.notes, key=lambda n: (n.start, -n.pitch)), merge_gap=2)
    parts = tuple(voice_part(v) for v in voice_list if v is not melody)
    end = max([n.end for n in line] + [n.end for p in parts for n in p.notes])
    score = bounded(Score(
        notes=line,
        changes=_changes_from_text(list(events.texts), end),
        time_signatures=events.time_signatures,
        tempo=events.tempo,
        title=events.title or path.stem,
        parts=parts,
    ), path)  # long silences cut before chords are inferred bar by bar
    if score.changes or not infer_chords:
        return score
    return replace(score, changes=infer_changes(score, accompaniment(score.parts)))


@dataclass(frozen=True)
class Events:
    """What a MIDI file holds, on jazzgen's grid: every (track, channel) voice's notes, the
    time-signature map (one at tick 0 at least), chord-symbol-like texts, the first tempo
    (BPM, 120 when none, kept in 10..1000), the first track's name, and the file itself."""

    voices: tuple[_Voice, ...]
    time_signatures: tuple[TimeSignature, ...]
    texts: tuple[tuple[int, str], ...]
    tempo: float
    title: str
    midi: mido.MidiFile
    ticks_per_beat: int  # of the file (its division, a 0xD890 one read as 55440)


def read_events(path: Path) -> Events:
    """Read every note, meter, text and the first tempo of the MIDI file at ``path``."""
    mid = open_midi(path)
    tpb = mid.ticks_per_beat
    if tpb <= 0:
        # A division with the top bit set is SMPTE time in principle, but real files with
        # 0xD890 mean 55440 PPQ that overflowed into that bit (no real fps is -40).
        tpb += 65536
    if tpb <= 0:
        raise _error(path, f"unsupported time division {mid.ticks_per_beat}")

    def q(t: int) -> int:
        return int(round(t * TICKS_PER_BEAT / tpb))

    tempo = None
    sigs: dict[int, TimeSignature] = {}
    texts: list[tuple[int, str]] = []
    voices: dict[tuple[int, int], _Voice] = {}
    title = ""
    for ti, trk in enumerate(mid.tracks):
        name = ""
        programs: dict[int, int] = {}
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        now = 0
        for msg in trk:
            now += msg.time
            if msg.is_meta:
                if msg.type == "track_name" and not name:
                    name = msg.name.strip()
                    if ti == 0 and not title:
                        title = name
                elif msg.type == "set_tempo" and tempo is None and msg.tempo > 0:
                    tempo = mido.tempo2bpm(msg.tempo)
                elif msg.type == "time_signature":
                    try:
                        sig = TimeSignature(q(now), msg.numerator, msg.denominator)
                    except InvalidValueError:
                        continue
                    sigs[sig.start] = sig
                elif msg.type in CHORD_TEXT_TYPES:
                    texts.append((q(now), msg.text.strip()))
                continue
            if msg.type == "program_change":
                programs[msg.channel] = msg.program
            elif msg.type in ("note_on", "note_off"):
                key = (msg.channel, msg.note)
                if msg.type == "note_on" and msg.velocity > 0:
                    if open_notes[key]:  # re-struck before release: end the old one here
                        _close(voices, ti, name, programs, key, open_notes[key].pop(0), now, q)
                    open_notes[key].append((now, msg.velocity))
                elif open_notes[key]:
                    _close(voices, ti, name, programs, key, open_notes[key].pop(0), now, q)
        for key, starts in open_notes.items():  # never released: end at the track's end
            for start in starts:
                _close(voices, ti, name, programs, key, start, now, q)
    sig_list = tuple(sigs[k] for k in sorted(sigs)) or (TimeSignature(0),)
    if sig_list[0].start != 0:
        sig_list = (TimeSignature(0, sig_list[0].numerator, sig_list[0].denominator),) + sig_list
    return Events(tuple(voices.values()), sig_list, tuple(texts),
                  round(min(max(tempo or 120.0, 10.0), 1000.0), 3), title, mid, tpb)


def voice_part(v: _Voice) -> Part:
    """A voice as a Part (named after its track, or "Track N"), notes sorted."""
    return Part(name=v.name or f"Track {v.track}",
                notes=tuple(sorted(v.notes, key=lambda n: (n.start, n.pitch))),
                program=v.program, channel=v.channel, is_drum=v.channel == DRUM_CHANNEL)


def changes_from_text(texts, end: int) -> tuple[ChordChange, ...]:
    """Chord changes from a file's chord-symbol texts (none if they are not chord symbols)."""
    return _changes_from_text(list(texts), end)


def _error(path: Path, what: str, reason: str = ReadError.UNREADABLE) -> ReadError:
    """The ReadError for ``path``: its name, what is wrong, and the skip reason."""
    return ReadError(f"{path.name}: {what}", str(path), reason)


def open_midi(path: Path) -> mido.MidiFile:
    """Open with mido, turning every way a file can be broken into a ReadError."""
    check_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _error(path, f"cannot read ({exc.strerror or exc})") from None
    if data[:4] == b"RIFF" and data[8:12] == b"RMID":  # RIFF MIDI wrapper: take the data chunk
        idx = data.find(b"MThd")
        data = data[idx:] if idx >= 0 else b""
    if not data.startswith(b"MThd"):
        raise _error(path, "not a MIDI file (no MThd header)")
    try:
        return mido.MidiFile(file=io.BytesIO(data), clip=True)
    except (OSError, EOFError, ValueError, IndexError, KeyError, TypeError,
            KeySignatureError) as exc:
        reason = str(exc) or type(exc).__name__
        raise _error(path, f"corrupt MIDI ({reason})") from None


def midi_length_seconds(path: str | os.PathLike) -> float:
    """Length of a MIDI file in seconds, every tempo change honoured (a Score keeps only the
    first tempo, so this asks mido)."""
    path = Path(path)
    try:
        return float(open_midi(path).length)
    except (ValueError, TypeError) as exc:  # a type 2 file has no single length
        raise _error(path, f"no length in seconds ({exc})") from None


def _close(voices, ti, name, programs, key, start_vel, now, q) -> None:
    """Finish one sounding note and file it under its (track, channel) voice."""
    channel, pitch = key
    start, vel = start_vel
    qs, qe = q(start), q(now)
    if qe <= qs:
        if now <= start:
            return  # zero-length note: nothing sounds
        qe = qs + 1
    voice = voices.get((ti, channel))
    if voice is None:
        voice = voices[(ti, channel)] = _Voice(ti, channel, name, programs.get(channel, 0), [])
    voice.program = programs.get(channel, voice.program)
    voice.notes.append(Note(pitch, qs, qe - qs, max(1, min(vel, 127))))


def _pick_melody(voices: list[_Voice], track: str | int | None, path: Path) -> _Voice:
    """The voice named or numbered by ``track``, else the most melody-like one."""
    if track is not None:
        key = str(track).strip()
        if key.isdigit():
            hits = [v for v in voices if v.track == int(key)]
        else:
            hits = [v for v in voices if key.lower() in v.name.lower()]
        if not hits:
            names = ", ".join(f"{v.track}:{v.name or '?'}" for v in voices)
            raise _error(path, f"no track matches {track!r} (tracks: {names})",
                         ReadError.NO_MELODY)
        return max(hits, key=lambda v: len(v.notes))

    def score(v: _Voice) -> float:
        starts = [n.start for n in v.notes]
        mono = len(set(starts)) / len(starts)
        mean_pitch = sum(n.pitch for n in v.notes) / len(v.notes)
        s = len(set(starts)) * mono**2 * (1.0 if mean_pitch >= 55 else 0.3)
        if MELODY_NAMES.search(v.name):
            s *= 4.0
        elif ACCOMP_NAMES.search(v.name):
            s *= 0.25
        return s

    return max(voices, key=score)


def _changes_from_text(texts: list[tuple[int, str]], end: int) -> tuple[ChordChange, ...]:
    """Chord changes from chord-symbol text events, if the texts really are chord symbols."""
    if not texts:
        return ()
    parsed = []
    bad = 0
    for tick, text in sorted(texts, key=lambda t: t[0]):
        try:
            parsed.append((tick, parse_chord_or_none(text)))
        except ChordSymbolError:
            bad += 1
    # Lyrics, cue words and section names are text events too: trust the texts only when
    # most of them read as chord symbols.
    if not parsed or bad > len(parsed):
        return ()
    return changes_from_marks(parsed, end)


def score_to_bytes(
    score: Score, solo_program: int = SOLO_PROGRAM, solo_name: str = "Solo",
    performance: Performance | None = None,
) -> bytes:
    """Encode ``score`` as a type-1 MIDI file (deterministic bytes), its notes moved and
    their velocities set as ``performance`` says (None: exactly as written)."""
    scale = SUBTICKS
    if performance is not None:
        performance.check(score)
    conductor: list[tuple[int, int, mido.MetaMessage | mido.Message]] = []
    conductor.append((0, 0, mido.MetaMessage("track_name", name=score.title or "jazzgen")))
    conductor.append((0, 1, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(score.tempo))))
    for sig in score.time_signatures:
        meta = mido.MetaMessage(
            "time_signature", numerator=sig.numerator, denominator=sig.denominator
        )
        conductor.append((sig.start * scale, 2, meta))
    for change in score.changes:
        marker = mido.MetaMessage("marker", text=change.chord.symbol)
        conductor.append((change.start * scale, 3, marker))
    tracks = [_to_track(conductor)]
    solo = Part(solo_name, score.notes, program=solo_program, channel=0)
    for k, part in enumerate((solo, *score.parts)):
        nudges = performance.lines[k] if performance is not None else \
            [Nudge(0, 0, n.velocity) for n in part.notes]
        events: list[tuple[int, int, mido.MetaMessage | mido.Message]] = [
            (0, 0, mido.MetaMessage("track_name", name=part.name))
        ]
        if not part.is_drum:
            events.append((0, 1, mido.Message("program_change", channel=part.channel,
                                              program=part.program)))
        for n, nudge in zip(part.notes, nudges, strict=True):
            events.append((n.start * scale + nudge.on, 3, mido.Message(
                "note_on", channel=part.channel, note=n.pitch, velocity=nudge.velocity)))
            # note-offs sort before note-ons at the same tick so repeated notes re-strike
            events.append((n.end * scale + nudge.off, 2, mido.Message(
                "note_off", channel=part.channel, note=n.pitch, velocity=0)))
        tracks.append(_to_track(events))
    mid = mido.MidiFile(type=1, ticks_per_beat=OUT_TICKS_PER_BEAT)
    mid.tracks.extend(tracks)
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def write_midi(
    score: Score, path: str | os.PathLike, solo_program: int = SOLO_PROGRAM,
    solo_name: str = "Solo", performance: Performance | None = None,
) -> Path:
    """Write ``score`` to ``path`` as a type-1 MIDI file, atomically (played as
    ``performance`` says, if given)."""
    return atomic.write_bytes(path, score_to_bytes(score, solo_program, solo_name,
                                                   performance))


def _to_track(events) -> mido.MidiTrack:
    """Absolute-time events to a delta-time track, in a stable order."""
    events = sorted(events, key=lambda e: (e[0], e[1], getattr(e[2], "note", 0)))
    track = mido.MidiTrack()
    last = 0
    for when, _, msg in events:
        track.append(msg.copy(time=when - last))
        last = when
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track
