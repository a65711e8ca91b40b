"""Hear a solo: WAV through FluidSynth, and playback through the system's player.

Audio: the ``fluidsynth`` program renders 32-bit float samples (no clipping inside the
synth), then NumPy trims its ~4 s reverb tail to ``tail`` seconds past the MIDI's end with a
fade, scales the level to about -16 dBFS RMS with peaks at most -1 dBFS, and ``wave`` writes
16-bit stereo at 44.1 kHz. FluidSynth's output is byte-identical across runs with the same
soundfont, so the WAV is too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from jazzgen.errors import MissingProgramError, NoAudioError, ReadError, RenderError
from jazzgen.io import atomic
from jazzgen.io.midi import midi_length_seconds

SOUNDFONT_ENV = "JAZZGEN_SOUNDFONT"
SOUNDFONT_PATHS = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),  # Debian/Ubuntu fluid-soundfont-gm
    Path("/usr/share/soundfonts/default.sf2"),  # Fedora/Arch alternatives link
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/default-GM.sf2"),
    Path("/opt/homebrew/share/soundfonts/default.sf2"),
)
SAMPLE_RATE = 44100
TARGET_RMS_DBFS = -16.0
PEAK_CEILING_DBFS = -1.0
TAIL_SECONDS = 0.4
"""Sound kept past the MIDI's end, faded out (the WAV stays within 0.5 s of the MIDI)."""
PLAYERS = (("afplay",), ("paplay",), ("aplay", "-q"), ("ffplay", "-nodisp", "-autoexit",
                                                       "-loglevel", "error"))
FLUIDSYNTH_HINT = "install it with 'apt-get install fluidsynth fluid-soundfont-gm'"
SOUNDFONT_HINT = (f"install one with 'apt-get install fluid-soundfont-gm', set {SOUNDFONT_ENV}, "
                  "or give a soundfont file")
_CHUNK = 1 << 20  # frames per block, so hour-long renders never sit in memory as floats


def find_soundfont() -> Path | None:
    """The General MIDI soundfont to use: $JAZZGEN_SOUNDFONT, else a known install path."""
    env = os.environ.get(SOUNDFONT_ENV)
    candidates = ((Path(env),) if env else ()) + SOUNDFONT_PATHS
    return next((p for p in candidates if p.is_file()), None)


def _soundfont(soundfont: str | os.PathLike | None) -> Path:
    """The soundfont asked for, checked; MissingProgramError with the install hint when none."""
    if soundfont is not None:
        if not Path(soundfont).is_file():
            raise RenderError(f"soundfont not found: {soundfont}")
        return _sf2_checked(Path(soundfont))
    env = os.environ.get(SOUNDFONT_ENV)
    if env and not Path(env).is_file():
        raise RenderError(f"{SOUNDFONT_ENV}={env} is not a file")
    found = find_soundfont()
    if found is None:
        raise MissingProgramError("no General MIDI soundfont found", "soundfont", SOUNDFONT_HINT)
    return _sf2_checked(found)


def _sf2_checked(path: Path) -> Path:
    """``path`` if it starts as a SoundFont 2 file does (a RIFF chunk of form 'sfbk');
    FluidSynth would otherwise fall back to another soundfont without failing."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise RenderError(f"cannot read soundfont {path}: {exc.strerror or exc}") from None
    if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise RenderError(f"soundfont {path} is not a SoundFont 2 file (no RIFF 'sfbk' header)")
    return path


def _fluidsynth() -> str:
    """Path of the fluidsynth program; MissingProgramError with the install hint when missing."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise MissingProgramError("FluidSynth is not installed", "fluidsynth", FLUIDSYNTH_HINT)
    return exe


def check_synth(soundfont: str | os.PathLike | None = None) -> Path:
    """The soundfont ``render_wav`` would use; MissingProgramError if it cannot render."""
    _fluidsynth()
    return _soundfont(soundfont)


def midi_seconds(midi_path: str | os.PathLike) -> float:
    """Length of a MIDI file in seconds, every tempo change honoured."""
    try:
        return midi_length_seconds(midi_path)
    except ReadError as exc:
        raise RenderError(str(exc)) from None


