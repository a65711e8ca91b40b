"""jazzgen.music.inference: chords from sounding pitches, and the changes of plain
multi-track MIDI (no chord symbols) inferred from its accompaniment."""

from __future__ import annotations

import random

import mido
import numpy as np
import pytest
from builders import SHARED, jazz_standards_symbols
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.cli import main
from jazzgen.io.midi import read_midi
from jazzgen.music import inference
from jazzgen.music.chords import Chord, ChordChange, parse_chord
from jazzgen.music.inference import (
    FAMILIES,
    INFERRED_QUALITIES,
    accompaniment,
    agreement,
    chord_from_pitches,
    family,
    infer_changes,
)
from jazzgen.music.notes import Note, Part, Score, TimeSignature
from jazzgen.music.progressions import PROGRESSIONS, format_changes, parse_changes
from jazzgen.music.scales import chord_family
from jazzgen.music.spelling import root_name

# ---------------------------------------------------------------- chords from pitches


VOICINGS = [
    ("Bbmaj7", [58, 62, 65, 69]),                 # close position
    ("Cmaj7", [48, 55, 59, 64]),                  # drop 2
    ("Dm7", [38, 53, 57, 60, 64]),                # rootless A form (Dm9) over the bass D
    ("G7", [43, 53, 57, 59, 64]),                 # rootless B form (G13) over G
    ("Cmaj7", [36, 52, 55, 59, 62]),              # rootless Cmaj9 over C
    ("Bb7", [46, 56, 60, 62, 67]),                # rootless Bb13 over Bb
    ("Ebm7", [39, 54, 58, 61, 65]),               # rootless Ebm9 over Eb
    ("Emaj7", [40, 56, 59, 63, 66]),              # rootless Emaj9 over E
    ("G7", [43, 53, 59, 63, 68]),                 # altered: b7 3 #5 b9 over G
    ("E7", [40, 56, 62, 65, 67]),                 # E7b9 rootless over E
    ("G7", [43, 59, 65]), ("Dm7", [38, 53, 60]), ("Cmaj7", [36, 52, 59]),  # shells
    ("Dm7b5", [38, 53, 56, 60]), ("F#m7b5", [42, 57, 60, 64]), ("Bdim7", [47, 50, 53, 56]),
    ("C7", [36, 52, 58, 63]),                     # the "Hendrix" 7#9
    ("C7sus4", [36, 53, 55, 58]), ("G7sus4", [43, 53, 57, 60]),  # F/G
    ("C6", [36, 52, 55, 57]), ("Am7", [45, 48, 52, 55]), ("Cm6", [36, 51, 55, 57]),
    ("AmMaj7", [45, 48, 52, 56]), ("C#m7", [37, 52, 56, 59]), ("Caug", [48, 52, 56]),
    ("Cm", [48, 51, 55]), ("Eb", [51, 55, 58, 63]), ("C", [48, 52]),
    ("Cmaj7", [40, 43, 47, 48]),                  # first inversion: the root still wins
]


@pytest.mark.parametrize("expected,pitches", VOICINGS)
def test_chord_from_pitches_recovers_standard_voicings(expected, pitches):
    chord = chord_from_pitches(pitches)
    assert chord is not None and chord.symbol == expected
    assert parse_chord(expected) == chord


def test_chord_from_pitches_needs_two_pitch_classes_and_takes_any_iterable():
    assert chord_from_pitches([]) is None
    assert chord_from_pitches([60]) is None
    assert chord_from_pitches([48, 60, 72]) is None
    assert chord_from_pitches(p for p in (43, 59, 65)) == parse_chord("G7")
    assert chord_from_pitches({65, 59, 43}) == parse_chord("G7")


def test_chord_from_pitches_reads_any_pitch_set():
    rng = random.Random(1)
    sets = [[rng.randrange(30, 90) for _ in range(rng.randrange(2, 7))] for _ in range(5000)]
    for s in sets:
        found = chord_from_pitches(s)
        if len({p % 12 for p in s}) < 2:
            assert found is None, s
        else:
            assert isinstance(found, Chord), s


def test_chord_from_pitches_matches_template_chords_in_every_key():
    for quality in ("7", "m7", "maj7", "m7b5", "6", "m6", "7sus4", "mMaj7", "dim", "m"):
        for root in range(12):
            chord = parse_chord(root_name(root, quality.lower()) + quality)
            pitches = [36 + root] + [60 + pc for pc in chord.pcs]
            assert chord_from_pitches(pitches) == chord, chord.symbol


