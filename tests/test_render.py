"""Tests for jazzgen.render: WAV through FluidSynth, MusicXML lead sheet, piano-roll PNG."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import make_score, random_line

from jazzgen.errors import NoAudioError, RenderError
from jazzgen.music.notes import Note, Score, TimeSignature
from jazzgen.output import audio as render
from jazzgen.output import roll, sheet
from jazzgen.output.audio import find_soundfont

HAVE_SYNTH = shutil.which("fluidsynth") is not None and find_soundfont() is not None
needs_synth = pytest.mark.skipif(
    not HAVE_SYNTH,
    reason="FluidSynth or a GM soundfont missing (apt-get install fluidsynth fluid-soundfont-gm)",
)


def _band_score(bars: int = 2, tempo: float = 160.0) -> Score:
    """A short swung line over ii-V-I with piano, bass and drums from make_band."""
    from jazzgen.generate.band import make_band
    from jazzgen.generate.band_config import BandConfig

    line = random_line(5, bars=bars, changes=("Dm7", "G7", "Cmaj7"))
    parts = make_band(line.changes, line.time_signatures, bars * 96, BandConfig(),
                      np.random.default_rng(3))
    return Score(line.notes, line.changes, tempo=tempo, title="band test", parts=parts)


def _read_wav(path: Path) -> tuple[np.ndarray, int, int, int]:
    """Samples in [-1, 1] as (frames, channels), the rate, channel count and sample width."""
    with wave.open(str(path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
        return data.reshape(-1, w.getnchannels()), w.getframerate(), w.getnchannels(), \
            w.getsampwidth()


def _dbfs(x: np.ndarray) -> float:
    """RMS level in dB relative to full scale."""
    return float(20 * np.log10(np.sqrt(np.mean(x**2)) + 1e-12))


# ---------------------------------------------------------------- tools and error messages


def test_missing_fluidsynth_gives_one_line_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    with pytest.raises(RenderError) as err:
        render.render_wav(tmp_path / "x.mid", tmp_path / "x.wav")
    msg = str(err.value)
    assert "apt-get install fluidsynth fluid-soundfont-gm" in msg and "\n" not in msg


def test_missing_soundfont_names_the_ways_out(monkeypatch, tmp_path):
    monkeypatch.setattr(render.shutil, "which", lambda name: "/usr/bin/" + name)
    monkeypatch.setattr(render, "SOUNDFONT_PATHS", ())
    monkeypatch.delenv(render.SOUNDFONT_ENV, raising=False)
    assert find_soundfont() is None
    with pytest.raises(RenderError, match="no General MIDI soundfont found"):
        render.check_synth()
    with pytest.raises(RenderError, match=r"fluid-soundfont-gm.*--soundfont PATH"):
        render.render_wav(tmp_path / "x.mid", tmp_path / "x.wav")
    with pytest.raises(RenderError, match="soundfont not found: .*nope.sf2"):
        render.render_wav(tmp_path / "x.mid", tmp_path / "x.wav", soundfont=tmp_path / "nope.sf2")
    monkeypatch.setenv(render.SOUNDFONT_ENV, str(tmp_path / "gone.sf2"))
    with pytest.raises(RenderError, match="JAZZGEN_SOUNDFONT=.*gone.sf2 is not a file"):
        render.render_wav(tmp_path / "x.mid", tmp_path / "x.wav")


def test_soundfont_env_var_wins(monkeypatch, tmp_path):
    sf = tmp_path / "my.sf2"
    sf.write_bytes(b"RIFF")
    monkeypatch.setenv(render.SOUNDFONT_ENV, str(sf))
    assert find_soundfont() == sf
    monkeypatch.setattr(render.shutil, "which", lambda name: "/usr/bin/" + name)
    assert render.check_synth() == sf


# ---------------------------------------------------------------------------------- audio


@pytest.fixture(scope="module")
def band_outputs(tmp_path_factory) -> tuple[Path, list[Path]]:
    """A 2-bar solo with band written as MIDI and rendered by write_outputs (WAV, sheet, roll)."""
    if not HAVE_SYNTH:
        pytest.skip("FluidSynth or a GM soundfont missing")
    from jazzgen.io.midi import write_midi

    midi = write_midi(_band_score(), tmp_path_factory.mktemp("band") / "solo.mid")
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
    again = render.render_wav(midi, tmp_path / "again.wav")
    assert again.read_bytes() == paths[0].read_bytes()


@needs_synth
def test_a4_renders_at_440_hz_and_gain_skips_normalising(tmp_path):
    from jazzgen.io.midi import write_midi

    # A flute (GM 73) has a strong fundamental; two beats at 60 BPM = 2 s of A4.
    midi = write_midi(Score((Note(69, 0, 48, 100),), tempo=60.0), tmp_path / "a4.mid",
                      solo_program=73)
    samples, rate, _, _ = _read_wav(render.render_wav(midi, tmp_path / "a4.wav"))
    mono = samples.mean(axis=1)[int(0.3 * rate): int(1.8 * rate)]  # skip attack and release
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono)), 1 << 20))
    peak = np.fft.rfftfreq(1 << 20, 1 / rate)[np.argmax(spectrum)]
    assert abs(peak - 440.0) <= 3.0
    quiet, _, _, _ = _read_wav(render.render_wav(midi, tmp_path / "raw.wav", gain=0.2))
    assert _dbfs(quiet) < _dbfs(samples) - 6


# ----------------------------------------------------------------------------------- play


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
    monkeypatch.setattr(render, "PLAYERS", (("broken",), ("good", "-q")))
    wav = _tiny_wav(tmp_path / "s.wav")
    assert render.play(wav) == "played s.wav with good"
    assert (tmp_path / "good.args").read_text().split() == ["-q", str(wav)]


def test_play_without_a_device_says_why(monkeypatch, tmp_path):
    _fake_player(tmp_path, "broken", 1, "audio open error: no soundcards")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "PLAYERS", (("broken",),))
    wav = _tiny_wav(tmp_path / "s.wav")
    with pytest.raises(NoAudioError, match="no audio device available.*no soundcards"):
        render.play(wav)
    monkeypatch.setattr(render, "PLAYERS", (("missing-player",),))
    with pytest.raises(NoAudioError, match=r"no audio player found \(tried missing-player\)"):
        render.play(wav)


# ------------------------------------------------------------------------------ lead sheet


def test_quantise_straightens_swing_and_keeps_triplets():
    swung = make_score([(60, 0, 16), (62, 16, 8), (64, 24, 8), (65, 32, 8), (67, 40, 8),
                        (69, 48, 6), (71, 54, 6), (72, 60, 12)])
    notes, was_swung = sheet.quantise(swung)
    assert [(n.start, n.duration) for n in notes] == [
        (0, 12), (12, 12), (24, 8), (32, 8), (40, 8), (48, 6), (54, 6), (60, 12)]
    assert was_swung
    kept, was_swung = sheet.quantise(swung, swing_to_straight=False)
    assert [(n.start, n.duration) for n in kept[:2]] == [(0, 16), (16, 8)] and not was_swung
    # quarter-note triplets across the beat stay triplets rather than becoming eighths
    quarters = make_score([(60, 0, 16), (62, 16, 16), (64, 32, 16)])
    assert [n.start for n in sheet.quantise(quarters)[0]] == [0, 16, 32]


def test_key_signature_follows_the_changes():
    bb = make_score([(70, 0, 24)], [("Cm7", 0, 48), ("F7", 48, 48), ("Bbmaj7", 96, 96)])
    e = make_score([(64, 0, 24)], [("F#m7", 0, 48), ("B7", 48, 48), ("Emaj7", 96, 96)])
    assert sheet.key_fifths(bb) == -2
    assert sheet.key_fifths(e) == 4


def _parse(path: Path):
    from music21 import converter

    return converter.parse(str(path), forceSource=True, storePickle=False)


def _sounding(parsed) -> list[tuple[int, int, int]]:
    """(pitch, start, duration) ticks of the parsed notes, tied notes joined."""
    from music21 import harmony

    out: list[list[int]] = []
    for n in parsed.flatten().notes:
        if isinstance(n, harmony.ChordSymbol):
            continue
        item = [n.pitch.midi, round(float(n.offset) * 24), round(float(n.quarterLength) * 24)]
        if n.tie is not None and n.tie.type in ("continue", "stop"):
            out[-1][2] += item[2]
        else:
            out.append(item)
    return [tuple(x) for x in out]


def test_lead_sheet_reparses_with_the_same_notes_and_chords(tmp_path):
    from music21 import expressions, harmony, key, meter, tempo

    line = random_line(3, bars=4)  # swung eighths, triplets and rests
    symbols = ["Bb7", "C-7", "F#m7b5", "C7alt", "C6/9", "Ebmaj7#11", "G7/B", "Bb13"]
    changes = tuple(make_score([], [(s, i * 48, 48) for i, s in enumerate(symbols)]).changes)
    score = Score(line.notes + (Note(67, 380, 30),), changes, tempo=150.0, title="sheet")
    path = sheet.write_lead_sheet(score, tmp_path / "s.musicxml")
    parsed = _parse(path)
    expected = sheet.quantise(score)[0]
    assert _sounding(parsed) == [(n.pitch, n.start, n.duration) for n in expected]
    assert any(n.start % 24 in (8, 16) for n in expected)  # triplets survived as triplets
    got = list(parsed.recurse().getElementsByClass(harmony.ChordSymbol))
    assert [round(float(c.getOffsetInHierarchy(parsed)) * 24) for c in got] == \
        [c.start for c in changes]
    for c, cs in zip(changes, got, strict=True):
        pcs = {p.pitchClass for p in cs.pitches}
        implied_11th = {(c.chord.root + 5) % 12} if c.chord.quality.startswith("13") else set()
        assert cs.root().pitchClass == c.chord.root, c.chord.symbol
        assert pcs == set(c.chord.pcs) | implied_11th, c.chord.symbol
    assert [cs.chordKindStr for cs in got][:3] == ["7", "-7", "m7b5"]
    assert [k.sharps for k in parsed.recurse().getElementsByClass(key.KeySignature)] == \
        [sheet.key_fifths(score)]
    assert parsed.recurse().getElementsByClass(meter.TimeSignature)[0].ratioString == "4/4"
    assert parsed.recurse().getElementsByClass(tempo.MetronomeMark)[0].number == 150
    words = [w.content for w in parsed.recurse().getElementsByClass(expressions.TextExpression)]
    assert words == ["Swing"]


def test_lead_sheet_handles_meter_changes_and_notes_over_bar_lines(tmp_path):
    from music21 import stream

    sigs = (TimeSignature(0, 3, 4), TimeSignature(144, 6, 8))
    score = make_score([(60, 0, 100), (62, 100, 8), (64, 108, 60), (65, 180, 30)],
                       [("Dm7", 0, 144), ("G7", 144, 144)], sigs=sigs)
    parsed = _parse(sheet.write_lead_sheet(score, tmp_path / "m.musicxml"))
    measures = list(parsed.parts[0].getElementsByClass(stream.Measure))
    assert [m.timeSignature.ratioString for m in measures if m.timeSignature] == ["3/4", "6/8"]
    assert len(measures) == 4
    assert _sounding(parsed) == [(n.pitch, n.start, n.duration) for n in sheet.quantise(score)[0]]


# ------------------------------------------------------------------------------ piano roll


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_piano_roll_has_the_asked_size_and_shows_the_solo(tmp_path):
    import matplotlib.image as mpimg

    score = _band_score(bars=4)
    path = roll.write_piano_roll(score, tmp_path / "roll.png")
    assert _png_size(path) == (1600, 600)
    pixels = mpimg.imread(path)
    assert pixels.shape[:2] == (600, 1600)
    solo = np.all(np.abs(pixels[..., :3] - np.array([192, 57, 43]) / 255) < 0.03, axis=-1)
    assert solo.sum() > 2000  # the solo's bars, not just the legend swatch
    small = roll.write_piano_roll(score, tmp_path / "small.png", width=800, height=300)
    assert _png_size(small) == (800, 300)
    with pytest.raises(RenderError, match="at least 200x150"):
        roll.write_piano_roll(score, tmp_path / "tiny.png", width=50, height=50)


def test_render_all_writes_sheet_and_roll_beside_the_midi(tmp_path):
    from jazzgen.io.midi import write_midi

    midi = write_midi(_band_score(), tmp_path / "take1.mid")
    from jazzgen.output.render import Outputs, write_outputs

    paths = write_outputs(midi, Outputs(sheet=True, roll=True))
    assert paths == [tmp_path / "take1.musicxml", tmp_path / "take1.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))
