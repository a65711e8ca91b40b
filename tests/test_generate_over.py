"""A solo over a backing track (generate --over): the file's tracks kept note for note, the
solo added on a free channel over the file's changes, read or inferred."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import mido
import numpy as np
import pytest
from builders import SHARED
from click.testing import CliRunner

from bench.over_harmony import write_band_backing
from jazzgen.cli import main
from jazzgen.errors import GenerateError
from jazzgen.evaluate.musdr import harmony_scores
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import Form
from jazzgen.generate.over import generate_over, loop_ticks
from jazzgen.generate.solo import PACKAGED_MODEL, Request
from jazzgen.io.backing import read_backing
from jazzgen.io.midi import read_midi, score_to_bytes
from jazzgen.music.chords import ChordChange
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Part, Score

BAR = 4 * TICKS_PER_BEAT


def tracks(path: Path) -> list[list]:
    """Each track's messages with absolute times, end-of-track left out."""
    out = []
    for t in mido.MidiFile(path).tracks:
        now, msgs = 0, []
        for m in t:
            now += m.time
            if m.type != "end_of_track":
                msgs.append((now, m.copy(time=0)))
        out.append(msgs)
    return out


def _over(output: Path, backing: Path, request: Request):
    """generate_over with the shipped model, over ``backing``."""
    return generate_over(PACKAGED_MODEL, output, replace(request, over=backing))


def solo_request(seed: int = 1, **form) -> Request:
    return Request(form=Form(**form), seed=seed, band=BandConfig())


@pytest.fixture(scope="module")
def backing(tmp_path_factory) -> tuple[Path, tuple[ChordChange, ...], int]:
    path = tmp_path_factory.mktemp("over") / "backing.mid"
    changes, end = write_band_backing(path)
    return path, changes, end


def test_tracks_kept_note_for_note_and_one_solo_track_added(backing, tmp_path):
    path, _, _ = backing
    result = _over(tmp_path / "solo.mid", path, solo_request())
    before, after = tracks(path), tracks(result.solos[0].midi)
    assert after[:-1] == before
    solo = after[-1]
    assert [m.name for _, m in solo if m.type == "track_name"] == ["Solo"]
    used = {m.channel for t in before for _, m in t if hasattr(m, "channel")}
    channels = {m.channel for _, m in solo if hasattr(m, "channel")}
    assert len(channels) == 1 and not channels & used
    assert sum(m.type == "note_on" for _, m in solo) == len(result.solos[0].score.notes) > 20


def test_solo_fits_the_inferred_changes(backing, tmp_path):
    """At least 70% of the solo's on-beat notes are chord or scale tones of the true changes
    (the file has no chord symbols: the changes are inferred), over three seeds."""
    path, changes, _ = backing
    shares = []
    for seed in (1, 2, 3):
        result = _over(tmp_path / f"s{seed}.mid", path,
                               solo_request(seed))
        assert "inferred" in result.changes_label
        truth = replace(result.solos[0].score, changes=changes)
        shares.append(harmony_scores(truth)["chord_or_scale_share"])
    assert np.mean(shares) >= 0.70, shares


def test_markers_spell_the_changes_played_over(backing, tmp_path):
    path, changes, end = backing
    result = _over(tmp_path / "solo.mid", path, solo_request())
    back = read_midi(result.solos[0].midi, infer_chords=False)
    assert back.changes == result.solos[0].score.changes
    right = sum(a.chord.root == b.chord.root for a in back.changes for b in changes
                if a.start == b.start)
    assert right >= 0.8 * len(changes)


def test_file_with_chord_symbols_keeps_them(tmp_path):
    path = tmp_path / "marked.mid"
    changes, _ = write_band_backing(path, "blues", markers=True)
    result = _over(tmp_path / "solo.mid", path, solo_request())
    assert "chord symbols" in result.changes_label
    assert result.solos[0].score.changes == changes
    solo = tracks(result.solos[0].midi)[-1]
    assert not [m for _, m in solo if m.type == "marker"]  # the file's own are not repeated


def test_choruses_play_the_file_again(backing, tmp_path):
    path, _, end = backing
    result = _over(tmp_path / "solo.mid", path,
                           solo_request(choruses=2))
    loop = loop_ticks(read_backing(path).score)
    assert loop == end
    before, after = tracks(path), tracks(result.solos[0].midi)
    tpb = mido.MidiFile(path).ticks_per_beat
    shift = loop * tpb // TICKS_PER_BEAT
    for one, two in zip(before, after[:-1], strict=True):
        notes = [(t, m) for t, m in one if m.type.startswith("note")]
        again = [(t + shift, m) for t, m in notes]
        assert [(t, m) for t, m in two if m.type.startswith("note")] == notes + again
    score = result.solos[0].score
    assert max(n.end for n in score.notes) > loop  # the solo goes on into the second pass
    once = _over(tmp_path / "once.mid", path, solo_request()).solos[0].score.changes
    assert score.changes == once + tuple(ChordChange(c.start + loop, c.duration, c.chord)
                                         for c in once)


