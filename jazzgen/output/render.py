"""Every output beside a MIDI solo: WAV audio, a MusicXML lead sheet, a piano-roll PNG."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jazzgen.music.gm import DRUM_CHANNEL
from jazzgen.music.notes import Score
from jazzgen.output.parts import WrittenPart, part_for_program


@dataclass(frozen=True)
class Outputs:
    """Which files to write beside each MIDI file, the soundfont for audio, and the part the
    lead sheet is written for (None: the part of the solo's instrument in the MIDI file)."""

    wav: bool = False
    sheet: bool = False
    roll: bool = False
    soundfont: str | os.PathLike | None = None
    part: WrittenPart | None = None

    def check(self) -> None:
        """Fail now, before any work, if audio is asked for and cannot be made."""
        if self.wav:
            from jazzgen.output.audio import check_synth

            check_synth(self.soundfont)


def write_outputs(midi_path: str | os.PathLike, outputs: Outputs,
                  score: Score | None = None) -> list[Path]:
    """Write STEM.wav, STEM.musicxml and/or STEM.png beside ``midi_path``; returns the paths.

    ``score`` is the music in the MIDI file; without it the file is read back.
    """
    midi_path = Path(midi_path)
    out: list[Path] = []
    if outputs.wav:
        from jazzgen.output.audio import render_wav

        out.append(render_wav(midi_path, midi_path.with_suffix(".wav"),
                              soundfont=outputs.soundfont))
    if (outputs.sheet or outputs.roll) and score is None:
        from jazzgen.io.midi import read_midi

        score = read_midi(midi_path)
    if outputs.sheet:
        from jazzgen.output.sheet import write_lead_sheet

        part = outputs.part if outputs.part is not None else \
            part_for_program(solo_program(midi_path, score))
        out.append(write_lead_sheet(score, midi_path.with_suffix(".musicxml"), part=part))
    if outputs.roll:
        from jazzgen.output.roll import write_piano_roll

        out.append(write_piano_roll(score, midi_path.with_suffix(".png")))
    return out


def solo_program(midi_path: str | os.PathLike, score: Score) -> int | None:
    """The General MIDI program (0-based) that the solo of ``score`` has in ``midi_path``,
    the file it was read from or written to; None if the file does not say.

    The solo is the one pitched track and channel that is none of ``score.parts`` (named as
    ``read_midi`` names them); its program is the last one set before its first note.
    """
    import mido
    from mido.midifiles.meta import KeySignatureError

    accompaniment = {(p.name, p.channel) for p in score.parts}
    solos: dict[tuple[int, int], int | None] = {}
    try:
        tracks = mido.MidiFile(midi_path, clip=True).tracks
    except (OSError, EOFError, ValueError, IndexError, KeyError, TypeError,
            KeySignatureError):
        return None  # read_midi reads some files mido alone does not (RIFF-wrapped ones)
    for index, track in enumerate(tracks):
        name, programs = "", {}
        for msg in track:
            if msg.type == "track_name" and not name:
                name = msg.name.strip()
            elif msg.type == "program_change":
                programs[msg.channel] = msg.program
            elif msg.type == "note_on" and msg.velocity and msg.channel != DRUM_CHANNEL \
                    and (name or f"Track {index}", msg.channel) not in accompaniment:
                solos.setdefault((index, msg.channel), programs.get(msg.channel))
    return next(iter(solos.values())) if len(solos) == 1 else None
