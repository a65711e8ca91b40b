"""What a file may cost to read: its size on disk, its size unpacked, and its length in bars.

Every reader checks a file's size before reading it and hands the Score it built to
:func:`bounded`, which cuts long silences (:func:`jazzgen.music.notes.cut_silence`) and
refuses a piece longer than :data:`~jazzgen.music.notes.MAX_PIECE_BARS`, so a file's cost
follows its notes, never the ticks its delta times or durations claim.
"""

from __future__ import annotations

from pathlib import Path

from jazzgen.errors import ReadError
from jazzgen.music.notes import MAX_PIECE_BARS, Score, cut_silence, length_in_bars

MAX_FILE_BYTES = 32 * 1024 * 1024
"""The largest score file read, in bytes (checked before reading: no real solo is this big)."""
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""The most a compressed MusicXML (.mxl) archive may unpack to, in bytes."""


def check_size(path: Path) -> int:
    """The size of ``path`` in bytes; ReadError if it cannot be read or is over the limit."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"{path.name}: cannot read ({exc.strerror or exc})", str(path)) from None
    if size > MAX_FILE_BYTES:
        raise ReadError(f"{path.name}: file too large ({size} bytes; the limit is "
                        f"{MAX_FILE_BYTES})", str(path))
    return size


def check_archive(path: Path) -> None:
    """For an .mxl file: ReadError unless it is an intact zip archive (every member's
    checksum is checked) that unpacks to at most :data:`MAX_UNPACKED_BYTES`."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise ReadError(f"{path.name}: unpacks to {unpacked} bytes (the limit is "
                                f"{MAX_UNPACKED_BYTES})", str(path))
            bad = z.testzip()  # unpacks each member once, to check it
    except (OSError, EOFError, ValueError, NotImplementedError, zipfile.BadZipFile,
            zlib.error) as exc:
        raise ReadError(f"{path.name}: unreadable MusicXML archive ({exc})", str(path)) \
            from None
    if bad is not None:
        raise ReadError(f"{path.name}: unreadable MusicXML archive ({bad} is corrupt)",
                        str(path))


def bounded(score: Score, path: Path) -> Score:
    """``score`` with its long silences cut; ReadError (unreadable) if it is still too long."""
    score = cut_silence(score)
    bars = length_in_bars(score)
    if bars > MAX_PIECE_BARS:
        raise ReadError(f"{path.name}: too long ({bars} bars; the limit is {MAX_PIECE_BARS})",
                        str(path))
    return score
