"""The ``jazzgen`` commands. Each parses its options, calls one library function and prints a
summary; jazzgen's own errors become one ``Error: ...`` line and exit code 1.

Nothing here imports TensorFlow at module level, so ``jazzgen --help`` is instant.
"""

from __future__ import annotations

import os
from pathlib import Path

# Sampling and scoring step a small LSTM in NumPy: matrices of a few hundred rows, where a
# second BLAS thread only adds waiting (measured 20x slower with the other core busy). Set
# before NumPy loads; a user's own setting wins. TensorFlow's training does not use OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from jazzgen import __version__  # noqa: E402
from jazzgen.cli.config import CONFIG_ENV, ENV_PREFIX, load_settings, use_settings  # noqa: E402
from jazzgen.cli.options import (  # noqa: E402
    band_options,
    err,
    float_list,
    form_options,
    friendly_errors,
    instrument_option,
    model_option,
    outputs_options,
    progress,
    quiet_option,
    sample_options,
    seed_option,
    soundfont_option,
    track_option,
)
from jazzgen.cli.training import stats, train  # noqa: E402
from jazzgen.generate.band_config import SOLO_INSTRUMENTS, band_summary  # noqa: E402
from jazzgen.music.humanize import TYPICAL_AMOUNT  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100,
                               "auto_envvar_prefix": ENV_PREFIX})
@click.version_option(__version__, "--version", prog_name="jazzgen")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar=CONFIG_ENV, show_envvar=True, default=None,
              help="Settings file to read instead of ./jazzgen.toml, else ./pyproject.toml's "
              "[tool.jazzgen] (see 'jazzgen config').")
@click.pass_context
@friendly_errors
def main(ctx, config) -> None:
    """jazzgen: a chord-aware LSTM jazz improviser.

    \b
    Train on a folder of MIDI/MusicXML solos, then improvise over any changes:
      jazzgen train                       # ./midi_corpus -> ./models/default
      jazzgen generate --length 64        # a 64-note solo as MIDI
      jazzgen generate --changes rhythm --key Bb --choruses 2
      jazzgen changes                     # the built-in progressions
      jazzgen config generate             # settings from ./jazzgen.toml and JAZZGEN_* variables
    """
    use_settings(ctx, load_settings(ctx.command, config))


main.add_command(train)


@main.command()
@friendly_errors
@form_options
@model_option(None, "Model bundle (default: ./models/default, else the shipped model).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("out/solo.mid"),
              show_default=True, help="MIDI file to write (numbered when --num-outputs > 1).")
@seed_option(None, "Random seed; the same seed and inputs give the same file. Default: random "
             "(printed, so a solo you like can be made again).")
@sample_options
@click.option("--tempo", type=click.FloatRange(20, 400), default=None,
              help="BPM (default: the training corpus's median tempo).")
