"""jazzgen.io.midi: round trips, odd and malformed files, melody picking, chord recovery."""

import io

import mido
import pytest
from builders import SHARED, make_score, random_line

from jazzgen.errors import ReadError
from jazzgen.io.midi import read_midi, score_to_bytes, write_midi
from jazzgen.music.notes import TimeSignature


def triples(notes):
    return [(n.pitch, n.start, n.duration) for n in notes]


def test_write_read_roundtrip_keeps_notes_chords_tempo_meter(tmp_path):
    s = random_line(1)
    s = make_score(triples(s.notes), [(c.chord.symbol, c.start, c.duration) for c in s.changes],
                   tempo=172.0, sigs=[TimeSignature(0), TimeSignature(384, 3, 4)])
    path = write_midi(s, tmp_path / "a.mid")
    back = read_midi(path)
    assert triples(back.notes) == triples(s.notes)
    assert [(c.chord.symbol, c.start) for c in back.changes] == \
        [(c.chord.symbol, c.start) for c in s.changes]
    assert back.tempo == pytest.approx(172.0, abs=0.01)
    assert back.time_signatures == s.time_signatures


def test_written_file_is_type1_with_names_programs_and_markers():
    s = make_score([(60, 0, 24)], [("F7", 0, 96)])
    mid = mido.MidiFile(file=io.BytesIO(score_to_bytes(s, solo_program=65)))
    assert mid.type == 1
    names = [next(m.name for m in t if m.type == "track_name") for t in mid.tracks]
    assert names == ["test", "Solo"]
    assert any(m.type == "marker" and m.text == "F7" for m in mid.tracks[0])
    assert any(m.type == "set_tempo" for m in mid.tracks[0])
    assert any(m.type == "program_change" and m.program == 65 for m in mid.tracks[1])


def test_same_score_gives_identical_bytes():
    s = random_line(2)
    assert score_to_bytes(s) == score_to_bytes(s)


def _mido_file(tpb=96, mtype=1):
    return mido.MidiFile(type=mtype, ticks_per_beat=tpb)


def _save(mid, path):
    mid.save(path)
    return path


def test_type0_melody_is_picked_over_drums_and_chords(tmp_path):
    mid = _mido_file(tpb=96, mtype=0)
    t = mido.MidiTrack()
    mid.tracks.append(t)
    t.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(200)))
    # each beat: drums (ch 9), a 3-note chord (ch 1), a melody note (ch 0, zero-velocity off)
    for beat in range(16):
        t.append(mido.Message("note_on", channel=9, note=42, velocity=80, time=0))
        for p in (48, 52, 55):
            t.append(mido.Message("note_on", channel=1, note=p, velocity=50, time=0))
        t.append(mido.Message("note_on", channel=0, note=70 + beat % 5, velocity=90, time=0))
        t.append(mido.Message("note_on", channel=0, note=70 + beat % 5, velocity=0, time=48))
        for p in (48, 52, 55):
            t.append(mido.Message("note_off", channel=1, note=p, velocity=0, time=0))
        t.append(mido.Message("note_off", channel=9, note=42, velocity=0, time=48))
    score = read_midi(_save(mid, tmp_path / "t0.mid"))
    assert [n.pitch for n in score.notes][:5] == [70, 71, 72, 73, 74]
    assert all(n.duration == 12 and n.start % 24 == 0 for n in score.notes)  # 48/96 beat
    assert score.tempo == pytest.approx(200, abs=0.01)
    assert {p.is_drum for p in score.parts} == {True, False}
    # the chord part (C major triad) is recovered as the changes
    assert score.changes and score.changes[0].chord.root == 0


def test_track_option_overrides_the_choice(tmp_path):
    mid = _mido_file(tpb=480)
    for name, base in (("Lead", 72), ("Second", 60)):
        t = mido.MidiTrack()
        t.append(mido.MetaMessage("track_name", name=name))
        for i in range(8):
            t.append(mido.Message("note_on", note=base + i, velocity=80, time=0))
            t.append(mido.Message("note_off", note=base + i, velocity=0, time=240))
        mid.tracks.append(t)
    path = _save(mid, tmp_path / "two.mid")
    assert read_midi(path).notes[0].pitch == 72
    assert read_midi(path, track="second").notes[0].pitch == 60
    assert read_midi(path, track=1).notes[0].pitch == 60
    with pytest.raises(ReadError, match="no track matches"):
        read_midi(path, track="tuba")


