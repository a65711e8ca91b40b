"""What the commands share: error handling, progress lines, and option decorators.

Groups of options that make one library object (a ``Form``, a ``SampleConfig``, a
``BandConfig``, ``Outputs``, training configs) are declared once here; a command receives
the object, built and checked, as one keyword argument.
"""

from __future__ import annotations

import functools
import random
import sys
from collections.abc import Callable
from pathlib import Path

import click

from jazzgen.errors import JazzgenError
from jazzgen.generate.band_config import COMP_INSTRUMENTS, SOLO_INSTRUMENTS, SWING
from jazzgen.model.config import (
    MAX_BATCH_SIZE,
    MAX_EMBEDDING_SIZE,
    MAX_EPOCHS,
    MAX_LSTM_LAYERS,
    MAX_LSTM_SIZE,
    MAX_SEQUENCE_LENGTH,
)
from jazzgen.output.parts import PARTS


def err(msg: str) -> None:
    """Print ``msg`` on stderr."""
    click.echo(msg, err=True)


def friendly_errors(func: Callable | None = None, *, interrupted: str = "Interrupted."):
    """Turn jazzgen's own errors and OS errors into one ``Error: ...`` line (exit 1), Ctrl-C
    into ``interrupted`` (exit 130). Any other exception is a bug and keeps its traceback."""
    if func is None:
        return functools.partial(friendly_errors, interrupted=interrupted)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            err(interrupted)
            sys.exit(130)
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stderr.close()
            sys.exit(0)
        except JazzgenError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            msg = exc.strerror + (f": {exc.filename}" if exc.filename else "") \
                if exc.strerror else str(exc)
            raise click.ClickException(msg) from None

    return wrapper


def progress(label: str, quiet: bool = False):
    """The corpus reader's ``(done, total, path)`` report: a files bar on a terminal, a line
    at each new tenth off one, nothing when ``quiet`` (see :mod:`jazzgen.cli.progress`)."""
    from jazzgen.cli.progress import Bar

    report = Bar(label, "file", quiet=quiet, lines=True)
    return lambda done, total, _path: report(done, total)


def quiet_option(help: str = "No progress bars (and no progress lines off a terminal)."):
    """``-q/--quiet``: the command receives ``quiet``."""
    return click.option("-q", "--quiet", is_flag=True, help=help)


def report_skipped(corpus) -> None:
    """List the files a corpus skipped, with their reasons, on stderr."""
    if not corpus.skipped:
        return
    counts = ", ".join(f"{n} {r}" for r, n in sorted(corpus.skip_counts().items()))
    total = len(corpus.skipped) + len(corpus.pieces)
    err(f"Skipped {len(corpus.skipped)} of {total} files ({counts}):")
    for s in corpus.skipped:
        err(f"  [{s.reason}] {s.detail}")


