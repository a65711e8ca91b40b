"""jazzgen.output.audio: WAV through FluidSynth (level, length, pitch, determinism), the
install hints when it is missing, and playback through the first working player."""

from __future__ import annotations

import shutil
import stat
import wave
from pathlib import Path

import numpy as np
import pytest
from builders import band_score

from jazzgen.errors import NoAudioError, RenderError
from jazzgen.music.notes import Note, Score
from jazzgen.output import audio
from jazzgen.output.audio import find_soundfont

HAVE_SYNTH = shutil.which("fluidsynth") is not None and find_soundfont() is not None
needs_synth = pytest.mark.skipif(
    not HAVE_SYNTH,
    reason="FluidSynth or a GM soundfont missing (apt-get install fluidsynth fluid-soundfont-gm)",
)


def _read_wav(path: Path) -> tuple[np.ndarray, int, int, int]:
    """Samples in [-1, 1] as (frames, channels), the rate, channel count and sample width."""
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
        return data.reshape(-1, w.getnchannels()), w.getframerate(), w.getnchannels(), \
            w.getsampwidth()


def _dbfs(x: np.ndarray) -> float:
    """RMS level in dB relative to full scale."""
    return float(20 * np.log10(np.sqrt(np.mean(x**2)) + 1e-12))


SF2_HEAD = b"RIFF\x04\x00\x00\x00sfbk"


def _one_note_midi(path: Path) -> Path:
    from jazzgen.io.midi import write_midi

    return write_midi(Score(notes=(Note(69, 0, 24, 100),), tempo=120.0), path)


# ---------------------------------------------------------------- tools and error messages


def test_missing_fluidsynth_gives_one_line_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(RenderError) as err:
        audio.render_wav(tmp_path / "x.mid", tmp_path / "x.wav")
    msg = str(err.value)
    assert "apt-get install fluidsynth fluid-soundfont-gm" in msg and "\n" not in msg


