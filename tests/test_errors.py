"""One error root: every jazzgen error is a JazzgenError, meaning travels in fields, and the
command line prints ours as one line but lets a real bug keep its traceback."""

from __future__ import annotations

import inspect

import click
import pytest
from click.testing import CliRunner

from jazzgen import errors
from jazzgen.cli.options import friendly_errors


def test_every_error_class_derives_from_the_root():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, BaseException)]
    assert len(classes) >= 15
    assert all(issubclass(c, errors.JazzgenError) for c in classes)
    assert not issubclass(errors.JazzgenError, ValueError)  # a NumPy ValueError is not ours


def test_bad_value_errors_are_value_errors_too():
    for cls in (errors.InvalidValueError, errors.ChordSymbolError, errors.ConfigError,
                errors.BandError, errors.NGramError, errors.ChangesError):
        assert issubclass(cls, ValueError) and issubclass(cls, errors.JazzgenError)


def test_read_error_carries_path_and_reason():
    exc = errors.ReadError("solo.mid: no melody", "/x/solo.mid", errors.ReadError.NO_MELODY)
    assert (exc.path, exc.reason, str(exc)) == ("/x/solo.mid", "no melody", "solo.mid: no melody")
    assert errors.ReadError("broken").reason == "unreadable"
    assert errors.READ_REASONS == ("unreadable", "no melody", "too short")


def test_missing_program_is_its_own_class_with_a_hint():
    exc = errors.MissingProgramError("FluidSynth is not installed", "fluidsynth", "apt-get it")
    assert isinstance(exc, errors.RenderError)
    assert (exc.program, exc.hint) == ("fluidsynth", "apt-get it")
    assert str(exc) == "FluidSynth is not installed: apt-get it"


def test_chord_symbol_error_keeps_the_symbol():
    from jazzgen.music.chords import parse_chord

    with pytest.raises(errors.ChordSymbolError) as info:
        parse_chord("H7")
    assert info.value.symbol == "H7"


def _command(exc: BaseException):
    @click.command()
    @friendly_errors
    def cmd():
        raise exc

    return cmd


def test_cli_prints_our_errors_and_os_errors_as_one_line():
    r = CliRunner().invoke(_command(errors.GenerateError("the changes hold no chords")))
    assert (r.exit_code, r.output) == (1, "Error: the changes hold no chords\n")
    r = CliRunner().invoke(_command(FileNotFoundError(2, "No such file or directory", "x.mid")))
    assert (r.exit_code, r.output) == (1, "Error: No such file or directory: x.mid\n")


def test_cli_lets_a_foreign_error_keep_its_traceback():
    r = CliRunner().invoke(_command(ValueError("operands could not be broadcast")))
    assert r.exit_code == 1 and isinstance(r.exception, ValueError)
    assert "Error:" not in r.output


def test_cli_ctrl_c_is_one_line_and_exit_130():
    r = CliRunner().invoke(_command(KeyboardInterrupt()))
    assert (r.exit_code, r.output) == (130, "Interrupted.\n")
