"""jazzgen.generate.trade: who plays which bars, the player's notes kept note for note in
their turns, answers sampled in jazzgen's turns primed on what came before, the band under
both, the same seed giving the same bytes. The shipped model samples (NumPy, no TensorFlow)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import mido
import pytest
from builders import make_score, random_line, seeded_net
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzgen.errors import GenerateError
from jazzgen.generate.band_config import BandConfig
from jazzgen.generate.form import Form
from jazzgen.generate.solo import PACKAGED_MODEL
from jazzgen.generate.trade import (
    Answerer,
    TradeRequest,
    make_plan,
    split_player,
    trade,
    write_trade,
)
from jazzgen.io.midi import OUT_TICKS_PER_BEAT, write_midi
from jazzgen.io.read import read_score
from jazzgen.model.config import EncodingConfig
from jazzgen.model.encoding import Vocabulary
from jazzgen.music.notes import TICKS_PER_BEAT, Note, Part, Score
from jazzgen.music.swing import swing_ticks

BAR = 96
BLUES_2 = Form(changes_name="blues", choruses=2)


def track_notes(data: bytes, name: str) -> list[tuple[int, int, int, int]]:
    """(pitch, start, end, velocity) in jazzgen ticks of the MIDI track called ``name``."""
    scale = OUT_TICKS_PER_BEAT // TICKS_PER_BEAT
    for track in mido.MidiFile(file=io.BytesIO(data)).tracks:
        if track.name != name:
            continue
        now, held, out = 0, {}, []
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity:
                held[msg.note] = (now, msg.velocity)
            elif msg.type in ("note_on", "note_off") and msg.note in held:
                start, vel = held.pop(msg.note)
                out.append((msg.note, start // scale, now // scale, vel))
        return sorted(out, key=lambda n: (n[1], n[0]))
    raise AssertionError(f"no track {name!r}")


@pytest.fixture(scope="module")
def player_file(tmp_path_factory) -> Path:
    """A 16-bar swung line at 150 BPM: it fills bars 1-16 (more than the player's turns)."""
    return write_midi(random_line(1, bars=16), tmp_path_factory.mktemp("player") / "p.mid")


def fake_bundle(seed: int = 0) -> SimpleNamespace:
    """What an Answerer reads from a bundle, with a small seeded network."""
    return SimpleNamespace(net=seeded_net(seed), vocab=Vocabulary(EncodingConfig()), meta={},
                           path=Path("fake"))


def test_the_plan_alternates_turns_the_player_first():
    plan = make_plan(BLUES_2, 4, 2)
    assert (plan.bars, plan.end, plan.label) == (24, 24 * BAR, "blues")
    assert [(t.player, t.start // BAR, t.end // BAR) for t in plan.turns] == [
        (True, 0, 4), (False, 4, 8), (True, 8, 12), (False, 12, 16), (True, 16, 20),
        (False, 20, 24)]
    assert plan.bars_of(plan.answers) == "5-8, 13-16, 21-24"
    assert plan.changes[-1].end == 24 * BAR
    odd = make_plan(Form(changes_name="blues"), 5, 1)  # the last turn stops with the chorus
    assert [(t.player, t.start // BAR, t.end // BAR) for t in odd.turns] == [
        (True, 0, 5), (False, 5, 10), (True, 10, 12)]
    assert make_plan(Form(chords="Dm7 | G7 |", meter=(3, 4)), 1, 1).bars_of(
        make_plan(Form(chords="Dm7 | G7 |", meter=(3, 4)), 1, 1).answers) == "2"


def test_bad_requests_and_plans_are_refused():
    with pytest.raises(GenerateError, match="at least 1 bar, got 0"):
        TradeRequest(bars_each=0)
    with pytest.raises(GenerateError, match="20..400 BPM"):
        TradeRequest(tempo=10.0)
    with pytest.raises(GenerateError, match="whole choruses"):
        TradeRequest(form=Form(bars=8))
    with pytest.raises(GenerateError, match="no turn for jazzgen at 4 bars each"):
        make_plan(Form(chords="F7 | Bb7 |"), 4, 2)


def test_player_notes_in_jazzgens_bars_are_dropped_and_a_ringing_one_is_cut():
    plan = make_plan(BLUES_2, 4, 2)
    notes = [Note(60, 0, 24), Note(62, 3 * BAR + 72, 48),  # rings 24 ticks into bar 5
             Note(64, 4 * BAR, 24), Note(65, 9 * BAR, 12), Note(67, 30 * BAR, 12)]
    kept, dropped = split_player(notes, plan)
    assert kept == (Note(60, 0, 24), Note(62, 3 * BAR + 72, 24), Note(65, 9 * BAR, 12))
    assert dropped == 2  # one in bar 5, one after the trade


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(40, 90), st.integers(0, 30 * BAR),
                          st.integers(1, 3 * BAR)), max_size=40),
       st.integers(1, 6))