def test_missing_soundfont_names_the_ways_out(monkeypatch, tmp_path):
    monkeypatch.setattr(audio.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(audio, "SOUNDFONT_PATHS", ())
    monkeypatch.delenv(audio.SOUNDFONT_ENV, raising=False)
    assert find_soundfont() is None
    with pytest.raises(RenderError, match="no General MIDI soundfont found"):
        audio.check_synth()
    with pytest.raises(RenderError, match=r"fluid-soundfont-gm.*or give a soundfont file"):
        audio.render_wav(tmp_path / "x.mid", tmp_path / "x.wav")
    with pytest.raises(RenderError, match="soundfont not found: .*nope.sf2"):
        audio.render_wav(tmp_path / "x.mid", tmp_path / "x.wav", soundfont=tmp_path / "nope.sf2")
    monkeypatch.setenv(audio.SOUNDFONT_ENV, str(tmp_path / "gone.sf2"))
    with pytest.raises(RenderError, match="JAZZGEN_SOUNDFONT=.*gone.sf2 is not a file"):
        audio.render_wav(tmp_path / "x.mid", tmp_path / "x.wav")


def test_soundfont_env_var_wins(monkeypatch, tmp_path):
    sf = tmp_path / "my.sf2"
    sf.write_bytes(SF2_HEAD)
    monkeypatch.setenv(audio.SOUNDFONT_ENV, str(sf))
    assert find_soundfont() == sf
    monkeypatch.setattr(audio.shutil, "which", lambda name: "/usr/bin/" + name)
    assert audio.check_synth() == sf


@pytest.mark.parametrize("content", [b"", b"RIFF", np.random.default_rng(0).bytes(4096),
                                     b"RIFF\x04\x00\x00\x00WAVEfmt "])
def test_a_file_that_is_not_a_soundfont_is_refused_by_name(monkeypatch, tmp_path, content):
    monkeypatch.setattr(audio.shutil, "which", lambda name: "/usr/bin/" + name)
    sf = tmp_path / "corrupt.sf2"
    sf.write_bytes(content)
    with pytest.raises(RenderError, match="corrupt.sf2 is not a SoundFont 2 file"):
        audio.check_synth(sf)
    monkeypatch.setenv(audio.SOUNDFONT_ENV, str(sf))
    with pytest.raises(RenderError, match="not a SoundFont 2 file"):
        audio.check_synth()


def _fake_fluidsynth(monkeypatch, stderr: str, sample: float):
    """fluidsynth replaced by a stub that writes one second of ``sample`` and ``stderr``."""
    monkeypatch.setattr(audio.shutil, "which", lambda name: "/usr/bin/" + name)

    def run(cmd, **_kw):
        raw = Path(cmd[cmd.index("-F") + 1])
        np.full((audio.SAMPLE_RATE, 2), sample, "<f4").tofile(raw)
        return audio.subprocess.CompletedProcess(cmd, 0, "", stderr)

    monkeypatch.setattr(audio.subprocess, "run", run)


def test_a_soundfont_fluidsynth_fails_to_load_is_an_error_not_a_fallback(monkeypatch,
                                                                         tmp_path):
    # FluidSynth exits 0 and renders with its default soundfont when the one given fails
    sf = tmp_path / "broken.sf2"
    sf.write_bytes(SF2_HEAD)
    _fake_fluidsynth(monkeypatch, 'fluidsynth: error: Failed to load SoundFont "broken.sf2"\n',
                     0.1)
    midi = _one_note_midi(tmp_path / "a.mid")
    with pytest.raises(RenderError, match="could not load soundfont .*broken.sf2"):
        audio.render_wav(midi, tmp_path / "a.wav", soundfont=sf)
    assert not (tmp_path / "a.wav").exists()


def test_silent_audio_from_a_midi_with_notes_is_an_error(monkeypatch, tmp_path):
    sf = tmp_path / "quiet.sf2"
    sf.write_bytes(SF2_HEAD)
    _fake_fluidsynth(monkeypatch, "", 0.0)
    midi = _one_note_midi(tmp_path / "a.mid")
    with pytest.raises(RenderError, match="a.mid with quiet.sf2 is silent"):
        audio.render_wav(midi, tmp_path / "a.wav", soundfont=sf)
    assert not (tmp_path / "a.wav").exists()
    _fake_fluidsynth(monkeypatch, "", 0.1)  # the same path with sound writes the WAV
    assert audio.render_wav(midi, tmp_path / "a.wav", soundfont=sf).is_file()


@needs_synth
def test_a_truncated_real_soundfont_is_refused(tmp_path):
    sf = tmp_path / "trunc.sf2"
    with open(find_soundfont(), "rb") as fh:
        sf.write_bytes(fh.read(1 << 20))
    midi = _one_note_midi(tmp_path / "a.mid")
    with pytest.raises(RenderError, match="trunc.sf2"):
        audio.render_wav(midi, tmp_path / "a.wav", soundfont=sf)
    assert not (tmp_path / "a.wav").exists()


# ---------------------------------------------------------------- audio


@pytest.fixture(scope="module")
def band_outputs(tmp_path_factory) -> tuple[Path, list[Path]]:
    """A 2-bar solo with band written as MIDI and rendered by write_outputs (WAV, sheet, roll)."""
    if not HAVE_SYNTH:
        pytest.skip("FluidSynth or a GM soundfont missing")
    from jazzgen.io.midi import write_midi

    midi = write_midi(band_score(), tmp_path_factory.mktemp("band") / "solo.mid")
    from jazzgen.output.render import Outputs, write_outputs

    return midi, write_outputs(midi, Outputs(wav=True, sheet=True, roll=True))


@needs_synth
def test_band_render_is_loud_enough_and_as_long_as_the_midi(band_outputs):
    import mido

    midi, paths = band_outputs
    assert [p.name for p in paths] == ["solo.wav", "solo.musicxml", "solo.png"]
    samples, rate, channels, width = _read_wav(paths[0])
    assert (rate, channels, width) == (44100, 2, 2)
    level = _dbfs(samples)
    assert -20.0 <= level <= -12.0  # normalised, far above FluidSynth's default -33..-42
    assert np.abs(samples).max() <= 10 ** (-0.9 / 20)  # peaks held under -1 dBFS, no clipping
    midi_len = mido.MidiFile(midi).length
    assert abs(len(samples) / rate - midi_len) < 0.5
    # the reverb tail is faded, not cut: the last 10 ms are near silence
    assert _dbfs(samples[-441:]) < -60


@needs_synth
def test_render_is_deterministic(band_outputs, tmp_path):
    midi, paths = band_outputs
    again = audio.render_wav(midi, tmp_path / "again.wav")
    assert again.read_bytes() == paths[0].read_bytes()


@needs_synth
def test_a4_renders_at_440_hz_and_gain_skips_normalising(tmp_path):
    from jazzgen.io.midi import write_midi

    # A flute (GM 73) has a strong fundamental; two beats at 60 BPM = 2 s of A4.
    midi = write_midi(Score((Note(69, 0, 48, 100),), tempo=60.0), tmp_path / "a4.mid",
                      solo_program=73)
    samples, rate, _, _ = _read_wav(audio.render_wav(midi, tmp_path / "a4.wav"))
    mono = samples.mean(axis=1)[int(0.3 * rate): int(1.8 * rate)]  # skip attack and release
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono)), 1 << 20))
    peak = np.fft.rfftfreq(1 << 20, 1 / rate)[np.argmax(spectrum)]
    assert abs(peak - 440.0) <= 3.0
    quiet, _, _, _ = _read_wav(audio.render_wav(midi, tmp_path / "raw.wav", gain=0.2))
    assert _dbfs(quiet) < _dbfs(samples) - 6


# ---------------------------------------------------------------- play


def _fake_player(folder: Path, name: str, code: int, message: str = "") -> Path:
    """An executable that records its arguments, prints ``message`` and exits with ``code``."""
    script = folder / name
    script.write_text(f"#!/bin/sh\necho \"$@\" > '{folder}/{name}.args'\n"
                      f"echo '{message}' >&2\nexit {code}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _tiny_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\0\0" * 100)
    return path


def test_play_uses_the_first_player_that_works(monkeypatch, tmp_path):
    _fake_player(tmp_path, "broken", 1, "audio open error: no soundcards")
    _fake_player(tmp_path, "good", 0)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(audio, "PLAYERS", (("broken",), ("good", "-q")))
    wav = _tiny_wav(tmp_path / "s.wav")
    assert audio.play(wav) == "played s.wav with good"
    assert (tmp_path / "good.args").read_text().split() == ["-q", str(wav)]


def test_play_without_a_device_says_why(monkeypatch, tmp_path):
    _fake_player(tmp_path, "broken", 1, "audio open error: no soundcards")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(audio, "PLAYERS", (("broken",),))
    wav = _tiny_wav(tmp_path / "s.wav")
    with pytest.raises(NoAudioError, match="no audio device available.*no soundcards"):
        audio.play(wav)
    monkeypatch.setattr(audio, "PLAYERS", (("missing-player",),))
    with pytest.raises(NoAudioError, match=r"no audio player found \(tried missing-player\)"):
        audio.play(wav)
