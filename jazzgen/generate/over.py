"""A solo over a backing track (``jazzgen generate --over FILE``).

The file's tempo map, meters and tracks stay as they are (:mod:`jazzgen.io.backing`); the
solo is sampled over its changes — its chord symbols, else the changes inferred from its
parts (:mod:`jazzgen.music.inference`), or the changes given instead — and added as one
more track. The file is one chorus: ``choruses`` plays it that many times in a row. The solo
starts in the bar of the first chord and ends with the bar of the last one (or after
``bars`` bars, or ``length`` notes).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from jazzgen.errors import GenerateError, ReadError
from jazzgen.generate.form import form_changes, repeat_form
from jazzgen.generate.sampling import sample
from jazzgen.generate.solo import (
    Request,
    Result,
    Solo,
    calibrated_sampling,
    check_meter,
    feel_rng,
    load_primer,
    numbered,
    quote_guard,
    resolve_model,
)
from jazzgen.io import atomic
from jazzgen.io.backing import MAX_REPEAT, Backing, backing_with_solo, read_backing
from jazzgen.io.changes import score_chart
from jazzgen.model.novelty import load_quotes
from jazzgen.music.chart import SYMBOLS
from jazzgen.music.chords import ChordChange
from jazzgen.music.humanize import Nudge, humanize
from jazzgen.music.notes import Score, TimeSignature, bar_meters, cut_changes, signature_at
from jazzgen.music.swing import swing_ticks
from jazzgen.output.parts import part_for_program
from jazzgen.output.render import write_outputs

LOOP_SLACK = 2
"""Ticks (1/12 beat) a file's last note may ring past a bar line without adding a bar to the
loop (a release a little late, not a new bar)."""


def generate_over(model: str | os.PathLike | None, output: str | os.PathLike,
                  request: Request,
                  progress: Callable[[int, int], None] | None = None) -> Result:
    """Sample ``request.num_outputs`` solos over the backing MIDI file ``request.over`` and
    write each as that file plus a solo track at ``output`` (numbered when there are
    several), with the other outputs asked for; returns what was written."""
    from jazzgen.model.bundle import load_bundle

    over = request.over
    if over is None:
        raise GenerateError("no backing file to play over")

    request.outputs.check()
    try:
        backing = read_backing(over)
    except ReadError as exc:
        raise GenerateError(f"backing track {exc}") from None
    channel = backing.free_channel()
    if channel is None:
        raise GenerateError(f"{backing.path.name} uses every MIDI channel; the solo needs one")
    repeat = request.form.choruses or 1
    if repeat > MAX_REPEAT:
        raise GenerateError(f"the backing track can be played at most {MAX_REPEAT} times, "
                            f"{repeat} choruses were asked for")
    loop = loop_ticks(backing.score)
    one, label, spelled = _changes(backing, request, loop)
    sigs = tuple(replace(s, start=s.start + k * loop) for k in range(repeat)
                 for s in backing.score.time_signatures if s.start < loop)
    changes = tuple(ChordChange(c.start + k * loop, c.duration, c.chord)
                    for k in range(repeat) for c in one)
    start, end = _span(changes, sigs, repeat * loop, request.form.bars)
    path = resolve_model(model)
    bundle = load_bundle(path)
    for sig in sigs:
        check_meter(bundle, sig, f"in {backing.path.name}")
    here_sigs, here = _from(sigs, changes, start)
    primer = None
    if request.primer:
        primer, bars = load_primer(request.primer, request.track, here_sigs[0].bar_ticks)
        primer = replace(primer, changes=cut_changes(here, bars * here_sigs[0].bar_ticks),
                         time_signatures=here_sigs)
    seeds = np.random.SeedSequence(request.seed).spawn(2 * request.num_outputs)
    sampling = request.sample.over(calibrated_sampling(bundle))
    quotes = load_quotes(path)
    lines = sample(bundle.net, bundle.vocab, here, here_sigs, seeds[::2], sampling,
                   notes=request.form.length, end=end - start, primer=primer,
                   guard=quote_guard(quotes, request.max_copy, path))
    outputs = request.outputs if request.outputs.part is not None else \
        replace(request.outputs, part=part_for_program(request.solo_program))
    parts = tuple(replace(p, notes=tuple(replace(n, start=n.start + k * loop)
                                         for k in range(repeat) for n in p.notes))
                  for p in backing.score.parts)
    markers = () if spelled else tuple((c.start, c.chord.symbol) for c in changes)
    report = progress or (lambda _done, _total: None)
    report(0, len(lines))
    solos = []
    for i, line in enumerate(lines):
        notes = tuple(replace(n, start=n.start + start) for n in line)
        if request.swing is not None:
            notes = swing_ticks(notes, request.swing)
        score = Score(notes, cut_changes(changes, end), sigs, backing.score.tempo,
                      f"jazzgen solo over {backing.path.stem}", parts)
        played = humanize(Score(notes, time_signatures=sigs, tempo=score.tempo),
                          request.humanize, feel_rng(np.random.default_rng(seeds[2 * i + 1])))
        nudges = played.lines[0] if played is not None else \
            tuple(Nudge(0, 0, n.velocity) for n in notes)
        data = backing_with_solo(backing, notes, nudges, channel=channel,
                                 program=request.solo_program, repeat=repeat, loop=loop,
                                 markers=markers)
        target = atomic.write_bytes(numbered(Path(output), i, request.num_outputs), data)
        quoted = None if quotes is None else quotes.longest([n.pitch for n in line])
        solos.append(Solo(score, target, tuple(write_outputs(target, outputs, score)), quoted))
        report(i + 1, len(lines))
    remarks = (f"the solo plays on channel {channel + 1}, over {repeat} pass"
               f"{'es' if repeat > 1 else ''} of {backing.path.name}",)
    if request.tempo is not None:
        remarks += (f"tempo {request.tempo:g} not used: the file's tempo map is kept",)
    return Result(path, label, request.seed, tuple(solos), sampling, remarks)


def loop_ticks(score: Score) -> int:
    """The backing track's length as a loop: to the end of the bar its last note ends in
    (a note ringing at most ``LOOP_SLACK`` ticks into a bar does not count)."""
    end = max(n.end for p in score.parts for n in p.notes)
    bars = bar_meters(score, end)
    last, sig = bars[-1]
    if end - last <= LOOP_SLACK and last > 0:
        return last
    return last + sig.bar_ticks


def _changes(backing: Backing, request: Request,
             loop: int) -> tuple[tuple[ChordChange, ...], str, bool]:
    """One pass of the changes (cut to the loop), a label saying where they came from, and
    whether the file spells them itself (then no markers are added)."""
    form, score = request.form, backing.score
    name = backing.path.name
    if form.chords or form.changes_name:
        bar = score.time_signatures[0].bar_ticks
        chorus, bars, label = form_changes(form, bar)
        return (cut_changes(repeat_form(chorus, bars, bar, -(-loop // bar)), loop),
                f"{label} over {name}", False)
    try:
        chart = score_chart(score, name)
    except ReadError:
        raise GenerateError(f"{name} has no chord symbols and no accompaniment to infer the "
                            f"changes from; give them with --chords") from None
    if chart.source == SYMBOLS:
        return cut_changes(chart.changes, loop), f"{name}'s chord symbols", True
    return (cut_changes(chart.changes, loop),
            f"{name}'s changes as inferred from {', '.join(chart.parts).lower()}", False)


def _span(changes: tuple[ChordChange, ...], sigs: tuple[TimeSignature, ...], total: int,
          bars: int | None) -> tuple[int, int]:
    """The solo's first and end ticks: from the bar of the first chord to the end of the bar
    of the last one (at most ``bars`` bars)."""
    starts = [t for t, _ in bar_meters(Score((), time_signatures=sigs), total)] + [total]
    first = max(i for i, t in enumerate(starts) if t <= changes[0].start)
    last = min(i for i, t in enumerate(starts) if t >= changes[-1].end)
    if bars is not None:
        last = min(last, first + bars)
    return starts[first], starts[last]


def _from(sigs: tuple[TimeSignature, ...], changes: tuple[ChordChange, ...],
          start: int) -> tuple[tuple[TimeSignature, ...], tuple[ChordChange, ...]]:
    """The meters and changes as seen from tick ``start`` (a bar line), moved to tick 0."""
    sig, _ = signature_at(sigs, start)
    here_sigs = (replace(sig, start=0),) + tuple(replace(s, start=s.start - start)
                                                 for s in sigs if s.start > start)
    here = tuple(ChordChange(max(c.start, start) - start, c.end - max(c.start, start), c.chord)
                 for c in changes if c.end > start)
    return here_sigs, here