def test_odd_ticks_per_beat_and_triplets(tmp_path):
    mid = _mido_file(tpb=1000)
    t = mido.MidiTrack()
    mid.tracks.append(t)
    for i in range(9):  # eighth-note triplets at 1000 ticks per beat: 333/334 ticks
        t.append(mido.Message("note_on", note=60 + i, velocity=80, time=0))
        t.append(mido.Message("note_off", note=60 + i, velocity=0, time=333 if i % 3 else 334))
    score = read_midi(_save(mid, tmp_path / "trip.mid"))
    assert [n.start for n in score.notes] == [0, 8, 16, 24, 32, 40, 48, 56, 64]


def test_smpte_overflow_division_reads_as_55440_ppq(tmp_path):
    data = bytearray(score_to_bytes(make_score([(60, 0, 24), (62, 24, 24)])))
    # rewrite the division to 0xD890 and scale every delta time by 55440/480 = 115.5:
    mid = mido.MidiFile(file=io.BytesIO(bytes(data)))
    for track in mid.tracks:
        for msg in track:
            msg.time = int(msg.time * 115.5)
    buf = io.BytesIO()
    mid.save(file=buf)
    raw = bytearray(buf.getvalue())
    raw[12:14] = bytes.fromhex("d890")
    path = tmp_path / "smpte.mid"
    path.write_bytes(bytes(raw))
    assert triples(read_midi(path).notes) == [(60, 0, 24), (62, 24, 24)]


@pytest.mark.skipif(not (SHARED / "wjazzd" / "midi").is_dir(), reason="../shared corpora absent")
def test_real_wjazzd_file_with_0xd890_division():
    path = SHARED / "wjazzd" / "midi" / "EricDolphy_Serene_FINAL.mid"
    score = read_midi(path)
    assert len(score.notes) > 100
    assert 40 < score.tempo < 300


# ---------------------------------------------------------------- malformed files, as hex dumps
# Each file is a few commented lines of hex, as in mido's tests/midifiles/test_midifiles.py.


def hexdump(text: str) -> bytes:
    """The bytes of a commented hex dump: everything after '#' on a line is a comment."""
    return b"".join(bytes.fromhex(row.split("#")[0]) for row in text.splitlines())


HEADER = """
4d 54 68 64  # MThd
00 00 00 06  # header length: 6 bytes
00 00        # format 0
00 01        # one track
00 60        # 96 ticks per beat
"""

MELODY_TRACK = """
4d 54 72 6b  # MTrk
00 00 00 0c  # track length: 12 bytes
00 90 3c 64  # delta 0: note on, channel 1, middle C, velocity 100
60 80 3c 00  # delta 96: note off
00 ff 2f 00  # end of track
"""

TRUNCATED_HEADER = """
4d 54 68 64  # MThd
00 00 00 06  # header length: 6 bytes
00 01        # format 1, and then the file ends
"""

WRONG_CHUNK_TYPE = HEADER + """
4d 54 72 78  # MTrx: not a track chunk
00 00 00 04  # length: 4 bytes
00 ff 2f 00  # end of track
"""

TRUNCATED_TRACK = HEADER + """
4d 54 72 6b  # MTrk
00 00 00 10  # track length: 16 bytes, but only 4 follow
00 90 3c 40  # note on, middle C
"""

DRUMS_ONLY = HEADER + """
4d 54 72 6b  # MTrk
00 00 00 0c  # track length: 12 bytes
00 99 24 64  # delta 0: note on, channel 10 (drums), bass drum
60 89 24 00  # delta 96: note off
00 ff 2f 00  # end of track
"""

NOT_MIDI = """
54 68 69 73 20 69 73 20  # "This is "
74 65 78 74 2e 0a        # "text." and a line feed
"""

RIFF = """
52 49 46 46  # RIFF
2e 00 00 00  # RIFF size: 46 bytes (little-endian)
52 4d 49 44  # RMID
64 61 74 61  # data
22 00 00 00  # data size: 34 bytes
"""

RIFF_WRAPPED = RIFF + HEADER + MELODY_TRACK

RIFF_WITHOUT_MIDI = RIFF + """
00 00 00 00 00 00 00 00  # no MThd anywhere
"""


def test_the_hex_dumps_hold_what_they_say():
    assert len(hexdump(HEADER)) == 14 and len(hexdump(MELODY_TRACK)) == 20
    assert hexdump(NOT_MIDI) == b"This is text.\n"
    assert hexdump(RIFF_WRAPPED)[20:24] == b"MThd"