def group(build: Callable[..., dict], *options):
    """Options whose values ``build(**values)`` turns into the keyword arguments the command
    receives instead (each option must name its parameter explicitly)."""
    names = [_param_name(opt) for opt in options]

    def decorator(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            values = {n: kwargs.pop(n) for n in names}
            kwargs.update(build(**values))
            return f(*args, **kwargs)

        for opt in reversed(options):
            wrapper = opt(wrapper)
        return wrapper

    return decorator


def _param_name(option_decorator) -> str:
    """The parameter name a ``click.option`` decorator declares (applied to a dummy)."""

    def dummy():
        pass

    option_decorator(dummy)
    return dummy.__click_params__[-1].name


def _random_seed(_ctx, _param, value: int | None) -> int:
    """The seed given, else a fresh random one (printed by the command, to make it again)."""
    return random.SystemRandom().randrange(2**31) if value is None else value


def seed_option(default: int | None, help: str):
    """``--seed``; with ``default=None`` an unseeded run draws (and reports) a random seed."""
    return click.option("--seed", type=int, default=default, show_default=default is not None,
                        callback=_random_seed, help=help)


def model_option(default: str | None, help: str):
    """``--model DIR``: a model bundle folder."""
    return click.option("--model", type=click.Path(path_type=Path), default=default,
                        show_default=default is not None, help=help)


def corpus_option(help: str = "Folder of .mid/.midi/.xml/.musicxml/.mxl files (searched "
                  "recursively)."):
    """``--corpus DIR``, ./midi_corpus by default."""
    return click.option("--corpus", default="midi_corpus", show_default=True,
                        type=click.Path(path_type=Path), help=help)


def track_option(help: str = "Melody track (index or name) in multi-track files; picked "
                 "automatically by default."):
    """``--track``: which track holds the melody."""
    return click.option("--track", default=None, help=help)


SOUNDFONT_HELP = ("General MIDI .sf2 for audio (default: $JAZZGEN_SOUNDFONT, else the "
                  "system's FluidR3_GM.sf2).")
soundfont_option = click.option(
    "--soundfont", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help=SOUNDFONT_HELP)


def _meter(_ctx, _param, text: str) -> tuple[int, int]:
    """'3/4' -> (3, 4), or a usage error."""
    try:
        num, den = (int(x) for x in text.split("/"))
    except ValueError:
        raise click.BadParameter(f"expected a time signature like 3/4, got {text!r}") from None
    return num, den


def _progressions(_ctx, _param, incomplete: str) -> list[str]:
    """Shell completion of --changes: the built-in progressions' names."""
    from jazzgen.music.progressions import PROGRESSIONS

    return [name for name in PROGRESSIONS if name.startswith(incomplete)]


def float_list(_ctx, _param, text: str) -> tuple[float, ...]:
    """'0.8,0.9' -> (0.8, 0.9), or a usage error."""
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"expected numbers separated by commas, got {text!r}") from None
    if not values:
        raise click.BadParameter("give at least one value")
    return values


def _form(length, bars, choruses, chords, changes_name, key, meter) -> dict:
    from jazzgen.generate.form import Form

    return {"form": Form(length=length, bars=bars, choruses=choruses, chords=chords,
                         changes_name=changes_name, key=key, meter=meter)}


def _change_options(verb: str) -> list:
    """``--chords``, ``--changes``, ``--key`` and ``--meter``: the changes to ``verb`` over."""
    return [
        click.option("--chords", "chords", default=None, help=f'Changes to {verb} over, bars '
                     'separated by "|", e.g. "Dm7 G7 | Cmaj7 |".'),
        click.option("--changes", "changes_name", default=None, shell_complete=_progressions,
                     help="A built-in progression (see 'jazzgen changes'); default: blues."),
        click.option("--key", "key", default=None,
                     help="Transpose the built-in progression to this key."),
        click.option("--meter", "meter", default="4/4", show_default=True, callback=_meter,
                     help="Time signature of the changes, e.g. 3/4 for a jazz waltz."),
    ]


form_options = group(
    _form,
    click.option("--length", "length", type=click.IntRange(1), default=None,
                 help="Number of sounding notes (default 64 unless --bars/--choruses is "
                 "given)."),
    click.option("--bars", "bars", type=click.IntRange(1), default=None, help="Length in bars."),
    click.option("--choruses", "choruses", type=click.IntRange(1), default=None,
                 help="Length in choruses of the changes."),
    *_change_options("play"),
)
"""What to play over and for how long: the command receives ``form``."""


def _trade_form(choruses, chords, changes_name, key, meter) -> dict:
    from jazzgen.generate.form import Form

    return {"form": Form(choruses=choruses, chords=chords, changes_name=changes_name, key=key,
                         meter=meter)}


trade_form_options = group(
    _trade_form,
    click.option("--choruses", "choruses", type=click.IntRange(1), default=None,
                 help="Choruses to trade over (default: as many as the player's file fills; "
                 "live: required)."),
    *_change_options("trade"),
)
"""The changes of a trade and how many choruses (no length in notes or bars): the command
receives ``form``."""


