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
from jazzgen.cli.options import (  # noqa: E402
    band_options,
    corpus_option,
    err,
    float_list,
    form_options,
    friendly_errors,
    instrument_option,
    model_option,
    outputs_options,
    progress,
    report_skipped,
    sample_options,
    seed_option,
    soundfont_option,
    track_option,
    training_options,
)
from jazzgen.generate.band_config import SOLO_INSTRUMENTS  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="jazzgen")
def main() -> None:
    """jazzgen: a chord-aware LSTM jazz improviser.

    \b
    Train on a folder of MIDI/MusicXML solos, then improvise over any changes:
      jazzgen train                       # ./midi_corpus -> ./models/default
      jazzgen generate --length 64        # a 64-note solo as MIDI
      jazzgen generate --changes rhythm --key Bb --choruses 2
      jazzgen changes                     # the built-in progressions
    """


@main.command()
@friendly_errors(interrupted="Interrupted. Run the same command again to resume from the last "
                 "checkpoint.")
@corpus_option()
@model_option("models/default", "Where to write the model bundle.")
@training_options
@track_option()
@click.option("--fresh", is_flag=True, help="Ignore an interrupted run's checkpoint.")
@click.option("--checkpoint-every", type=click.IntRange(0), default=100, show_default=True,
              metavar="STEPS", help="Checkpoint every STEPS training steps as well as after "
              "every epoch (0: after epochs only).")
@click.option("-q", "--quiet", is_flag=True, help="No per-epoch progress.")
def train(corpus, model, model_cfg, train_cfg, track, fresh, checkpoint_every, quiet) -> None:
    """Train the LSTM on a corpus and write a model bundle.

    \b
    Example:
      jazzgen train --corpus midi_corpus --model models/default --epochs 20 --seed 1

    An interrupted run (Ctrl-C, a crash, kill -9) resumes from its last checkpoint, at most
    --checkpoint-every steps back, when the same command is run again.
    """
    from jazzgen.model.train import train as run_training

    result = run_training(corpus, model, model_cfg=model_cfg, train_cfg=train_cfg, track=track,
                          progress=progress("Reading corpus"), log=err,
                          verbose=0 if quiet else 2, resume=not fresh,
                          checkpoint_every=checkpoint_every)
    report_skipped(result.corpus)
    for line in result.summary():
        click.echo(line)


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
def generate(form, model, output, seed, sampling, tempo, num_outputs, primer, track,
             instrument, band, swing, outputs, max_copy) -> None:
    """Improvise a solo over chord changes and write it as MIDI.

    \b
    Examples:
      jazzgen generate --length 64
      jazzgen generate --chords "F7 | Bb7 | F7 | Cm7 F7 |" --choruses 3 --tempo 160 --seed 7
      jazzgen generate --changes rhythm --key Bb --choruses 2 --num-outputs 4
      jazzgen generate --primer my_lick.mid --chords "Dm7 G7 | Cmaj7 |" --choruses 4
      jazzgen generate --chords "Dm7 G7 | Cmaj7 |" --choruses 4 --wav --sheet --roll
    """
    from jazzgen.generate.solo import Request, describe
    from jazzgen.generate.solo import generate as run

    request = Request(form=form, seed=seed, sample=sampling, tempo=tempo,
                      num_outputs=num_outputs, primer=primer, track=track, band=band,
                      swing=swing, solo_program=SOLO_INSTRUMENTS[instrument], outputs=outputs,
                      max_copy=max_copy)
    result = run(model, output, request)
    for solo in result.solos:
        quote = "" if solo.longest_quote is None else \
            f"; longest quote of the training solos: {solo.longest_quote} notes"
        click.echo(f"Wrote {solo.midi} ({describe(solo.score)}{quote})")
        for path in solo.extras:
            click.echo(f"Wrote {path}")
    err(f"Model: {result.model}; changes: {result.changes_label}; seed: {result.seed}; "
        f"{result.sampling.describe()}")


@main.command("render")
@friendly_errors
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@outputs_options(wav_default=True)
def render_cmd(file, outputs) -> None:
    """Turn a MIDI solo into audio, a lead sheet and/or a piano roll beside it.

    \b
    Examples:
      jazzgen render out/solo.mid                   # out/solo.wav
      jazzgen render out/solo.mid --sheet --roll    # also out/solo.musicxml and out/solo.png
      jazzgen render out/solo.mid --no-wav --roll
    """
    from jazzgen.output.render import write_outputs

    if not (outputs.wav or outputs.sheet or outputs.roll):
        raise click.UsageError("nothing to write: leave out --no-wav or add --sheet / --roll")
    for path in write_outputs(file, outputs):
        click.echo(f"Wrote {path}")


@main.command("play")
@friendly_errors
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@soundfont_option
def play_cmd(file, soundfont) -> None:
    """Play a MIDI or WAV file; with no sound device, say so and write FILE.wav instead.

    \b
    Example:
      jazzgen play out/solo.mid
    """
    from jazzgen.output.audio import play_or_render

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
def evaluate(model, corpus, train_corpus, valid_corpus, generated, reference, json_path, plot,
             seed) -> None:
    """Score a model's held-out likelihood, or generated solos against real ones.

    \b
    Examples:
      jazzgen evaluate --model models/default --corpus test/ --train-corpus train/
      jazzgen evaluate --model models/default --corpus test/   # baselines on its own files
      jazzgen evaluate --generated out/ --reference real/ --json report.json --plot hist.png
    """
    from jazzgen.evaluate.runner import Evaluation, run_evaluation

    if (model is None) == (generated is None):
        raise click.UsageError("give --model (with --corpus) or --generated (with --reference)")
    if (model is not None and corpus is None) or (generated is not None and reference is None):
        raise click.UsageError("--model needs --corpus; --generated needs --reference")
    report, written = run_evaluation(Evaluation(
        model, corpus, train_corpus, valid_corpus, generated, reference, json_path, plot, seed),
        progress=progress("Reading"))
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
@click.option("--temperatures", default="0.8,0.9,1.0", show_default=True, callback=float_list,
              help="Pitch temperatures to try.")
@click.option("--duration-temperatures", default="0.7,0.85,1.0", show_default=True,
              callback=float_list, help="Duration temperatures to try.")
@click.option("--top-ps", default="0.9,0.95", show_default=True, callback=float_list,
              help="Top-p values to try.")
@click.option("--dry-run", is_flag=True, help="Print the table; change nothing.")
def calibrate(model, corpus, seeds, temperatures, duration_temperatures, top_ps,
              dry_run) -> None:
    """Choose the sampling settings that make solos most like held-out real ones.

    \b
    Example:
      jazzgen calibrate --model models/default --corpus held_out/ --seeds 3
    """
    from jazzgen.evaluate.calibrate import grid, run_calibration

    result, written = run_calibration(
        model, corpus, grid(temperatures, duration_temperatures, top_ps), seeds,
        write=not dry_run, progress=lambda d, n: err(f"setting {d}/{n}"))
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


@main.command()
@friendly_errors
@corpus_option()
@track_option("Melody track (index or name).")
def stats(corpus, track) -> None:
    """Read a corpus and print what training would see: pieces, notes, chords, skipped files.

    \b
    Example:
      jazzgen stats --corpus midi_corpus
    """
    from jazzgen.corpus.stats import corpus_stats

    s = corpus_stats(corpus, track=track, progress=progress("Reading corpus"))
    for line in s.lines():
        click.echo(line)
    report_skipped(s.corpus)


if __name__ == "__main__":  # pragma: no cover
    main()