def test_bars_length_and_primer(backing, tmp_path):
    path, _, _ = backing
    short = _over(tmp_path / "a.mid", path, solo_request(bars=4))
    assert max(n.end for n in short.solos[0].score.notes) <= 4 * BAR
    counted = _over(tmp_path / "b.mid", path, solo_request(length=12))
    assert len(counted.solos[0].score.notes) == 12
    lick = tmp_path / "lick.mid"
    notes = (Note(70, 0, 12), Note(74, 12, 12), Note(77, 24, 12), Note(81, 36, 36))
    lick.write_bytes(score_to_bytes(Score(notes)))
    primed = _over(tmp_path / "c.mid", path,
                           replace(solo_request(bars=8), primer=lick))
    assert [n.pitch for n in primed.solos[0].score.notes[:4]] == [70, 74, 77, 81]


def test_given_chords_replace_the_files(backing, tmp_path):
    path, _, _ = backing
    result = _over(tmp_path / "solo.mid", path,
                           solo_request(chords="Cm7 F7 | Bbmaj7 |"))
    back = read_midi(result.solos[0].midi, infer_chords=False)
    assert [c.chord.symbol for c in back.changes[:3]] == ["Cm7", "F7", "Bbmaj7"]
    assert back.changes[-1].end == loop_ticks(read_backing(path).score)


def test_same_seed_same_bytes_humanized_too(backing, tmp_path):
    path, _, _ = backing
    runs = [_over(tmp_path / f"{k}.mid", path,
                          replace(solo_request(5), humanize=0.7)).solos[0].midi.read_bytes()
            for k in "ab"]
    assert runs[0] == runs[1]
    plain = _over(tmp_path / "p.mid", path, solo_request(5))
    assert plain.solos[0].midi.read_bytes() != runs[0]  # humanizing moved something


def test_other_resolution_and_type0(tmp_path):
    path = tmp_path / "b96.mid"
    write_band_backing(path, "blues", tpb=96)
    result = _over(tmp_path / "solo.mid", path, solo_request(bars=4))
    assert tracks(result.solos[0].midi)[:-1] == tracks(path)
    mid = mido.MidiFile(path)
    merged = mido.MidiFile(type=0, ticks_per_beat=96)
    merged.tracks.append(mido.merge_tracks(mid.tracks))
    zero = tmp_path / "type0.mid"
    merged.save(zero)
    out = _over(tmp_path / "z.mid", zero, solo_request(bars=4))
    assert mido.MidiFile(out.solos[0].midi).type == 1
    assert tracks(out.solos[0].midi)[:-1] == tracks(zero)


def test_bad_backing_tracks(tmp_path):
    two = tmp_path / "two.mid"
    mido.MidiFile(type=2, tracks=[mido.MidiTrack([mido.Message("note_on", note=60, time=0),
                                                  mido.Message("note_off", note=60,
                                                               time=480)])]).save(two)
    with pytest.raises(GenerateError, match="type 2"):
        _over(tmp_path / "o.mid", two, solo_request())
    drums = tmp_path / "drums.mid"
    drums.write_bytes(score_to_bytes(Score((), parts=(
        Part("Drums", tuple(Note(42, i * 24, 12) for i in range(16)), channel=9,
             is_drum=True),))))
    with pytest.raises(GenerateError, match="--chords"):
        _over(tmp_path / "o.mid", drums, solo_request())
    # a drum loop over given changes is fine
    result = _over(tmp_path / "o.mid", drums,
                           solo_request(chords="Dm7 G7 | Cmaj7 |"))
    assert result.solos[0].score.notes
    full = tmp_path / "full.mid"
    parts = tuple(Part(f"P{c}", (Note(60, 0, 96),), channel=c) for c in range(16) if c != 9)
    full.write_bytes(score_to_bytes(Score((), parts=parts)))
    with pytest.raises(GenerateError, match="every MIDI channel"):
        _over(tmp_path / "o.mid", full, solo_request())
    gap = tmp_path / "gap.mid"
    gap.write_bytes(score_to_bytes(Score((), parts=(
        Part("Piano", (Note(60, 0, 96), Note(64, 40 * BAR, 96))),))))
    with pytest.raises(GenerateError, match="silence"):
        _over(tmp_path / "o.mid", gap, solo_request())


def test_cli_over_with_outputs(backing, tmp_path):
    path, _, _ = backing
    out = tmp_path / "solo.mid"
    result = CliRunner().invoke(main, ["generate", "--over", str(path), "-o", str(out),
                                       "--seed", "3", "--choruses", "2", "--sheet", "--roll",
                                       "--tempo", "200", "--instrument", "trumpet"])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.with_suffix(".musicxml").exists()
    assert out.with_suffix(".png").exists()
    assert "own tracks" in result.stderr and "tempo 200 not used" in result.stderr
    solo = tracks(out)[-1]
    assert [m.program for _, m in solo if m.type == "program_change"] == [56]  # trumpet
    bad = CliRunner().invoke(main, ["generate", "--over", str(tmp_path / "none.mid")])
    assert bad.exit_code != 0 and "does not exist" in bad.output


@pytest.mark.skipif(not (SHARED / "impro-visor" / "midi").is_dir(),
                    reason="../shared/corpora/impro-visor is not here")
def test_a_real_multitrack_file(tmp_path):
    """Bags' Groove from Impro-Visor (melody, piano, bass, drums, no chord symbols)."""
    path = SHARED / "impro-visor" / "midi" / "bagsgroove.mid"
    result = _over(tmp_path / "solo.mid", path, solo_request())
    assert tracks(result.solos[0].midi)[:-1] == tracks(path)
    share = harmony_scores(result.solos[0].score)["chord_or_scale_share"]
    assert share >= 0.6
