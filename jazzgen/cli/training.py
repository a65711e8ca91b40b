"""The ``jazzgen train`` and ``jazzgen stats`` commands (registered on the group in
``jazzgen.cli.app``): a corpus read, or prepared shards streamed, into a model bundle."""

from __future__ import annotations

from pathlib import Path

import click

from jazzgen.cli.options import (
    corpus_option,
    err,
    friendly_errors,
    model_option,
    progress,
    quiet_option,
    report_skipped,
    track_option,
    training_options,
)


@click.command("train")
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
@click.option("--logdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write TensorBoard summaries (losses, learning rate) into this folder.")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="SHARDS", help="Stream a folder written by 'jazzgen prepare' instead of "
              "reading --corpus into memory (memory independent of the corpus size).")
@click.option("--steps-per-epoch", type=click.IntRange(1), default=None, metavar="N",
              help="An epoch is N training steps (the data goes on where the last epoch "
              "stopped) instead of one pass over the training windows.")
@click.option("--strategy", type=click.Choice(["auto", "one", "mirrored", "multi-worker"]),
              default="auto", show_default=True,
              help="Where to train: one device; MirroredStrategy over the local GPUs; "
              "MultiWorkerMirroredStrategy over the workers in TF_CONFIG (auto: multi-worker "
              "when TF_CONFIG names several workers, mirrored with several GPUs, else one).")
@click.option("--init-from", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="BUNDLE", help="Start from this model bundle's weights and fine-tune it "
              "(its network sizes are used), e.g. the shipped WJazzD model on your own solos.")
@click.option("--shuffle-buffer", type=click.IntRange(1, 1_000_000), default=2048,
              show_default=True, metavar="WINDOWS",
              help="With --data: windows mixed before batching.")
@quiet_option("No progress bars, reading lines or per-epoch lines.")
@click.pass_context
def train(ctx, corpus, model, model_cfg, train_cfg, track, fresh, checkpoint_every, logdir,
          data, steps_per_epoch, strategy, init_from, shuffle_buffer, quiet) -> None:
    """Train the LSTM on a corpus and write a model bundle.

    \b
    Examples:
      jazzgen train --corpus midi_corpus --model models/default --epochs 20 --seed 1
      jazzgen train --logdir runs/default      # then: tensorboard --logdir runs
      jazzgen train --corpus my_solos --init-from jazzgen/data/wjazzd-lstm --epochs 5
      jazzgen prepare --corpus ~/lakh --out shards/lakh && \\
        jazzgen train --data shards/lakh --steps-per-epoch 2000 --keys 4
      TF_CONFIG='{"cluster": {"worker": ["a:2222", "b:2222"]}, "task": {"type": "worker",
        "index": 0}}' jazzgen train --data shards/lakh --strategy multi-worker

    An interrupted run (Ctrl-C, a crash, kill -9) resumes from its last checkpoint, at most
    --checkpoint-every steps back, when the same command is run again. The bundle gets the
    run's logs, log_epochs.csv and log_steps.csv. With several workers every one runs the
    same command; worker 0 (the chief) writes the bundle.
    """
    from click.core import ParameterSource

    from jazzgen.cli.progress import epoch_bars
    from jazzgen.model.train import train as run_training

    if data is not None:
        if ctx.get_parameter_source("corpus") is ParameterSource.COMMANDLINE:
            raise click.UsageError("give --corpus or --data, not both")
        corpus = None
    result = run_training(corpus, model, model_cfg=model_cfg, train_cfg=train_cfg, track=track,
                          progress=progress("Reading corpus", quiet), log=err,
                          verbose=0 if quiet else 2, resume=not fresh,
                          checkpoint_every=checkpoint_every, logdir=logdir,
                          step_progress=epoch_bars(train_cfg.epochs, quiet), data_dir=data,
                          steps_per_epoch=steps_per_epoch, strategy=strategy,
                          shuffle_buffer=shuffle_buffer, init_from=init_from)
    if result.corpus is not None:
        report_skipped(result.corpus)
    for line in result.summary():
        click.echo(line)


@click.command("stats")
@friendly_errors
@corpus_option()
@track_option("Melody track (index or name).")
@quiet_option()
def stats(corpus, track, quiet) -> None:
    """Read a corpus and print what training would see: pieces, notes, chords, skipped files.

    \b
    Examples:
      jazzgen stats --corpus midi_corpus
      jazzgen stats --corpus midi_corpus --quiet   # no progress on stderr
    """
    from jazzgen.corpus.stats import corpus_stats

    s = corpus_stats(corpus, track=track, progress=progress("Reading corpus", quiet))
    for line in s.lines():
        click.echo(line)
    report_skipped(s.corpus)
