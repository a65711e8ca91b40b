"""The ``jazzgen trade`` and ``jazzgen ports`` commands (registered on the group in
``jazzgen.cli.app``): trading fours with a player, from a file or live through MIDI ports."""

from __future__ import annotations

from pathlib import Path

import click

from jazzgen.cli.options import (
    band_options,
    err,
    friendly_errors,
    instrument_option,
    model_option,
    sample_options,
    seed_option,
    track_option,
    trade_form_options,
)
from jazzgen.generate.band_config import SOLO_INSTRUMENTS, band_summary

DEFAULT_OUTPUT = Path("out/trade.mid")


@click.command("trade")
@friendly_errors
@click.option("--input", "player", type=click.Path(path_type=Path), default=None,
              metavar="FILE", help="The player's solo (MIDI or MusicXML): their turns are "
              "kept note for note, jazzgen answers in the turns between.")
@track_option("The player's melody track in --input (index or name); picked automatically "
              "by default.")
@click.option("--in-port", default=None, metavar="NAME",
              help="Trade live: the MIDI input the player plays into (see 'jazzgen ports').")
@click.option("--out-port", default=None, metavar="NAME",
              help="Trade live: the MIDI output for the band and jazzgen (a synth).")
@trade_form_options
@click.option("--bars-each", type=int, default=4, show_default=True,
              help="Bars in each turn: 4 trades fours, 8 eights, 2 twos.")
@model_option(None, "Model bundle (default: ./models/default, else the shipped model).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help=f"MIDI file to write (default {DEFAULT_OUTPUT}; live: the session is "
              "written only when this is given).")
@seed_option(None, "Random seed; the same seed and inputs give the same file. Default: random "
             "(printed).")
@sample_options
@click.option("--tempo", type=click.FloatRange(20, 400), default=None,
              help="BPM (default: the player's file's tempo; live: the model's corpus tempo).")
@instrument_option
@click.option("--player-instrument", type=click.Choice(sorted(SOLO_INSTRUMENTS)),
              default="trumpet", show_default=True,
              help="General MIDI sound of the player's track in the file written.")
@band_options
def trade_cmd(player, track, in_port, out_port, form, bars_each, model, output, seed,
              sampling, tempo, instrument, player_instrument, band, swing) -> None:
    """Trade fours with a player: their turns kept, jazzgen's answers between, the band
    under both. Each answer is primed on everything played before it.

    \b
    Examples:
      jazzgen trade --input my_fours.mid --changes blues --key F --choruses 2
      jazzgen trade --input solo.mid --chords "Dm7 G7 | Cmaj7 |" --bars-each 2 -o out/twos.mid
      jazzgen trade --input solo.mid --track 1 --seed 7 --no-drums --instrument alto
      jazzgen ports                                   # the MIDI port names
      jazzgen trade --in-port keystation --out-port fluid --changes rhythm --key Bb \\
                    --choruses 2 --tempo 180     # live, after a bar of count-in
    """
    from jazzgen.generate.trade import TradeRequest

    request = TradeRequest(form=form, bars_each=bars_each, seed=seed, sample=sampling,
                           tempo=tempo, band=band, swing=swing,
                           solo_program=SOLO_INSTRUMENTS[instrument],
                           player_program=SOLO_INSTRUMENTS[player_instrument], track=track)
    if in_port is None and out_port is None:
        _offline(model, player, output or DEFAULT_OUTPUT, request)
    else:
        _live(model, player, in_port, out_port, output, request)


def _offline(model, player: Path | None, output: Path, request) -> None:
    """Trade with the solo in a file and write the MIDI file."""
    from jazzgen.generate.trade import trade, write_trade

    if player is None:
        raise click.ClickException("give the player's solo (--input FILE), or play live "
                                   "(--in-port and --out-port)")
    result = trade(model, player, request)
    path = write_trade(result.score, output, request.solo_program)
    click.echo(f"Wrote {path} ({result.describe()})")
    err(f"Model: {result.model}; seed: {request.seed}; {result.sampling.describe()}; "
        f"{band_summary(request.band, result.score.tempo)}")
    for remark in result.remarks:
        err(f"Note: {remark}")


def _live(model, player: Path | None, in_port: str | None, out_port: str | None,
          output: Path | None, request) -> None:
    """Trade live through MIDI ports; write the session when asked."""
    from jazzgen.generate.trade import write_trade
    from jazzgen.live.engine import live_trade
    from jazzgen.live.ports import open_ports

    if player is not None:
        raise click.ClickException("trade with a file (--input) or live (--in-port, "
                                   "--out-port), not both")
    if in_port is None or out_port is None:
        raise click.ClickException("trading live needs both --in-port and --out-port")
    inport, outport = open_ports(in_port, out_port)
    err(f"Trading live (seed {request.seed}): you play first; Ctrl-C stops.")
    try:
        result, score = live_trade(model, request, inport, outport)
    finally:
        inport.close()
        outport.close()
    if result.stopped_at is not None:
        err("Stopped with Ctrl-C: the trade so far is kept.")
    for t in result.timings:
        err(f"Answer {t.index + 1}: sampled in {1000 * t.busy:.0f} ms, ready "
            f"{t.margin:.2f} s before its first beat"
            + (f", {t.late_notes} late notes left out" if t.late_notes else ""))
    click.echo(f"Played {len(result.player)} notes of yours and {len(result.answers)} of "
               f"jazzgen's" + (f"; {result.dropped} of yours outside your turns" if
                               result.dropped else ""))
    if output is not None:
        click.echo(f"Wrote {write_trade(score, output, request.solo_program)}")


@click.command("ports")
@friendly_errors
def ports_cmd() -> None:
    """List the MIDI input and output ports, for trade --in-port/--out-port and play --port
    (needs python-rtmidi: pip install 'jazzgen[live]').

    \b
    Example:
      jazzgen ports
    """
    from jazzgen.live.ports import port_names

    inputs, outputs = port_names()
    for label, names in (("inputs", inputs), ("outputs", outputs)):
        click.echo(f"MIDI {label}:" + ("" if names else " none"))
        for name in names:
            click.echo(f"  {name}")