def test_jazz_standards_chords_come_back_from_their_voicings():
    counts = jazz_standards_symbols()
    hits = total = 0
    for symbol, n in counts.items():
        if "(" in symbol or "/" in symbol:
            continue
        chord = parse_chord(symbol)
        found = chord_from_pitches([36 + chord.root] + [60 + pc for pc in chord.pcs])
        total += n
        hits += n * (found.root == chord.root and chord_family(found) == chord_family(chord))
    assert hits / total > 0.99  # measured 0.9987 over about 54,000 chords


# ---------------------------------------------------------------- changes of plain multi-track MIDI


BAR_VOICINGS = {  # bass note + a left-hand voicing, one chord per bar
    "Dm7": (38, [53, 57, 60, 65]),
    "G7": (43, [53, 59, 64, 65]),
    "Cmaj7": (36, [52, 55, 59, 64]),
    "A7": (45, [55, 61, 64, 67]),
}


def plain_multitrack(path, bars=8, seed=0):
    """Melody + piano + bass tracks, no text events at all."""
    r = random.Random(seed)
    mid = mido.MidiFile(type=1, ticks_per_beat=96)
    names = list(BAR_VOICINGS)
    mel, piano, bass = (mido.MidiTrack() for _ in range(3))
    mel.append(mido.MetaMessage("track_name", name="Trumpet"))
    piano.append(mido.MetaMessage("track_name", name="Piano"))
    bass.append(mido.MetaMessage("track_name", name="Bass"))
    for b in range(bars):
        low, upper = BAR_VOICINGS[names[b % 4]]
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


@pytest.mark.slow
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


# ---------------------------------------------------------------- what inference hears


def _parts(**lines):
    """Parts by name from (pitch, start, duration) triples; "Bass" is a bass line."""
    return [Part(name, tuple(Note(p, s, d) for p, s, d in sorted(notes, key=lambda n: n[1])))
            for name, notes in lines.items()]


def _chart(parts):
    """The inferred changes as (symbol, start, end) triples."""
    score = Score(notes=(Note(60, 0, 1),))
    return [(c.chord.symbol, c.start, c.end) for c in infer_changes(score, parts)]


def _stabs(voicing, *ticks, length=10):
    """Short comping hits of ``voicing`` at ``ticks``."""
    return [(p, t, length) for t in ticks for p in voicing]


F9_ROOTLESS, BB9_ROOTLESS = (57, 60, 63, 67), (56, 60, 62, 65)  # A C Eb G; Ab C D F


def test_a_walking_bass_under_one_rootless_voicing_is_one_chord_a_bar():
    # F7 as a pianist plays it (A C Eb G: exactly an Am7b5) over a bass walking F A C D;
    # the bass's C on beat 3 is not a new root
    parts = _parts(Piano=_stabs(F9_ROOTLESS, 0, 40) + _stabs(BB9_ROOTLESS, 96, 136),
                   Bass=[(41, 0, 23), (45, 24, 23), (48, 48, 23), (50, 72, 23),
                         (46, 96, 23), (50, 120, 23), (53, 144, 23), (47, 168, 23)])
    assert _chart(parts) == [("F7", 0, 96), ("Bb7", 96, 192)]


def test_two_chords_in_a_bar_when_bass_and_voicing_both_change():
    parts = _parts(Piano=_stabs((53, 57, 60, 64), 0, 16) + _stabs((53, 59, 64, 67), 48, 64)
                   + _stabs((52, 55, 59, 62), 96, 136),
                   Bass=[(38, 0, 23), (41, 24, 23), (43, 48, 23), (47, 72, 23),
                         (48, 96, 23), (43, 120, 23), (40, 144, 23), (43, 168, 23)])
    assert _chart(parts) == [("Dm7", 0, 48), ("G7", 48, 96), ("Cmaj7", 96, 192)]


def test_the_bass_player_names_the_root_not_a_lower_piano_note():
    # C13 voiced Bb D E A from Bb2, below the bass's C3: the lowest note is not the root
    parts = _parts(Piano=[(p, 0, 96) for p in (46, 50, 52, 57)],
                   Bass=[(48, 0, 23), (52, 24, 23), (55, 48, 23), (53, 72, 23)])
    assert _chart(parts) == [("C7", 0, 96)]
    assert _chart(parts[:1]) != [("C7", 0, 96)]  # without the bass, the Bb wins


