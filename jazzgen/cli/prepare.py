"""The ``jazzgen prepare`` command (registered on the group in ``jazzgen.cli.app``): a corpus
folder encoded into TFRecord shards and a manifest, for ``jazzgen train --data``."""

from __future__ import annotations

from pathlib import Path

import click

from jazzgen.cli.options import (
    corpus_option,
    err,
    friendly_errors,
    progress,
    quiet_option,
    seed_option,
    track_option,
)

SKIPS_LISTED = 20
"""Skipped files named on stderr (the manifest lists every one)."""


@click.command("prepare")
@friendly_errors(interrupted="Interrupted. Run the same command again to go on where it "
                 "stopped.")
@corpus_option()
@click.option("--out", required=True, type=click.Path(path_type=Path), metavar="SHARDS",
              help="Folder to write the shards and manifest.json into (new, empty, or "
              "prepared before).")
@click.option("--workers", type=click.IntRange(1), default=None, metavar="N",
              help="Processes reading files (default: one per CPU core).")
@click.option("--shard-size", type=click.IntRange(1), default=500, show_default=True,
              metavar="FILES", help="Files per chunk: each chunk writes one training and one "
              "validation shard.")
@click.option("--validation-fraction", default=0.1, show_default=True,
              type=click.FloatRange(0, 0.5), help="Share of pieces held out for validation.")
@seed_option(0, "Seed of the train/validation split.")
@track_option()
@quiet_option()
def prepare(corpus, out, workers, shard_size, validation_fraction, seed, track, quiet) -> None:
    """Encode a corpus folder into TFRecord shards and a manifest for 'jazzgen train --data'.

    \b
    Examples:
      jazzgen prepare --corpus ~/lakh --out shards/lakh
      jazzgen prepare --corpus midi_corpus --out shards/mine --workers 2 --shard-size 200
      jazzgen train --data shards/lakh --steps-per-epoch 2000

    Files are read in parallel in bounded memory. An interrupted run goes on where it
    stopped when the same command is run again; a finished one does nothing.
    """
    from jazzgen.model.prepare import prepare as run_prepare

    result = run_prepare(corpus, out, workers=workers, shard_pieces=shard_size,
                         validation_fraction=validation_fraction, seed=seed, track=track,
                         progress=progress("Preparing", quiet), log=err)
    for line in result.skipped_lines(limit=SKIPS_LISTED):
        err(line)
    for line in result.lines():
        click.echo(line)
