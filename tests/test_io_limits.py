"""jazzgen.io.limits: what a file may cost to read (size, unpacked size, bars), checked before
the cost is paid; each refusal a ReadError naming the file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from builders import make_score

from jazzgen.errors import ReadError
from jazzgen.io import limits
from jazzgen.io.limits import MAX_FILE_BYTES, bounded, check_archive, check_size
from jazzgen.io.read import read_score
from jazzgen.music.notes import MAX_PIECE_BARS, MAX_SILENCE_BARS, Note, Part, Score


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.mid"
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ReadError, match=rf"big.mid: file too large \({MAX_FILE_BYTES + 1} "
                                        rf"bytes; the limit is {MAX_FILE_BYTES}\)") as info:
        read_score(big)
    assert (info.value.reason, info.value.path) == (ReadError.UNREADABLE, str(big))
    with pytest.raises(ReadError, match="gone.xml: cannot read"):
        check_size(tmp_path / "gone.xml")


def _mxl(score_xml: bytes) -> bytes:
    """A compressed MusicXML archive holding ``score_xml``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/container.xml", '<container><rootfiles><rootfile '
                   'full-path="score.xml"/></rootfiles></container>')
        z.writestr("score.xml", score_xml)
    return buf.getvalue()


def test_a_compressed_score_that_does_not_inflate_is_unreadable_not_a_zlib_error(tmp_path):
    # Found by the fuzzer: a deflate stream broken inside an intact archive made both
    # MusicXML readers raise zlib.error. Block type 3 does not exist: 0xff starts one.
    data = bytearray(_mxl(b"<score-partwise>" + b"<part/>" * 50 + b"</score-partwise>"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("score.xml")
    data[info.header_offset + 30 + len(b"score.xml")] = 0xFF
    path = tmp_path / "broken.mxl"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="broken.mxl: unreadable MusicXML archive") as caught:
        read_score(path)
    assert caught.value.reason == ReadError.UNREADABLE
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ReadError, match="unreadable MusicXML archive"):
        read_score(path)


def test_an_archive_that_unpacks_too_large_is_refused_before_unpacking(tmp_path, monkeypatch):
    path = tmp_path / "bomb.mxl"
    path.write_bytes(_mxl(b"<score-partwise/>" + b" " * 5000))
    check_archive(path)
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ReadError, match=r"bomb.mxl: unpacks to \d+ bytes \(the limit is 1000\)"):
        check_archive(path)


def test_a_piece_longer_than_the_limit_is_unreadable_and_says_how_long(tmp_path):
    held = make_score([(60, 0, 96 * (MAX_PIECE_BARS + 1))])  # one note, held on and on
    with pytest.raises(ReadError, match=rf"x.mid: too long \({MAX_PIECE_BARS + 1} bars; the "
                                        rf"limit is {MAX_PIECE_BARS}\)") as info:
        bounded(held, tmp_path / "x.mid")
    assert (info.value.reason, info.value.path) == (ReadError.UNREADABLE, str(tmp_path / "x.mid"))
    bass = Score(notes=(Note(60, 0, 24),), parts=(Part("Bass", (Note(36, 0, 96 * 30_000),)),))
    with pytest.raises(ReadError, match=r"too long \(30000 bars"):
        bounded(bass, tmp_path / "x.mid")
    just = make_score([(60, 0, 96 * MAX_PIECE_BARS)])
    assert bounded(just, tmp_path / "x.mid") is just


def test_bounded_cuts_silences_before_it_measures():
    far = make_score([(60, 0, 24), (62, 96 * 10 ** 9, 24)])
    score = bounded(far, Path("far.mid"))
    assert score.notes[1].start <= 24 + 96 * MAX_SILENCE_BARS