def render_wav(midi_path: str | os.PathLike, wav_path: str | os.PathLike,
               soundfont: str | os.PathLike | None = None, gain: float | None = None,
               tail: float = TAIL_SECONDS) -> Path:
    """Render a MIDI file to a 44.1 kHz 16-bit stereo WAV (level-normalised unless ``gain``).

    ``gain`` is FluidSynth's master gain, used as is (no normalisation) when given.
    """
    midi_path, wav_path = Path(midi_path), Path(wav_path)
    exe, sf = _fluidsynth(), _soundfont(soundfont)
    if gain is not None and not 0.0 < gain <= 10.0:
        raise RenderError(f"gain must be in (0, 10], got {gain}")
    if tail < 0:
        raise RenderError(f"tail must be >= 0 seconds, got {tail}")
    keep_from = round(midi_seconds(midi_path) * SAMPLE_RATE)
    with tempfile.TemporaryDirectory(prefix="jazzgen-render-") as tmp:
        raw = Path(tmp) / "render.f32"
        cmd = [exe, "-n", "-i", "-q", "-F", str(raw), "-T", "raw", "-O", "float", "-E",
               "little", "-r", str(SAMPLE_RATE), "-g", str(0.2 if gain is None else gain),
               str(sf), str(midi_path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not raw.is_file():
            why = (proc.stderr or proc.stdout).strip().splitlines()
            raise RenderError(f"fluidsynth failed on {midi_path.name}: "
                              f"{why[-1] if why else f'exit code {proc.returncode}'}")
        _check_loaded(proc.stdout + proc.stderr, sf)
        size = raw.stat().st_size // 8
        frames = (np.memmap(raw, dtype="<f4", mode="r", shape=(size, 2)) if size
                  else np.zeros((0, 2), np.float32))
        frames = frames[: keep_from + round(tail * SAMPLE_RATE)]
        if keep_from and _peak(frames) == 0.0:
            raise RenderError(f"the audio rendered from {midi_path.name} with {sf.name} is "
                              f"silent: the soundfont has no sound for its instruments")
        scale = 1.0 if gain is not None else _level(frames)
        _write_wav(frames, scale, keep_from, wav_path)
        del frames  # release the memmap before the directory goes
    return wav_path


def _check_loaded(output: str, sf: Path) -> None:
    """RenderError when FluidSynth says it could not load the soundfont (it then renders
    with whatever default soundfont it finds, and exits 0)."""
    for line in output.splitlines():
        low = line.lower()
        if "failed to load" in low or "not a soundfont" in low:
            raise RenderError(f"FluidSynth could not load soundfont {sf}: {line.strip()}")


def _peak(frames: np.ndarray) -> float:
    """The largest absolute sample, read block by block."""
    peak = 0.0
    for i in range(0, len(frames), _CHUNK):
        block = frames[i : i + _CHUNK]
        if len(block):
            peak = max(peak, float(np.max(np.abs(block))))
    return peak


def _level(frames: np.ndarray) -> float:
    """The factor that brings RMS to TARGET_RMS_DBFS without peaks above PEAK_CEILING_DBFS."""
    power, peak = 0.0, _peak(frames)
    for i in range(0, len(frames), _CHUNK):
        block = np.asarray(frames[i : i + _CHUNK], dtype=np.float64)
        power += float(np.sum(block**2))
    if peak == 0.0:
        return 1.0  # silence stays silence
    rms = np.sqrt(power / frames.size)
    return float(min(10 ** (TARGET_RMS_DBFS / 20) / rms, 10 ** (PEAK_CEILING_DBFS / 20) / peak))


def _write_wav(frames: np.ndarray, scale: float, fade_from: int, path: Path) -> None:
    """Scale, fade out after frame ``fade_from``, and write 16-bit PCM atomically."""
    n = len(frames)
    with atomic.open_for_write(path) as fh, wave.open(fh, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        for i in range(0, n, _CHUNK):
            block = np.asarray(frames[i : i + _CHUNK], dtype=np.float64) * scale
            idx = np.arange(i, i + len(block))
            # raised-cosine fade over the kept tail, so the cut reverb does not click
            t = np.clip((idx - fade_from) / max(1, n - fade_from), 0.0, 1.0)
            block *= (0.5 + 0.5 * np.cos(np.pi * t))[:, None]
            pcm = np.round(np.clip(block, -1.0, 1.0) * 32767).astype("<i2")
            out.writeframes(pcm.tobytes())


def play(path: str | os.PathLike, soundfont: str | os.PathLike | None = None) -> str:
    """Play a WAV or MIDI file through the first working player; NoAudioError if none works."""
    path = Path(path)
    if not path.is_file():
        raise RenderError(f"no such file: {path}")
    players = [(shutil.which(p[0]), p) for p in PLAYERS]
    players = [(exe, p) for exe, p in players if exe]
    if not players:
        names = ", ".join(p[0] for p in PLAYERS)
        raise NoAudioError(f"no audio player found (tried {names})")
    with tempfile.TemporaryDirectory(prefix="jazzgen-play-") as tmp:
        wav = path
        if path.suffix.lower() != ".wav":
            wav = render_wav(path, Path(tmp) / (path.stem + ".wav"), soundfont=soundfont)
        failures = []
        for exe, p in players:
            proc = subprocess.run([exe, *p[1:], str(wav)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if proc.returncode == 0:
                return f"played {path.name} with {p[0]}"
            lines = proc.stderr.strip().splitlines()
            failures.append(f"{p[0]}: {lines[-1] if lines else f'exit {proc.returncode}'}")
    raise NoAudioError("no audio device available (" + "; ".join(failures) + ")")


def play_or_render(path: str | os.PathLike, soundfont: str | os.PathLike | None = None
                   ) -> tuple[str, Path | None]:
    """Play ``path``; where nothing can play, render a MIDI file to WAV beside it instead.

    Returns (what happened, the WAV written or None). A WAV that cannot be played raises
    NoAudioError, since there is nothing to write instead.
    """
    path = Path(path)
    try:
        return play(path, soundfont=soundfont), None
    except NoAudioError as exc:
        if path.suffix.lower() == ".wav":
            raise
        wav = render_wav(path, path.with_suffix(".wav"), soundfont=soundfont)
        return f"Cannot play here: {exc}", wav
