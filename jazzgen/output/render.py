"""Every output beside a MIDI solo: WAV audio, a MusicXML lead sheet, a piano-roll PNG."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jazzgen.music.notes import Score


@dataclass(frozen=True)
class Outputs:
    """Which files to write beside each MIDI file, and the soundfont for audio."""

    wav: bool = False
    sheet: bool = False
    roll: bool = False
    soundfont: str | os.PathLike | None = None

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

        out.append(write_lead_sheet(score, midi_path.with_suffix(".musicxml")))
    if outputs.roll:
        from jazzgen.output.roll import write_piano_roll

        out.append(write_piano_roll(score, midi_path.with_suffix(".png")))
    return out