def _sampling(temperature, top_p, duration_temperature) -> dict:
    from jazzgen.generate.sampling import SampleOverrides

    return {"sampling": SampleOverrides(temperature=temperature, top_p=top_p,
                                        duration_temperature=duration_temperature)}


sample_options = group(
    _sampling,
    click.option("--temperature", "temperature", default=None,
                 type=click.FloatRange(0, min_open=True),
                 help="Below 1: safer lines; above 1: wilder (pitches and durations; default: "
                 "the model's calibrated setting, else 1.0)."),
    click.option("--duration-temperature", "duration_temperature", default=None,
                 type=click.FloatRange(0, min_open=True),
                 help="Temperature of the rhythm (duration tokens) alone (default: the "
                 "model's calibrated setting, else --temperature)."),
    click.option("--top-p", "top_p", default=None,
                 type=click.FloatRange(0, 1, min_open=True),
                 help="Nucleus sampling: draw from the smallest set of tokens with this much "
                 "probability (default: the model's calibrated setting, else 0.95)."),
)
"""How tokens are drawn: the command receives ``sampling``, the settings given, laid over
the model's calibrated ones when generating."""


def _band(no_band, no_comp, no_bass, no_drums, comp_instrument, swing, count_in,
          no_listen) -> dict:
    from jazzgen.generate.band_config import BandConfig

    ratio = SWING[swing] if swing else None  # None: the band's follows the tempo
    band = None if no_band else BandConfig(
        piano=not no_comp, bass=not no_bass, drums=not no_drums,
        comp_program=COMP_INSTRUMENTS[comp_instrument], swing=ratio, count_in=count_in,
        listen=not no_listen)
    return {"band": band, "swing": ratio}


band_options = group(
    _band,
    click.option("--no-band", "no_band", is_flag=True, help="Write the solo alone."),
    click.option("--no-comp", "no_comp", is_flag=True, help="No piano/guitar comping."),
    click.option("--no-bass", "no_bass", is_flag=True, help="No walking bass."),
    click.option("--no-drums", "no_drums", is_flag=True, help="No drums."),
    click.option("--comp-instrument", "comp_instrument", default="piano", show_default=True,
                 type=click.Choice(sorted(COMP_INSTRUMENTS))),
    click.option("--swing", "swing", type=click.Choice(list(SWING)), default=None,
                 help="Swing feel of band and solo eighths (default: the band's follows the "
                 "tempo, from 3:1 at 150 BPM and below to straight at 300; the solo keeps the "
                 "feel it learned)."),
    click.option("--count-in", "count_in", is_flag=True, help="Add a bar of count-in clicks."),
    click.option("--no-listen", "no_listen", is_flag=True,
                 help="The band ignores the solo (by default comping and drums leave space "
                 "under busy lines and fill its rests)."),
)
"""The band under the solo: the command receives ``band`` (None: no band) and ``swing``
(the solo's new swing ratio, or None)."""

instrument_option = click.option(
    "--instrument", type=click.Choice(sorted(SOLO_INSTRUMENTS)), default="tenor",
    show_default=True, help="General MIDI sound of the solo.")


def _outputs(wav, sheet, roll, soundfont, part_for) -> dict:
    from jazzgen.output.render import Outputs

    return {"outputs": Outputs(wav=wav, sheet=sheet, roll=roll, soundfont=soundfont,
                               part=None if part_for is None else PARTS[part_for])}