def test_a_chord_pushed_an_eighth_early_belongs_to_the_next_bar():
    parts = _parts(Piano=_stabs(F9_ROOTLESS, 0, 40) + [(p, 88, 32) for p in BB9_ROOTLESS],
                   Bass=[(41, 0, 23), (45, 24, 23), (48, 48, 23), (47, 72, 23),
                         (46, 96, 23), (50, 120, 23), (53, 144, 23), (52, 168, 23)])
    assert _chart(parts) == [("F7", 0, 96), ("Bb7", 96, 192)]


def test_silence_gives_no_chord_and_splits_the_piece():
    c7 = [(p, t, 96) for t in (0, 288) for p in (48, 52, 55, 58)]
    assert _chart(_parts(Piano=c7)) == [("C7", 0, 96), ("C7", 288, 384)]


def test_the_chart_keeps_to_plain_qualities():
    # an F7sus4 (F Bb C Eb) and an AmMaj7 still come out as chords a chart would write
    found = _chart(_parts(Piano=[(p, 0, 96) for p in (41, 58, 60, 63)]
                          + [(p, 96, 96) for p in (45, 60, 64, 68)]))
    assert all(parse_chord(sym).quality in INFERRED_QUALITIES for sym, _, _ in found)
    firsts = [quality for quality, _, _ in inference._TEMPLATES[:len(INFERRED_QUALITIES)]]
    assert firsts == list(INFERRED_QUALITIES)  # the states are the first templates


def test_accompaniment_leaves_out_a_horn_doubling_the_melody():
    piano, bass, vibes = _parts(Piano=[(p, 0, 96) for p in (53, 57, 60, 64)],
                                Bass=[(38, 0, 48), (45, 48, 48)],
                                Vibes=[(69, 0, 24), (72, 24, 24), (74, 48, 48)])
    drums = Part("Drums", (Note(42, 0, 6),), is_drum=True)
    assert accompaniment([vibes, piano, drums, bass]) == (piano, bass)
    assert accompaniment([vibes, drums]) == (vibes,)  # nothing better: every pitched part
    assert accompaniment([drums]) == ()


FAMILY_OF = {"C7": "dominant", "C13b9": "dominant", "C7alt": "dominant", "C7sus4": "dominant",
             "Cm7": "minor", "Cm6": "minor", "CmMaj7": "minor", "Cm": "minor",
             "Cmaj7": "major", "C6": "major", "C": "major", "C69": "major",
             "Cm7b5": "half-diminished", "Cdim7": "diminished", "Cdim": "diminished"}


def test_each_quality_has_one_family():
    assert {symbol: family(parse_chord(symbol)) for symbol in FAMILY_OF} == FAMILY_OF
    assert set(FAMILY_OF.values()) == set(FAMILIES)
    for quality in INFERRED_QUALITIES:
        assert family(parse_chord("C" + quality)) in FAMILIES


def test_agreement_asks_for_the_root_and_the_family():
    expected = parse_changes("Dm7 G7 | Cmaj7 |")
    assert agreement(expected, parse_changes("Dm9 G13 | C6 |"), range(0, 192, 48)) == (4, 4)
    assert agreement(expected, parse_changes("F6 G7 | Cm7 |"), range(0, 192, 48)) == (1, 4)
    assert agreement(expected, (), range(0, 400, 48)) == (0, 4)  # ticks past the end: uncounted


def test_the_band_s_changes_come_back_from_its_piano_and_bass():
    """The benchmark (bench/chords_inference.py): jazzgen's band over every built-in
    progression in four keys, three seeds, read back with the chord symbols taken away."""
    from bench.chords_inference import band_agreement, band_cases, window_by_window

    cases = band_cases(3)
    assert len(cases) == len(PROGRESSIONS) * 4 * 3 and len({k for _, k, _ in cases}) >= 16
    right, total = band_agreement(seeds=3)
    assert total == 4224 and right / total >= 0.90  # measured 0.980
    before, _ = band_agreement(window_by_window, seeds=1)
    assert before / (total / 3) < 0.5  # each half-bar on its own: 0.351


@pytest.mark.skipif(not (SHARED / "impro-visor" / "midi").is_dir(),
                    reason="../shared corpora absent")
def test_bags_groove_reads_as_a_blues_in_f():
    score = read_midi(SHARED / "impro-visor" / "midi" / "bagsgroove.mid")
    bars = format_changes(score.changes).split(" | ")
    assert bars[1:8] == ["F7", "Bb7", "F7", "F7", "Bb7", "Bb7", "F6"]  # as a player writes it
    assert bars[9:11] == ["Gm7", "C7"]


# ---------------------------------------------------------------- the sweep, checked