@click.option("--num-outputs", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Write this many different solos (solo-1.mid, solo-2.mid, ...).")
@click.option("--primer", type=click.Path(path_type=Path), default=None,
              help="MIDI or MusicXML lick to start from; kept at the start of the output.")
@track_option("Melody track of the primer file.")
@instrument_option
@band_options
@outputs_options(wav_default=False)
@click.option("--max-copy", type=click.IntRange(8), default=None,
              help="Longest run of notes the solo may quote verbatim from the model's "
              "training solos (at least 8; default: no limit, the longest quote is printed).")
@click.option("--humanize", type=click.FloatRange(0, 1), default=0.0, is_flag=False,
              flag_value=TYPICAL_AMOUNT, metavar="[AMOUNT]",
              help=f"Play solo and band with small seeded timing and velocity variations, "
              f"AMOUNT 0..1 (alone: {TYPICAL_AMOUNT}; 1: timing sd 12 ms, velocity sd 7; "
              f"default 0: on the grid).")
@click.option("--over", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="MIDI_FILE",
              help="Solo over this backing track: its tempo map, meters, changes (its chord "
              "symbols, else inferred; --chords/--changes replace them) and tracks kept, one "
              "solo track added; --choruses N plays the file N times.")
@quiet_option()
def generate(form, model, output, seed, sampling, tempo, num_outputs, primer, track,
             instrument, band, swing, outputs, max_copy, humanize, over, quiet) -> None:
    """Improvise a solo over chord changes and write it as MIDI.

    \b
    Examples:
      jazzgen generate --length 64
      jazzgen generate --chords "F7 | Bb7 | F7 | Cm7 F7 |" --choruses 3 --tempo 160 --seed 7
      jazzgen generate --changes rhythm --key Bb --choruses 2 --num-outputs 4
      jazzgen generate --primer my_lick.mid --chords "Dm7 G7 | Cmaj7 |" --choruses 4
      jazzgen generate --chords "Dm7 G7 | Cmaj7 |" --choruses 4 --wav --sheet --roll
      jazzgen generate --instrument alto --sheet        # the lead sheet as alto in Eb reads it
      jazzgen generate --num-outputs 8 --wav --quiet    # no progress bar
      jazzgen generate --tempo 200 --humanize           # band swing 0.67, played loosely
      jazzgen generate --humanize 0.8 --no-listen --swing hard
      jazzgen generate --over backing.mid --choruses 3 --wav   # solo over your own track
      jazzgen generate --over backing.mid --chords "$(jazzgen chords backing.mid)"
    """
    from jazzgen.cli.progress import Bar
    from jazzgen.generate.over import generate_over
    from jazzgen.generate.solo import Request, generate

    run = generate if over is None else generate_over
    request = Request(form=form, seed=seed, sample=sampling, tempo=tempo,
                      num_outputs=num_outputs, primer=primer, track=track, band=band,
                      swing=swing, solo_program=SOLO_INSTRUMENTS[instrument], outputs=outputs,
                      max_copy=max_copy, humanize=humanize, over=over)
    result = run(model, output, request, progress=Bar("Writing solos", "solo", quiet=quiet,
                                                     min_total=2))
    _report_solos(result, f"band: {over.name}'s own tracks" if over is not None else
                  band_summary(band, result.solos[0].score.tempo))


def _report_solos(result, band: str) -> None:
    """Each file written on stdout; the model, changes, seed, sampling, band and any remarks
    on stderr."""
    from jazzgen.generate.solo import describe

    for solo in result.solos:
        quote = "" if solo.longest_quote is None else \
            f"; longest quote of the training solos: {solo.longest_quote} notes"
        click.echo(f"Wrote {solo.midi} ({describe(solo.score)}{quote})")
        for path in solo.extras:
            click.echo(f"Wrote {path}")
    err(f"Model: {result.model}; changes: {result.changes_label}; seed: {result.seed}; "
        f"{result.sampling.describe()}; {band}")
    for remark in result.remarks:
        err(f"Note: {remark}")


@main.command("render")
@friendly_errors
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@outputs_options(wav_default=True)
@quiet_option("No progress bar when rendering several files.")
def render_cmd(files, outputs, quiet) -> None:
    """Turn MIDI solos into audio, lead sheets and/or piano rolls beside them.

    \b
    Examples:
      jazzgen render out/solo.mid                   # out/solo.wav
      jazzgen render out/solo.mid --sheet --roll    # also out/solo.musicxml and out/solo.png
      jazzgen render out/solo.mid --no-wav --roll
      jazzgen render out/solo.mid --no-wav --sheet --part-for Bb   # a part for trumpet
      jazzgen render out/solo-*.mid --quiet         # several files, no progress bar
    """
    from jazzgen.cli.progress import Bar
    from jazzgen.output.render import write_outputs

    if not (outputs.wav or outputs.sheet or outputs.roll):
        raise click.UsageError("nothing to write: leave out --no-wav or add --sheet / --roll")
    report = Bar("Rendering", "file", quiet=quiet, min_total=2)
    for i, file in enumerate(files):
        report(i, len(files))
        for path in write_outputs(file, outputs):
            report.echo(f"Wrote {path}")
    report(len(files), len(files))


@main.command("play")
@friendly_errors
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@soundfont_option
@click.option("--port", default=None, metavar="NAME",
              help="Stream the MIDI file to this MIDI output port in time instead (see "
              "'jazzgen ports'; needs python-rtmidi).")
def play_cmd(file, soundfont, port) -> None:
    """Play a MIDI or WAV file; with no sound device, say so and write FILE.wav instead.
    With --port, send the MIDI file's messages to a MIDI output (a synth) in time.

    \b
    Examples:
      jazzgen play out/solo.mid
      jazzgen play out/trade.mid --port fluid
    """
    from jazzgen.output.audio import play_or_render

    if port is not None:
        from jazzgen.live.stream import play_to_port

        return click.echo(play_to_port(file, port).describe())
    message, wav = play_or_render(file, soundfont=soundfont)
    if wav is None:
        click.echo(message)
    else:
        err(message)
        click.echo(f"Wrote {wav}")


@main.command()
@friendly_errors
@model_option(None, "Model bundle to score (likelihood mode).")
@click.option("--corpus", type=click.Path(path_type=Path), default=None,
              help="Held-out test pieces for --model.")
@click.option("--train-corpus", type=click.Path(path_type=Path), default=None,
              help="The pieces the model trained on: fits the baselines (likelihood; default: "
              "the files the bundle records) or measures copying (music).")
@click.option("--valid-corpus", type=click.Path(path_type=Path), default=None,
              help="Pieces to choose the n-gram order on (default: 10%% of --train-corpus).")
@click.option("--generated", type=click.Path(path_type=Path), default=None,
              help="Folder of generated solos (music mode).")
@click.option("--reference", type=click.Path(path_type=Path), default=None,
              help="Folder of real solos to compare them with.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Also write every number as JSON here.")
@click.option("--plot", type=click.Path(path_type=Path), default=None,
              help="Music mode: write the histograms side by side as a PNG.")
@seed_option(0, "Seed of the real-vs-generated classifier's split.")
@quiet_option()
def evaluate(model, corpus, train_corpus, valid_corpus, generated, reference, json_path, plot,
             seed, quiet) -> None:
    """Score a model's held-out likelihood, or generated solos against real ones.

    \b
    Examples:
      jazzgen evaluate --model models/default --corpus test/ --train-corpus train/
      jazzgen evaluate --model models/default --corpus test/   # baselines on its own files
      jazzgen evaluate --generated out/ --reference real/ --json report.json --plot hist.png
      jazzgen evaluate --model models/default --corpus test/ --quiet   # the table alone
    """
    from jazzgen.evaluate.runner import Evaluation, run_evaluation

    if (model is None) == (generated is None):
        raise click.UsageError("give --model (with --corpus) or --generated (with --reference)")
    if (model is not None and corpus is None) or (generated is not None and reference is None):
        raise click.UsageError("--model needs --corpus; --generated needs --reference")
    report, written = run_evaluation(Evaluation(
        model, corpus, train_corpus, valid_corpus, generated, reference, json_path, plot, seed),
        progress=progress("Reading", quiet))
    click.echo(report.table())
    for path in written:
        click.echo(f"Wrote {path}")


@main.command()
@friendly_errors
@model_option("models/default", "Model bundle to calibrate (its config.json is updated).")
@click.option("--corpus", type=click.Path(path_type=Path), default=None,
              help="Held-out solos with chord symbols (default: the validation files the "
              "bundle records).")
@click.option("--seeds", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Solos per piece and setting (the gap is averaged over them).")
@click.option("--temperatures", default="0.9,1.0,1.1", show_default=True, callback=float_list,
              help="Pitch temperatures to try.")
@click.option("--duration-temperatures", default="0.85,1.0,1.15", show_default=True,
              callback=float_list, help="Duration temperatures to try.")
@click.option("--top-ps", default="0.95,1.0", show_default=True, callback=float_list,
              help="Top-p values to try (1.0: no cut).")
@click.option("--refine/--no-refine", default=True, show_default=True,
              help="Then try the 8 settings half a grid step around the best one.")
@click.option("--dry-run", is_flag=True, help="Print the table; change nothing.")
@quiet_option()
def calibrate(model, corpus, seeds, temperatures, duration_temperatures, top_ps, refine,
              dry_run, quiet) -> None:
    """Choose the sampling settings that make solos most like held-out real ones.

    \b
    Examples:
      jazzgen calibrate --model models/default --corpus held_out/ --seeds 3
      jazzgen calibrate --dry-run --quiet          # the table, no progress on stderr
      jazzgen calibrate --no-refine                # the grid alone
    """
    from jazzgen.cli.progress import Bar
    from jazzgen.evaluate.calibrate import grid, run_calibration

    result, written = run_calibration(
        model, corpus, grid(temperatures, duration_temperatures, top_ps), seeds,
        write=not dry_run, progress=Bar("Calibrating", "setting", quiet=quiet, lines=True),
        reading=progress("Reading", quiet), refine=refine)
    click.echo(result.table())
    click.echo(f"Chosen: {result.best.describe()}")
    for path in written:
        click.echo(f"Wrote {path}")


@main.command("changes")
@friendly_errors
@click.option("--key", default=None, help="Show each progression in this key.")
def changes_cmd(key) -> None:
    """List the built-in chord progressions.

    \b
    Example:
      jazzgen changes --key Eb
    """
    from jazzgen.music.progressions import progression_listing

    for line in progression_listing(key):
        click.echo(line)


@main.command("chords")
@friendly_errors
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print bars, chords with their start beats, meter, tempo and source as JSON.")
def chords_cmd(file, as_json) -> None:
    """Print the chord changes of a MIDI or MusicXML FILE as a chart for --chords (bars split
    by "|", four a line): its chord symbols, else inferred from its accompaniment (piano,
    guitar, bass); stderr says which.

    \b
    Examples:
      jazzgen chords tune.mid
      jazzgen chords lead_sheet.musicxml --json
      jazzgen generate --chords "$(jazzgen chords tune.mid)"
    """
    from jazzgen.io.changes import read_chart

    chart = read_chart(file)
    err(chart.describe())
    click.echo(chart.json() if as_json else chart.text())


@main.command("config")
@friendly_errors
@click.argument("command", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.pass_context
def config_cmd(ctx, command, as_json) -> None:
    """Show every option's value when not given as a flag, and where it comes from: the
    settings file (jazzgen.toml, else [tool.jazzgen] in pyproject.toml), an environment
    variable (JAZZGEN_<COMMAND>_<OPTION>), or the built-in default.

    \b
    Examples:
      jazzgen config                    # every command
      jazzgen config generate
      JAZZGEN_GENERATE_TEMPO=180 jazzgen config generate --json
    """
    from jazzgen.cli.config import effective_settings

    listing = effective_settings(ctx, command)
    err(f"Settings file: {listing.file or 'none'}")
    click.echo(listing.json() if as_json else "\n".join(listing.table()))


# commands kept in modules of their own (train is registered first, after the group)
from jazzgen.cli.prepare import prepare  # noqa: E402
from jazzgen.cli.trade import ports_cmd, trade_cmd  # noqa: E402

for _command in (stats, prepare, trade_cmd, ports_cmd):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