def test_split_player_keeps_only_notes_inside_the_players_turns(raw, each):
    plan = make_plan(BLUES_2, each, 2)
    notes = [Note(p, s, d) for p, s, d in raw]
    kept, dropped = split_player(notes, plan)
    assert len(kept) + dropped == len(notes)
    turns = [t for t in plan.turns if t.player]
    for n in kept:
        assert any(t.start <= n.start and n.end <= t.end for t in turns)
    inside = [n for n in notes if any(t.start <= n.start and n.end <= t.end for t in turns)]
    assert set(inside) <= set(kept)  # a note wholly inside a turn is kept as it is


def test_an_answer_starts_on_its_bar_line_and_hears_the_player():
    plan = make_plan(Form(chords="Dm7 | G7 | Cmaj7 | A7 |", choruses=2), 2, 2)
    answerer = Answerer(fake_bundle(1), plan, TradeRequest(seed=4))
    lick = [Note(62, 0, 16), Note(65, 16, 8), Note(69, 24, 48), Note(72, 120, 60)]
    first = answerer.answer(0, lick, 2 * BAR)
    assert first and all(n.start >= 2 * BAR and n.end <= 4 * BAR for n in first)
    assert answerer.answer(0, lick, 2 * BAR) == first  # its own stream: the same again
    other = answerer.answer(0, [Note(50, 0, 96), Note(48, 96, 96)], 2 * BAR)
    assert other != first  # another player, another answer
    # a history before the context window changes nothing; inside it, it does
    windowed = Answerer(fake_bundle(1), plan, TradeRequest(seed=4, context_bars=2))
    late = [Note(60, 4 * BAR, 24), Note(62, 5 * BAR, 24)]
    assert windowed.answer(1, [Note(40, 0, 24), *late], 6 * BAR) == \
        windowed.answer(1, late, 6 * BAR)
    assert windowed.answer(1, late, 6 * BAR) != windowed.answer(1, late[:1], 6 * BAR)


def test_answers_are_reswung_when_asked():
    from jazzgen.model.bundle import load_bundle

    bundle = load_bundle(PACKAGED_MODEL)
    plan = make_plan(Form(chords="Dm7 | G7 |", choruses=4), 2, 4)
    moved = 0
    for seed in range(1, 6):  # some answers hold no lone off-beat eighth to move
        played = Answerer(bundle, plan, TradeRequest(seed=seed)).answer(0, [], 2 * BAR)
        straight = Answerer(bundle, plan, TradeRequest(seed=seed, swing=0.5)).answer(
            0, [], 2 * BAR)
        assert all(n.start >= 2 * BAR and n.end <= 4 * BAR for n in straight)
        assert straight == swing_ticks(played, 0.5)
        moved += straight != played
    assert moved  # at least one answer was changed by it