def _reference_evidence(notes, windows):
    """inference._evidence as plainly as it can be written: every note against every window."""

    def pushed(s, e, we):  # an anticipation of the window starting at ``we``
        return we - s <= min(inference.PUSH, e - we)

    presence = np.zeros((len(windows), 12))
    lowest = np.full(len(windows), -1)
    heard = np.zeros(len(windows), dtype=bool)
    struck = np.zeros(len(windows), dtype=int)
    for i, (ws, length, _) in enumerate(windows):
        we = ws + length
        before = windows[i - 1][0] if i else ws
        struck[i] = sum(s == ws or ws < s < we and not pushed(s, e, we)
                        or before < s < ws and pushed(s, e, ws) for s, e, _ in notes)
        latest = {}
        for s, e, p in notes:
            if s <= ws:
                latest[p] = max(latest.get(p, e), e)
        ticks = {p: min(e, we) - ws for p, e in latest.items() if e > ws}
        first = set(ticks)
        for s, e, p in notes:
            if ws < s < we and not pushed(s, e, we):
                ticks[p] = ticks.get(p, 0) + max(min(e, we) - s, inference._MIN_ATTACK * length)
                if s < ws + inference.GRACE:
                    first.add(p)
        if ticks:
            heard[i] = True
            for pc in range(12):
                share = sum(t for p, t in ticks.items() if p % 12 == pc) / length
                presence[i, pc] = min(share, 1.0) + inference._DOWNBEAT * any(
                    p % 12 == pc for p in first)
            lowest[i] = min(first) % 12 if first else -1
    return presence, lowest, heard, struck


PART_NOTES = st.lists(st.tuples(st.integers(30, 80), st.integers(0, 1500),
                                st.sampled_from((1, 5, 10, 24, 47, 48, 96, 300, 700))),
                      max_size=25)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.lists(PART_NOTES, min_size=1, max_size=3),
       st.lists(st.integers(1, 100), min_size=1, max_size=40))
def test_the_sweep_hears_what_checking_every_note_against_every_window_does(parts, lengths):
    notes = sorted((s, s + d, p) for part in parts for p, s, d in part)
    starts = [int(t) for t in np.cumsum([0] + lengths[:-1])]
    windows = [(t, n, i % 2 == 0) for i, (t, n) in enumerate(zip(starts, lengths, strict=True))]
    got, want = inference._evidence(notes, windows), _reference_evidence(notes, windows)
    assert np.allclose(got[0], want[0]) and (got[1] == want[1]).all()
    assert (got[2] == want[2]).all() and (got[3] == want[3]).all()


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.lists(PART_NOTES, min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(1, 400), st.sampled_from(((3, 4), (5, 8), (7, 4), (2, 2)))),
                max_size=3),
       st.sampled_from((48, 24, 96, 17)))
def test_inferred_changes_are_ordered_plain_chords_where_something_sounds(parts, meters, window):
    sigs, t = [TimeSignature(0)], 0
    for gap, (num, den) in meters:
        t += gap
        sigs.append(TimeSignature(t, num, den))
    score = Score(notes=(Note(60, 0, 10),), time_signatures=tuple(sigs))
    made = [Part("p", tuple(Note(p, s, d) for p, s, d in notes)) for notes in parts]
    changes = infer_changes(score, made, window)
    sounding = [(n.start, n.end) for part in made for n in part.notes]
    assert all(a.end <= b.start for a, b in zip(changes, changes[1:], strict=False))
    for c in changes:
        assert c.duration > 0 and c.chord.quality in INFERRED_QUALITIES
        assert any(s < c.end and e > c.start for s, e in sounding)
    assert bool(changes) == bool(sounding)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(PART_NOTES, min_size=1, max_size=3), st.integers(1, 3))
def test_moving_the_parts_by_whole_bars_moves_the_changes(parts, bars):
    score = Score(notes=(Note(60, 0, 10),))
    made = [Part(f"p{i}", tuple(Note(p, s, d) for p, s, d in notes))
            for i, notes in enumerate(parts)]
    moved = [Part(p.name, tuple(Note(n.pitch, n.start + 96 * bars, n.duration) for n in p.notes))
             for p in made]
    assert infer_changes(score, moved) == tuple(
        ChordChange(c.start + 96 * bars, c.duration, c.chord) for c in infer_changes(score, made))


def test_notes_held_for_thousands_of_bars_are_not_walked_window_by_window():
    held = tuple(Note(40 + i % 40, i * 3, 96 * 2_000 - i * 3) for i in range(40))
    changes = infer_changes(Score(notes=(Note(60, 0, 10),)), [Part("Pad", held)])
    assert len(changes) <= 3 and changes[-1].end == 96 * 2_000