def outputs_options(wav_default: bool):
    """``--wav``, ``--sheet``, ``--part-for``, ``--roll`` and ``--soundfont``: the command
    receives ``outputs``. ``jazzgen render`` writes WAV by default (``--wav/--no-wav``)."""
    wav = click.option("--wav/--no-wav", "wav", default=True, show_default=True,
                       help="Render audio through FluidSynth to FILE.wav.") if wav_default \
        else click.option("--wav", "wav", is_flag=True,
                          help="Also render each solo to WAV (FluidSynth).")
    return group(
        _outputs, wav,
        click.option("--sheet", "sheet", is_flag=True,
                     help="Also write a MusicXML lead sheet (FILE.musicxml)."),
        click.option("--part-for", "part_for", default=None, metavar="PART",
                     type=click.Choice(list(PARTS), case_sensitive=False),
                     help="Write the lead sheet as PART reads it: C (concert), Bb, Eb, F; "
                     "soprano, alto, tenor, baritone, trumpet, clarinet, horn (transposed: "
                     "tenor a 9th up, baritone an octave and a 6th); trombone, flute, vibes, "
                     "piano (concert); guitar (an octave up). Default: the solo's instrument."),
        click.option("--roll", "roll", is_flag=True,
                     help="Also draw a piano-roll picture (FILE.png)."),
        click.option("--soundfont", "soundfont", default=None,
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help=SOUNDFONT_HELP),
    )


def _configs(epochs, sequence_length, batch_size, lstm_size, lstm_layers, embedding_size,
             dropout, relative_heads, learning_rate, validation_fraction, patience,
             no_transpose, keys, seed) -> dict:
    from jazzgen.model.config import ModelConfig, TrainConfig

    return {"train_cfg": TrainConfig(
                epochs=epochs, batch_size=batch_size, sequence_length=sequence_length,
                learning_rate=learning_rate, validation_fraction=validation_fraction,
                patience=patience, seed=seed, transpose=not no_transpose, keys=keys),
            "model_cfg": ModelConfig(embedding_size=embedding_size, lstm_size=lstm_size,
                                     lstm_layers=lstm_layers, dropout=dropout,
                                     relative_heads=relative_heads)}


training_options = group(
    _configs,
    click.option("--epochs", "epochs", default=30, show_default=True,
                 type=click.IntRange(1, MAX_EPOCHS),
                 help="Most epochs to train (early stopping may end sooner)."),
    click.option("--sequence-length", "sequence_length", default=128, show_default=True,
                 type=click.IntRange(4, MAX_SEQUENCE_LENGTH),
                 help="Training window length in tokens (two tokens per note or rest)."),
    click.option("--batch-size", "batch_size", default=32, show_default=True,
                 type=click.IntRange(1, MAX_BATCH_SIZE)),
    click.option("--lstm-size", "lstm_size", default=256, show_default=True,
                 type=click.IntRange(1, MAX_LSTM_SIZE), help="Units per LSTM layer."),
    click.option("--lstm-layers", "lstm_layers", default=2, show_default=True,
                 type=click.IntRange(1, MAX_LSTM_LAYERS)),
    click.option("--embedding-size", "embedding_size", default=64, show_default=True,
                 type=click.IntRange(1, MAX_EMBEDDING_SIZE), help="Size of the token embedding."),
    click.option("--dropout", "dropout", default=0.2, show_default=True,
                 type=click.FloatRange(0, 0.9)),
    click.option("--relative-heads", "relative_heads", is_flag=True,
                 help="Also score each next pitch by its interval from the last one, its "
                 "place over the chord root and whether it is a chord tone."),
    click.option("--learning-rate", "learning_rate", default=2e-3, show_default=True,
                 type=click.FloatRange(0, min_open=True)),
    click.option("--validation-fraction", "validation_fraction", default=0.1,
                 show_default=True, type=click.FloatRange(0, 0.5),
                 help="Share of pieces held out for validation."),
    click.option("--patience", "patience", default=4, show_default=True,
                 type=click.IntRange(1),
                 help="Stop after this many epochs without a better validation loss."),
    click.option("--no-transpose", "no_transpose", is_flag=True,
                 help="Do not augment training data to 12 keys."),
    click.option("--keys", "keys", default=12, show_default=True, type=click.IntRange(1, 12),
                 help="Keys each training piece is transposed to (12 = all; fewer, chosen at "
                 "random per piece, for large corpora)."),
    seed_option(0, "Random seed."),
)
"""The network's shape and how it is fitted: the command receives ``model_cfg`` and
``train_cfg``."""