@pytest.mark.parametrize("dump,reason", [
    (TRUNCATED_HEADER, ReadError.UNREADABLE), (WRONG_CHUNK_TYPE, ReadError.UNREADABLE),
    (TRUNCATED_TRACK, ReadError.UNREADABLE), (NOT_MIDI, ReadError.UNREADABLE),
    (RIFF_WITHOUT_MIDI, ReadError.UNREADABLE), ("", ReadError.UNREADABLE),
    (DRUMS_ONLY, ReadError.NO_MELODY),
], ids=["truncated header", "wrong chunk type", "truncated track", "not MIDI",
        "RIFF without MIDI", "empty", "drums only"])
def test_broken_files_raise_one_clear_error_with_their_reason(tmp_path, dump, reason):
    path = tmp_path / "bad.mid"
    path.write_bytes(hexdump(dump))
    with pytest.raises(ReadError) as info:
        read_midi(path)
    assert (info.value.reason, info.value.path) == (reason, str(path))


def test_riff_wrapped_midi_reads_like_the_plain_file(tmp_path):
    plain = tmp_path / "plain.mid"
    plain.write_bytes(hexdump(HEADER + MELODY_TRACK))
    wrapped = tmp_path / "wrapped.rmi"
    wrapped.write_bytes(hexdump(RIFF_WRAPPED))
    assert triples(read_midi(wrapped).notes) == triples(read_midi(plain).notes) == [(60, 0, 24)]


# ---------------------------------------------------------------- found by the fuzzers

BAD_KEY_SIGNATURE = HEADER + """
4d 54 72 6b  # MTrk
00 00 00 10  # track length: 16 bytes
00 ff 59 02  # delta 0: key signature, 2 bytes:
fc 02        #   4 flats, mode 2 (only 0 major and 1 minor exist)
00 90 3c 64  # note on, middle C
60 80 3c 00  # delta 96: note off
00 ff 2f 00  # end of track
""".replace("00 00 00 10  # track length: 16 bytes", "00 00 00 12  # track length: 18 bytes")

TEMPO_ZERO = HEADER + """
4d 54 72 6b  # MTrk
00 00 00 13  # track length: 19 bytes
00 ff 51 03  # delta 0: set tempo, 3 bytes:
00 00 00     #   0 microseconds a beat (infinitely fast)
00 90 3c 64  # note on, middle C
60 80 3c 00  # delta 96: note off
00 ff 2f 00  # end of track
"""


def test_a_key_signature_mido_cannot_decode_makes_the_file_unreadable(tmp_path):
    path = tmp_path / "key.mid"
    path.write_bytes(hexdump(BAD_KEY_SIGNATURE))  # mido raised KeySignatureError
    with pytest.raises(ReadError, match="key.mid: corrupt MIDI") as info:
        read_midi(path)
    assert info.value.reason == ReadError.UNREADABLE


def test_a_tempo_of_zero_is_ignored(tmp_path):
    path = tmp_path / "tempo.mid"
    path.write_bytes(hexdump(TEMPO_ZERO))  # 60e6 / 0 was a ZeroDivisionError
    score = read_midi(path)
    assert score.tempo == 120.0 and triples(score.notes) == [(60, 0, 24)]


def test_a_type_2_file_has_no_length_in_seconds(tmp_path):
    from jazzgen.io.midi import midi_length_seconds

    mid = mido.MidiFile(type=2)
    mid.tracks.append(mido.MidiTrack([mido.Message("note_on", note=60, velocity=64),
                                      mido.Message("note_off", note=60, time=480)]))
    mid.save(tmp_path / "async.mid")
    with pytest.raises(ReadError, match="async.mid: no length in seconds"):
        midi_length_seconds(tmp_path / "async.mid")


FAR = 2 ** 27
"""A note this many ticks in (24 a beat: 1.4 million bars) once made the reader list every
bar of the silence before it, and infer chords for each: tens of GB."""

def _track(name, notes):
    """A track of (pitch, start, end) notes, ticks from the start."""
    events = sorted([(s, 1, p) for p, s, _ in notes] + [(e, 0, p) for p, _, e in notes])
    out, now = mido.MidiTrack([mido.MetaMessage("track_name", name=name)]), 0
    for tick, on, pitch in events:
        kind = "note_on" if on else "note_off"
        out.append(mido.Message(kind, note=pitch, velocity=80 if on else 0, time=tick - now))
        now = tick
    return out


