"""The ``jazzgen`` command line. Commands stay thin: parse options, call one library function,
print a summary. Library errors become one ``Error: ...`` line and exit code 1.

Nothing here imports TensorFlow at module level, so ``jazzgen --help`` is instant.
"""

from __future__ import annotations

import functools
import os
import random
import sys
from pathlib import Path

# Sampling and scoring step a small LSTM in NumPy: matrices of a few hundred rows, where a
# second BLAS thread only adds waiting (measured 20x slower with the other core busy). Set
# before NumPy loads; a user's own setting wins. TensorFlow's training does not use OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from jazzgen import __version__  # noqa: E402

SOLO_INSTRUMENTS = {"tenor": 66, "alto": 65, "soprano": 64, "baritone": 67, "trumpet": 56,
                    "trombone": 57, "clarinet": 71, "flute": 73, "vibes": 11, "piano": 0,
                    "guitar": 26}
COMP_INSTRUMENTS = {"piano": 0, "electric-piano": 4, "guitar": 26, "organ": 16}
SWING = {"straight": 0.5, "light": 0.6, "medium": 2 / 3, "hard": 0.75}


def friendly_errors(func):
    """Turn library errors into one clean line (exit 1) instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            _err("Interrupted.")
            sys.exit(130)
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stderr.close()
            sys.exit(0)
        except (ValueError, OSError) as exc:
            if isinstance(exc, ValueError) or not exc.strerror:
                msg = str(exc)
            else:
                msg = exc.strerror + (f": {exc.filename}" if exc.filename else "")
            raise click.ClickException(msg) from None

    return wrapper


soundfont_option = click.option(
    "--soundfont", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help="General MIDI .sf2 for audio (default: $JAZZGEN_SOUNDFONT, else the system's "
    "FluidR3_GM.sf2).")


def _err(msg: str) -> None:
    click.echo(msg, err=True)


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
@click.option("--corpus", "corpus", default="midi_corpus", show_default=True,
              type=click.Path(path_type=Path), help="Folder of .mid/.midi/.xml/.musicxml/.mxl "
              "files (searched recursively).")
@click.option("--model", "model", default="models/default", show_default=True,
              type=click.Path(path_type=Path), help="Where to write the model bundle.")
@click.option("--epochs", default=30, show_default=True, type=click.IntRange(1),
              help="Most epochs to train (early stopping may end sooner).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--sequence-length", default=128, show_default=True, type=click.IntRange(4),
              help="Training window length in tokens (two tokens per note or rest).")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(1))
@click.option("--lstm-size", default=256, show_default=True, type=click.IntRange(1),
              help="Units per LSTM layer.")
@click.option("--lstm-layers", default=2, show_default=True, type=click.IntRange(1, 8))
@click.option("--embedding-size", default=64, show_default=True, type=click.IntRange(1),
              help="Size of the token embedding.")
@click.option("--dropout", default=0.2, show_default=True, type=click.FloatRange(0, 0.9))
@click.option("--learning-rate", default=2e-3, show_default=True,
              type=click.FloatRange(0, min_open=True))
@click.option("--validation-fraction", default=0.1, show_default=True,
              type=click.FloatRange(0, 0.5), help="Share of pieces held out for validation.")
@click.option("--patience", default=4, show_default=True, type=click.IntRange(1),
              help="Stop after this many epochs without a better validation loss.")
@click.option("--no-transpose", is_flag=True, help="Do not augment training data to 12 keys.")
@click.option("--keys", default=12, show_default=True, type=click.IntRange(1, 12),
              help="Keys each training piece is transposed to (12 = all; fewer, chosen at "
              "random per piece, for large corpora).")
@click.option("--track", default=None, help="Melody track (index or name) in multi-track "
              "files; picked automatically by default.")
@click.option("--fresh", is_flag=True, help="Ignore an interrupted run's checkpoint.")
@click.option("-q", "--quiet", is_flag=True, help="No per-epoch progress.")
@friendly_errors
def train(corpus, model, epochs, seed, sequence_length, batch_size, lstm_size, lstm_layers,
          embedding_size, dropout, learning_rate, validation_fraction, patience, no_transpose,
          keys, track, fresh, quiet) -> None:
    """Train the LSTM on a corpus and write a model bundle.

    \b
    Example:
      jazzgen train --corpus midi_corpus --model models/default --epochs 20 --seed 1

    An interrupted run (Ctrl-C, a crash) resumes from its last checkpoint when the same
    command is run again.
    """
    from jazzgen.config import ModelConfig, TrainConfig
    from jazzgen.train import train as run_training

    tcfg = TrainConfig(epochs=epochs, batch_size=batch_size, sequence_length=sequence_length,
                       learning_rate=learning_rate, validation_fraction=validation_fraction,
                       patience=patience, seed=seed, transpose=not no_transpose, keys=keys)
    mcfg = ModelConfig(embedding_size=embedding_size, lstm_size=lstm_size,
                       lstm_layers=lstm_layers, dropout=dropout)
    try:
        result = run_training(corpus, model, model_cfg=mcfg, train_cfg=tcfg, track=track,
                              progress=_progress("Reading corpus"), log=_err,
                              verbose=0 if quiet else 2, resume=not fresh)
    except KeyboardInterrupt:
        _err("Interrupted. Run the same command again to resume from the last checkpoint.")
        sys.exit(130)
    c = result.corpus
    _report_skipped(c)
    click.echo(f"Trained on {len(c.pieces)} pieces ({c.note_count} notes): "
               f"{result.train_events} training events, {result.valid_events} validation events.")
    click.echo(f"Epochs run: {result.epochs_run} (best {result.best_epoch})"
               + (f", resumed after epoch {result.resumed_from}" if result.resumed_from else ""))
    if result.valid_nll is not None:
        click.echo(f"Validation NLL per event: {result.valid_nll:.3f} nats "
                   f"(unigram baseline {result.unigram_nll:.3f})")
    click.echo(f"Model bundle: {result.bundle}")


def _progress(label: str):
    """A files-done/total progress line on stderr (rewritten in place on a terminal)."""
    tty = sys.stderr.isatty()
    state = {"last": -1}

    def report(done: int, total: int, _path: str) -> None:
        pct = done * 100 // total
        if tty:
            click.echo(f"\r{label}: {done}/{total} files", err=True, nl=done == total)
        elif pct // 10 != state["last"] // 10 or done == total:
            click.echo(f"{label}: {done}/{total} files", err=True)
        state["last"] = pct

    return report


def _report_skipped(corpus) -> None:
    if not corpus.skipped:
        return
    counts = ", ".join(f"{n} {r}" for r, n in sorted(corpus.skip_counts().items()))
    total = len(corpus.skipped) + len(corpus.pieces)
    _err(f"Skipped {len(corpus.skipped)} of {total} files ({counts}):")
    for s in corpus.skipped:
        _err(f"  [{s.reason}] {s.detail}")


@main.command()
@click.option("--length", type=click.IntRange(1), default=None,
              help="Number of sounding notes (default 64 unless --bars/--choruses is given).")
@click.option("--bars", type=click.IntRange(1), default=None, help="Length in bars.")
@click.option("--choruses", type=click.IntRange(1), default=None,
              help="Length in choruses of the changes.")
@click.option("--chords", default=None, help='Changes to play over, bars separated by "|", '
              'e.g. "Dm7 G7 | Cmaj7 |".')
@click.option("--changes", "changes_name", default=None,
              help="A built-in progression (see 'jazzgen changes'); default: blues.")
@click.option("--key", default=None, help="Transpose the built-in progression to this key.")
@click.option("--model", type=click.Path(path_type=Path), default=None,
              help="Model bundle (default: ./models/default, else the shipped model).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("out/solo.mid"),
              show_default=True, help="MIDI file to write (numbered when --num-outputs > 1).")
@click.option("--seed", type=int, default=None,
              help="Random seed; the same seed and inputs give the same file. Default: random "
              "(printed, so a solo you like can be made again).")
@click.option("--temperature", default=1.0, show_default=True,
              type=click.FloatRange(0, min_open=True),
              help="Below 1: safer lines; above 1: wilder.")
@click.option("--top-p", default=0.95, show_default=True,
              type=click.FloatRange(0, 1, min_open=True),
              help="Nucleus sampling: draw from the smallest set of tokens with this much "
              "probability.")
@click.option("--tempo", type=click.FloatRange(20, 400), default=None,
              help="BPM (default: the training corpus's median tempo).")
@click.option("--num-outputs", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Write this many different solos (solo-1.mid, solo-2.mid, ...).")
@click.option("--primer", type=click.Path(path_type=Path), default=None,
              help="MIDI or MusicXML lick to start from; kept at the start of the output.")
@click.option("--track", default=None, help="Melody track of the primer file.")
@click.option("--instrument", type=click.Choice(sorted(SOLO_INSTRUMENTS)), default="tenor",
              show_default=True, help="General MIDI sound of the solo.")
@click.option("--no-band", is_flag=True, help="Write the solo alone.")
@click.option("--no-comp", is_flag=True, help="No piano/guitar comping.")
@click.option("--no-bass", is_flag=True, help="No walking bass.")
@click.option("--no-drums", is_flag=True, help="No drums.")
@click.option("--comp-instrument", type=click.Choice(sorted(COMP_INSTRUMENTS)), default="piano",
              show_default=True)
@click.option("--swing", type=click.Choice(list(SWING)), default=None,
              help="Swing feel of band and solo eighths (default: medium for the band; the "
              "solo keeps the feel it learned).")
@click.option("--meter", default="4/4", show_default=True,
              help="Time signature of the changes, e.g. 3/4 for a jazz waltz.")
@click.option("--count-in", is_flag=True, help="Add a bar of count-in clicks.")
@click.option("--wav", is_flag=True, help="Also render each solo to WAV (FluidSynth).")
@click.option("--sheet", is_flag=True, help="Also write a MusicXML lead sheet of each solo.")
@click.option("--roll", is_flag=True, help="Also draw a piano-roll PNG of each solo.")
@soundfont_option
@friendly_errors
def generate(length, bars, choruses, chords, changes_name, key, model, output, seed, temperature,
             top_p, tempo, num_outputs, primer, track, instrument, no_band, no_comp, no_bass,
             no_drums, comp_instrument, swing, meter, count_in, wav, sheet, roll,
             soundfont) -> None:
    """Improvise a solo over chord changes and write it as MIDI.

    \b
    Examples:
      jazzgen generate --length 64
      jazzgen generate --chords "F7 | Bb7 | F7 | Cm7 F7 |" --choruses 3 --tempo 160 --seed 7
      jazzgen generate --changes rhythm --key Bb --choruses 2 --num-outputs 4
      jazzgen generate --primer my_lick.mid --chords "Dm7 G7 | Cmaj7 |" --choruses 4
      jazzgen generate --chords "Dm7 G7 | Cmaj7 |" --choruses 4 --wav --sheet --roll
    """
    from jazzgen.band import BandConfig
    from jazzgen.generate import Request, describe
    from jazzgen.generate import generate as run
    from jazzgen.sampling import SampleConfig

    if wav:  # fail before sampling when the synthesizer is missing
        from jazzgen.render import check_synth

        check_synth(soundfont)
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    band = None
    if not no_band:
        band = BandConfig(piano=not no_comp, bass=not no_bass, drums=not no_drums,
                          comp_program=COMP_INSTRUMENTS[comp_instrument],
                          swing=SWING[swing or "medium"], count_in=count_in)
    req = Request(length=length, bars=bars, choruses=choruses, chords=chords,
                  changes_name=changes_name, key=key, seed=seed,
                  sample=SampleConfig(temperature=temperature, top_p=top_p), tempo=tempo,
                  num_outputs=num_outputs, primer=str(primer) if primer else None, band=band,
                  swing=SWING[swing] if swing else None,
                  solo_program=SOLO_INSTRUMENTS[instrument], track=track,
                  meter=_meter(meter))
    result = run(model, output, req)
    for path, score in zip(result.paths, result.scores, strict=True):
        click.echo(f"Wrote {path} ({describe(score)})")
        if wav:
            from jazzgen.render import render_wav

            click.echo(f"Wrote {render_wav(path, path.with_suffix('.wav'), soundfont=soundfont)}")
        if sheet:
            from jazzgen.sheet import write_lead_sheet

            click.echo(f"Wrote {write_lead_sheet(score, path.with_suffix('.musicxml'))}")
        if roll:
            from jazzgen.roll import write_piano_roll

            click.echo(f"Wrote {write_piano_roll(score, path.with_suffix('.png'))}")
    _err(f"Model: {result.model}; changes: {result.changes_label}; seed: {result.seed}")


def _meter(text: str) -> tuple[int, int]:
    """'3/4' -> (3, 4), or a usage error."""
    try:
        num, den = (int(x) for x in text.split("/"))
    except ValueError:
        raise click.BadParameter(f"expected a time signature like 3/4, got {text!r}",
                                 param_hint="--meter") from None
    return num, den


@main.command("render")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wav/--no-wav", default=True, show_default=True,
              help="Render audio through FluidSynth to FILE.wav.")
@click.option("--sheet", is_flag=True, help="Write a MusicXML lead sheet to FILE.musicxml.")
@click.option("--roll", is_flag=True, help="Write a piano-roll picture to FILE.png.")
@soundfont_option
@friendly_errors
def render_cmd(file, wav, sheet, roll, soundfont) -> None:
    """Turn a MIDI solo into audio, a lead sheet and/or a piano roll beside it.

    \b
    Examples:
      jazzgen render out/solo.mid                   # out/solo.wav
      jazzgen render out/solo.mid --sheet --roll    # also out/solo.musicxml and out/solo.png
      jazzgen render out/solo.mid --no-wav --roll
    """
    from jazzgen.render import render_all

    if not (wav or sheet or roll):
        raise click.UsageError("nothing to write: leave out --no-wav or add --sheet / --roll")
    for path in render_all(file, wav=wav, sheet=sheet, roll=roll, soundfont=soundfont):
        click.echo(f"Wrote {path}")


@main.command("play")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@soundfont_option
@friendly_errors
def play_cmd(file, soundfont) -> None:
    """Play a MIDI or WAV file; with no sound device, say so and write FILE.wav instead.

    \b
    Example:
      jazzgen play out/solo.mid
    """
    from jazzgen import render

    try:
        click.echo(render.play(file, soundfont=soundfont))
    except render.NoAudioError as exc:
        if file.suffix.lower() == ".wav":
            raise
        wav = render.render_wav(file, file.with_suffix(".wav"), soundfont=soundfont)
        _err(f"Cannot play here: {exc}")
        click.echo(f"Wrote {wav}")


@main.command()
@click.option("--model", type=click.Path(path_type=Path), default=None,
              help="Model bundle to score (likelihood mode).")
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
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed of the real-vs-generated classifier's split.")
@friendly_errors
def evaluate(model, corpus, train_corpus, valid_corpus, generated, reference, json_path, plot,
             seed) -> None:
    """Score a model's held-out likelihood, or generated solos against real ones.

    \b
    Examples:
      jazzgen evaluate --model models/default --corpus test/ --train-corpus train/
      jazzgen evaluate --model models/default --corpus test/   # baselines on its own files
      jazzgen evaluate --generated out/ --reference real/ --json report.json --plot hist.png
    """
    import json
    import tempfile

    from jazzgen import atomic
    from jazzgen.evaluate import bundle_split, evaluate_likelihood
    from jazzgen.music_report import evaluate_generated

    if (model is None) == (generated is None):
        raise click.UsageError("give --model (with --corpus) or --generated (with "
                               "--reference)")
    if model is not None:
        if corpus is None:
            raise click.UsageError("--model needs --corpus (the held-out test pieces)")
        with tempfile.TemporaryDirectory() as tmp:
            if train_corpus is None:  # the files the bundle says it trained on
                train_corpus, bundle_valid = bundle_split(model, tmp)
                if valid_corpus is None and any(bundle_valid.iterdir()):
                    valid_corpus = bundle_valid
            report = evaluate_likelihood(model, corpus, train_corpus, valid_corpus,
                                         progress=_progress("Reading"))
    else:
        if reference is None:
            raise click.UsageError("--generated needs --reference")
        report = evaluate_generated(generated, reference, train_corpus, seed=seed,
                                    progress=_progress("Reading"))
        if plot is not None:
            click.echo(f"Wrote {report.plot(plot)}")
    click.echo(report.table())
    if json_path is not None:
        atomic.write_text(json_path, json.dumps(report.to_dict(), indent=1, default=str) + "\n")
        click.echo(f"Wrote {json_path}")


@main.command("changes")
@click.option("--key", default=None, help="Show each progression in this key.")
@friendly_errors
def changes_cmd(key) -> None:
    """List the built-in chord progressions.

    \b
    Example:
      jazzgen changes --key Eb
    """
    from jazzgen.progressions import PROGRESSIONS, progression_changes

    for name, prog in PROGRESSIONS.items():
        text = progression_changes(name, key)
        click.echo(f"{name:<22} {prog.description} (in {key or prog.key})")
        for line in text.strip().splitlines():
            click.echo(f"    {line.strip()}")


@main.command()
@click.option("--corpus", default="midi_corpus", show_default=True,
              type=click.Path(path_type=Path))
@click.option("--track", default=None, help="Melody track (index or name).")
@friendly_errors
def stats(corpus, track) -> None:
    """Read a corpus and print what training would see: pieces, notes, chords, skipped files.

    \b
    Example:
      jazzgen stats --corpus ../shared/corpora/odd-midi
    """
    from jazzgen.corpus_stats import corpus_stats

    s = corpus_stats(corpus, track=track, progress=_progress("Reading corpus"))
    for line in s.lines():
        click.echo(line)
    _report_skipped(s.corpus)


if __name__ == "__main__":  # pragma: no cover
    main()
