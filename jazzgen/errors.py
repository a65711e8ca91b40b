"""Every error jazzgen raises on purpose, under one root: :class:`JazzgenError`.

The command line turns a ``JazzgenError`` (or an ``OSError``) into one ``Error: ...`` line
and exit code 1; any other exception is a bug and keeps its traceback. Meaning lives in
fields, not in message text: a :class:`ReadError` carries the ``reason`` a corpus reader
files a skipped piece under, a :class:`MissingProgramError` the program and how to get it.

Errors about a bad value also derive from ``ValueError`` (as mido and the standard library
do), so ``except ValueError`` around a value type keeps working. Messages name values and
settings ("length", "tempo"), never command-line flags: the library is used from Python too.
"""

from __future__ import annotations


class JazzgenError(Exception):
    """The root of every error jazzgen raises on purpose."""


class InvalidValueError(JazzgenError, ValueError):
    """A value outside what jazzgen accepts (a note's pitch, a setting, a count)."""


class ConfigError(InvalidValueError):
    """A configuration (encoding, model, training, sampling, band) that is not valid."""


class ChordSymbolError(InvalidValueError):
    """A chord symbol that cannot be read; ``symbol`` holds the offending text."""

    def __init__(self, message: str, symbol: str = "") -> None:
        super().__init__(message)
        self.symbol = symbol


class ChangesError(InvalidValueError):
    """Written chord changes or a key that cannot be laid out in bars."""


class ReadError(JazzgenError):
    """A score file that cannot be read or holds no usable melody.

    ``path`` is the file; ``reason`` is the short category a corpus files the skip under
    (one of ``READ_REASONS``); the message says what exactly is wrong.
    """

    UNREADABLE = "unreadable"
    NO_MELODY = "no melody"
    TOO_SHORT = "too short"

    def __init__(self, message: str, path: str = "", reason: str = UNREADABLE) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


READ_REASONS = (ReadError.UNREADABLE, ReadError.NO_MELODY, ReadError.TOO_SHORT)
"""Skip reasons a corpus reports, in the order they are checked."""


class CorpusError(JazzgenError):
    """A corpus that cannot be trained on at all (missing, empty, or every file bad)."""


class BundleError(JazzgenError):
    """A model bundle that is missing, incomplete, corrupt, or does not match this code."""


class TrainError(JazzgenError):
    """Training that cannot go on (a multi-worker peer lost, say); the checkpoint stays."""


class GenerateError(JazzgenError):
    """A generation request that cannot be carried out."""


class PortError(JazzgenError):
    """A MIDI port that cannot be listed or opened: no such port, no MIDI system, or the
    python-rtmidi backend not installed."""


class BandError(InvalidValueError):
    """Changes, meter or settings the band cannot play."""


class RenderError(JazzgenError):
    """Audio or pictures that cannot be made from the input given."""


class MissingProgramError(RenderError):
    """An external program or data file jazzgen needs is not installed.

    ``program`` names it (``fluidsynth``, ``soundfont``); ``hint`` says how to get it.
    """

    def __init__(self, message: str, program: str = "", hint: str = "") -> None:
        super().__init__(f"{message}: {hint}" if hint else message)
        self.program = program
        self.hint = hint


class NoAudioError(RenderError):
    """No audio player or sound device to play through."""


class MetricError(JazzgenError):
    """A metric that is undefined for its input (no notes, too few bars or pieces)."""


class NGramError(InvalidValueError):
    """Bad input to an n-gram model: a token outside the vocabulary, a bad order, no data."""


class EvaluateError(JazzgenError):
    """Input that cannot be evaluated: a missing folder, or a set with no usable piece."""