def _song(path, solo, far):
    """A solo over a piano playing C7 in the first bar and in the bar of tick ``far``."""
    bar2 = far - far % 96
    mid = mido.MidiFile(ticks_per_beat=24)  # MIDI ticks are jazzgen's ticks
    chords = [(p, s, s + 96) for s in (0, bar2) for p in (48, 52, 55, 58)]
    mid.tracks += [_track("Solo", solo), _track("Piano", chords)]
    mid.save(path)


def _far_child(far: int, folder: str) -> None:
    """In the capped child: read the far files; print what the test checks, as JSON."""
    import json
    import time

    from jazzgen.model.config import EncodingConfig
    from jazzgen.model.encoding import Vocabulary, encode
    from jazzgen.music.notes import bar_spans

    _song(f"{folder}/far.mid", [(72, 0, 24), (74, far, far + 24)], far)
    began = time.perf_counter()
    score = read_midi(f"{folder}/far.mid")
    took = time.perf_counter() - began
    _song(f"{folder}/held.mid", [(72, 0, far)], far)
    try:
        read_midi(f"{folder}/held.mid")
        held = "read"
    except ReadError as exc:
        held = str(exc)
    print(json.dumps({"took": took, "notes": [[n.start, n.end] for n in score.notes],
                      "end": score.end, "bars": len(score.bar_starts()),
                      "spans": len(bar_spans(score)),
                      "changes": [[c.chord.symbol, c.start, c.end] for c in score.changes],
                      "tokens": len(encode(score, Vocabulary(EncodingConfig()))),
                      "held": held}))


def test_a_note_after_two_to_the_27_ticks_of_silence_reads_at_once_and_close_by(tmp_path):
    from fuzz_worker import limited_python

    from jazzgen.music.notes import MAX_PIECE_BARS, MAX_SILENCE_BARS

    out = limited_python(f"import test_io_midi; test_io_midi._far_child({FAR}, "
                         f"{str(tmp_path)!r})")  # capped at 2 GB: a regression fails here
    assert out["took"] < 1.0
    (_, _), (second, _) = out["notes"]
    # the silence lasts from the end of the first bar's chord to the far bar's chord: 16 bars
    # at most, and the far note keeps its place in its bar
    bar2 = second - second % 96
    assert 96 + (MAX_SILENCE_BARS - 1) * 96 < bar2 <= 96 + MAX_SILENCE_BARS * 96
    assert second % 96 == FAR % 96 and out["end"] <= (MAX_SILENCE_BARS + 2) * 96
    assert out["bars"] == out["spans"] <= MAX_SILENCE_BARS + 2 and out["tokens"] < 40
    assert out["changes"] == [["C7", 0, 96], ["C7", bar2, bar2 + 96]]  # from the piano
    assert f"too long ({FAR // 96 + 1} bars; the limit is {MAX_PIECE_BARS})" in out["held"]


def test_a_performance_moves_notes_by_midi_ticks_and_sets_their_velocity():
    from jazzgen.errors import InvalidValueError
    from jazzgen.music.humanize import Nudge, Performance

    s = make_score([(60, 0, 24), (62, 24, 24), (64, 48, 12)])
    plain = score_to_bytes(s)
    same = Performance((tuple(Nudge(0, 0, n.velocity) for n in s.notes),))
    assert score_to_bytes(s, performance=same) == plain == score_to_bytes(s, performance=None)
    played = Performance(((Nudge(0, -3, 70), Nudge(-7, 5, 100), Nudge(9, 9, 1)),))
    mid = mido.MidiFile(file=io.BytesIO(score_to_bytes(s, performance=played)))
    now, events = 0, []
    for m in mid.tracks[1]:
        now += m.time
        if m.type in ("note_on", "note_off"):
            events.append((now, m.type, m.note, m.velocity))
    assert events == [(0, "note_on", 60, 70), (473, "note_on", 62, 100),
                      (477, "note_off", 60, 0), (965, "note_off", 62, 0),
                      (969, "note_on", 64, 1), (1209, "note_off", 64, 0)]
    assert mid.ticks_per_beat == 480
    with pytest.raises(InvalidValueError, match="does not fit"):
        score_to_bytes(s, performance=Performance((played.lines[0][:2],)))
