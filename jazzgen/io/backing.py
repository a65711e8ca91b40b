"""A backing track, read for a solo over it and written back with the solo added.

``read_backing`` reads a MIDI file with every pitched and drum voice kept as a part (no
melody picked out), its chord symbols, meters and first tempo. ``backing_with_solo`` writes
the file's own tracks back event for event (tempo map, meters, controllers, sysex, names),
played ``repeat`` times in a row, plus one new track holding the solo: only the file's note
times move, by whole passes of the loop, so each pass is the file as it was.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import mido

from jazzgen.errors import ReadError
from jazzgen.io.limits import bounded
from jazzgen.io.midi import changes_from_text, read_events, voice_part
from jazzgen.music.gm import DRUM_CHANNEL
from jazzgen.music.humanize import SUBTICKS, Nudge
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Score

ONCE = frozenset({"track_name", "instrument_name", "copyright", "sequence_number",
                  "sequencer_specific", "end_of_track"})
"""Meta events written in the first pass only (a later pass plays the music again, it is not
a new track), besides system-exclusive messages."""
MAX_REPEAT = 64
"""Most passes through a backing track."""


@dataclass(frozen=True)
class Backing:
    """A backing track: ``score`` has no melody, every voice of the file as a part, the
    changes its chord symbols spell (none when it has none), its meters and first tempo;
    ``channels`` are the MIDI channels its messages use."""

    path: Path
    score: Score
    ticks_per_beat: int
    channels: frozenset[int]
    midi: mido.MidiFile  # the file as read, written back by backing_with_solo

    def free_channel(self) -> int | None:
        """The lowest MIDI channel (0-based) no track uses, the drum channel aside."""
        free = [c for c in range(16) if c != DRUM_CHANNEL and c not in self.channels]
        return free[0] if free else None


def read_backing(path: str | os.PathLike) -> Backing:
    """Read the MIDI file at ``path`` as a backing track. ReadError when it cannot be read,
    is a type 2 file (separate songs), holds no notes, or has a silence longer than
    ``MAX_SILENCE_BARS`` (reading would cut it, and the solo would drift from the file)."""
    path = Path(path)
    events = read_events(path)
    if events.midi.type == 2:
        raise ReadError(f"{path.name}: a type 2 MIDI file holds separate songs, not one "
                        f"backing track", str(path))
    parts = tuple(voice_part(v) for v in events.voices if v.notes)
    if not parts:
        raise ReadError(f"{path.name}: no notes to play over", str(path), ReadError.NO_MELODY)
    end = max(n.end for p in parts for n in p.notes)
    whole = Score((), changes_from_text(events.texts, end), events.time_signatures,
                  events.tempo, events.title or path.stem, parts)
    score = bounded(whole, path)
    if max(n.end for p in score.parts for n in p.notes) != end:
        raise ReadError(f"{path.name}: has a silence of more than 16 bars; cut it to play "
                        f"over the file", str(path))
    channels = frozenset(m.channel for t in events.midi.tracks for m in t
                         if not m.is_meta and hasattr(m, "channel"))
    return Backing(path, score, events.ticks_per_beat, channels, events.midi)


def backing_with_solo(backing: Backing, solo: tuple[Note, ...], nudges: tuple[Nudge, ...],
                      *, channel: int, program: int, name: str = "Solo", repeat: int = 1,
                      loop: int = 0, markers: tuple[tuple[int, str], ...] = ()) -> bytes:
    """The backing file played ``repeat`` times, each pass ``loop`` jazzgen ticks after the
    last, as type-1 MIDI bytes with one more track: the ``solo`` (jazzgen ticks) on
    ``channel`` with ``program``, played as ``nudges`` say, and ``markers`` (tick, text) as
    marker events (the chord symbols of changes the file did not spell)."""
    if not 1 <= repeat <= MAX_REPEAT:
        raise ValueError(f"repeat must be 1..{MAX_REPEAT}, got {repeat}")
    mid = backing.midi
    tpb = backing.ticks_per_beat

    def ticks(t: int, sub: int = 0) -> int:  # jazzgen ticks (+ nudge subticks) to the file's
        return round((t * SUBTICKS + sub) * tpb / (TICKS_PER_BEAT * SUBTICKS))

    out = mido.MidiFile(type=1, ticks_per_beat=mid.ticks_per_beat)
    for track in mid.tracks:
        timed, now = [], 0
        for msg in track:
            now += msg.time
            timed.append((now, msg))
        events = []
        for k in range(repeat):
            shift = ticks(k * loop)
            events += [(t + shift, m) for t, m in timed
                       if k == 0 or not (m.type in ONCE or m.type == "sysex")
                       if m.type != "end_of_track"]
        end = max([t for t, _ in timed] + [ticks(repeat * loop)])
        out.tracks.append(_track(sorted(events, key=lambda e: e[0]), end))
    events = [(0, mido.MetaMessage("track_name", name=name)),
              (0, mido.Message("program_change", channel=channel, program=program))]
    events += [(ticks(t), mido.MetaMessage("marker", text=text)) for t, text in markers]
    for n, nudge in zip(solo, nudges, strict=True):
        events.append((ticks(n.start, nudge.on), mido.Message(
            "note_on", channel=channel, note=n.pitch, velocity=nudge.velocity)))
        events.append((ticks(n.end, nudge.off), mido.Message(
            "note_off", channel=channel, note=n.pitch, velocity=0)))
    # note-offs before note-ons at the same time, so repeated notes re-strike
    events.sort(key=lambda e: (e[0], e[1].type == "note_on"))
    out.tracks.append(_track(events, events[-1][0]))
    buf = io.BytesIO()
    out.save(file=buf)
    return buf.getvalue()


def _track(events: list[tuple[int, mido.Message | mido.MetaMessage]], end: int) -> mido.MidiTrack:
    """Absolute-time events (sorted) to a delta-time track ending at ``end``."""
    track = mido.MidiTrack()
    last = 0
    for when, msg in events:
        track.append(msg.copy(time=when - last))
        last = when
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - last)))
    return track
