"""Chords inferred from the accompaniment of plain multi-track MIDI (no chord symbols)."""

import mido
from click.testing import CliRunner

from jazzgen.cli import main
from jazzgen.io.midi import read_midi

VOICINGS = {  # bass note + a left-hand voicing, one chord per bar
    "Dm7": (38, [53, 57, 60, 65]),
    "G7": (43, [53, 59, 64, 65]),
    "Cmaj7": (36, [52, 55, 59, 64]),
    "A7": (45, [55, 61, 64, 67]),
}


def plain_multitrack(path, bars=8, seed=0):
    """Melody + piano + bass tracks, no text events at all."""
    import random

    r = random.Random(seed)
    mid = mido.MidiFile(type=1, ticks_per_beat=96)
    names = list(VOICINGS)
    mel, piano, bass = (mido.MidiTrack() for _ in range(3))
    mel.append(mido.MetaMessage("track_name", name="Trumpet"))
    piano.append(mido.MetaMessage("track_name", name="Piano"))
    bass.append(mido.MetaMessage("track_name", name="Bass"))
    for b in range(bars):
        low, upper = VOICINGS[names[b % 4]]
        for p in upper:
            piano.append(mido.Message("note_on", channel=1, note=p, velocity=60, time=0))
        bass.append(mido.Message("note_on", channel=2, note=low, velocity=80, time=0))
        for i, p in enumerate(upper):
            piano.append(mido.Message("note_off", channel=1, note=p, time=384 if i == 0 else 0))
        bass.append(mido.Message("note_off", channel=2, note=low, time=384))
        for _ in range(8):
            p = r.choice(upper) + 12
            mel.append(mido.Message("note_on", note=p, velocity=90, time=0))
            mel.append(mido.Message("note_off", note=p, time=48))
    mid.tracks.extend([mel, piano, bass])
    mid.save(path)
    return path


def test_changes_are_inferred_per_bar(tmp_path):
    score = read_midi(plain_multitrack(tmp_path / "a.mid"))
    assert [c.chord.symbol for c in score.changes] == ["Dm7", "G7", "Cmaj7", "A7"] * 2
    assert [c.start for c in score.changes] == [i * 96 for i in range(8)]
    assert score.notes[0].pitch >= 60  # the trumpet, not the piano, is the melody


def test_chord_aware_training_on_plain_multitrack_midi(tmp_path):
    corpus = tmp_path / "plain"
    corpus.mkdir()
    for i in range(3):
        plain_multitrack(corpus / f"t{i}.mid", bars=16, seed=i)
    r = CliRunner().invoke(main, ["stats", "--corpus", str(corpus)])
    assert "Notes under a chord symbol: 100%" in r.output
    model = tmp_path / "m"
    r = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--model", str(model),
                                  "--epochs", "1", "--lstm-size", "8", "--lstm-layers", "1",
                                  "--sequence-length", "16", "--quiet"])
    assert r.exit_code == 0, r.output
    import numpy as np

    from jazzgen.corpus.loader import load_corpus
    from jazzgen.model.config import EncodingConfig
    from jazzgen.model.encoding import NO_ROOT, Vocabulary, encode

    enc = encode(load_corpus(corpus).pieces[0][1], Vocabulary(EncodingConfig()))
    assert (enc.roots[:-1, 0] != NO_ROOT).all()  # every step but the end sees a chord
    assert set(np.unique(enc.roots[:-1, 0])) == {2, 7, 0, 9}