def test_the_file_holds_player_jazzgen_and_band_tracks(tmp_path, player_file):
    request = TradeRequest(form=BLUES_2, seed=5, band=BandConfig(swing=None, listen=True))
    result = trade(None, player_file, request)
    data = write_trade(result.score, tmp_path / "t.mid", request.solo_program).read_bytes()
    names = [t.name for t in mido.MidiFile(file=io.BytesIO(data)).tracks]
    assert names[1:] == ["jazzgen", "Player", "Piano", "Bass", "Drums"]
    plan = result.plan
    # the player's notes in their turns are the input's, note for note
    played = read_score(player_file).notes
    expected = [(n.pitch, n.start, n.end, n.velocity) for n in split_player(played, plan)[0]]
    assert track_notes(data, "Player") == expected
    assert len(expected) == len([n for n in played if (n.start // BAR) % 8 < 4])
    # jazzgen plays in its own turns only, and plays in each of them
    answers = track_notes(data, "jazzgen")
    for turn in plan.answers:
        assert any(turn.start <= s < turn.end for _, s, _, _ in answers)
    assert all(any(t.start <= s and e <= t.end for t in plan.answers) for _, s, e, _ in answers)
    assert result.remarks[0] == (f"{len(played) - len(expected)} note(s) of p.mid start in "
                                 f"jazzgen's bars (5-8, 13-16, 21-24) or after the trade: "
                                 f"left out")
    assert result.remarks[1] == "p.mid ends in bar 16: the player's bars 17-20 are rests"
    assert "player: bars 1-4, 9-12, 17-20" in result.describe()


def test_the_same_seed_writes_the_same_bytes(tmp_path, player_file):
    def run(seed: int, name: str) -> bytes:
        request = TradeRequest(form=BLUES_2, seed=seed, band=BandConfig(swing=None))
        return write_trade(trade(None, player_file, request).score, tmp_path / name).read_bytes()

    first = run(7, "a.mid")
    assert run(7, "b.mid") == first
    other = run(8, "c.mid")
    assert track_notes(other, "jazzgen") != track_notes(first, "jazzgen")
    assert track_notes(other, "Player") == track_notes(first, "Player")


def test_a_count_in_moves_everything_a_bar_later(player_file):
    plain = trade(None, player_file, TradeRequest(form=BLUES_2, seed=1, band=BandConfig()))
    counted = trade(None, player_file, TradeRequest(form=BLUES_2, seed=1,
                                                    band=BandConfig(count_in=True)))
    assert [n.start + BAR for n in plain.score.notes] == [n.start for n in counted.score.notes]
    player: Part = counted.score.parts[0]
    assert player.name == "Player" and player.notes[0].start == plain.player[0].start + BAR
    assert counted.score.changes[0].start == BAR


def test_choruses_default_to_what_the_file_fills_and_tempo_to_its_tempo(tmp_path):
    short = write_midi(make_score([(60 + i, i * 48, 48) for i in range(12)], tempo=180.0),
                       tmp_path / "six.mid")  # 6 bars
    result = trade(None, short, TradeRequest(form=Form(chords="Dm7 | G7 | Cmaj7 | % |"),
                                             seed=0))
    assert result.plan.bars == 8 and result.score.tempo == 180.0
    assert result.remarks == ("4 note(s) of six.mid start in jazzgen's bars (5-8) or after the "
                              "trade: left out",)
    assert [p.name for p in result.score.parts] == ["Player"]  # no band asked for


def test_a_file_in_another_meter_is_remarked(tmp_path):
    from jazzgen.music.notes import TimeSignature

    waltz = make_score([(60, 0, 24), (62, 24, 24)], sigs=(TimeSignature(0, 3, 4),))
    result = trade(None, write_midi(waltz, tmp_path / "w.mid"),
                   TradeRequest(form=Form(chords="C7 | F7 |", choruses=2), bars_each=1))
    assert result.remarks[-1] == "w.mid is in 3/4; its notes are laid over bars of 4/4"


def test_unreadable_player_files_are_one_generate_error(tmp_path):
    with pytest.raises(GenerateError, match="player's solo nope.mid: cannot read"):
        trade(None, tmp_path / "nope.mid", TradeRequest())
    drums = Score((), parts=(Part("Drums", (Note(36, 0, 24),), channel=9, is_drum=True),))
    with pytest.raises(GenerateError, match="player's solo d.mid: no melody"):
        trade(None, write_midi(drums, tmp_path / "d.mid"), TradeRequest())
    text = tmp_path / "x.txt"
    text.write_text("F7")
    with pytest.raises(GenerateError, match="unsupported file type"):
        trade(None, text, TradeRequest())
