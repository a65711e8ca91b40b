"""Harmony over a requested 12-bar blues in F: trained models against an untrained one.

    python -m bench.harmony_blues [--model DIR ...] [--solos 100] [--choruses 2]

For each model, generates ``--solos`` solos (seeds 0..N-1, no band) over `--changes blues
--key F` and pools the notes that start on a beat: the share that are chord tones, and
chord-or-chord-scale tones. The untrained baseline is the first model's architecture with
freshly initialised weights, measured in the same run. Real players in the 428 WJazzD
solos: 79% chord-or-scale, 53% chord tones. Without ``--model`` it measures
models/default (from `make demo`) and the shipped WJazzD model, whichever exist; with no
model at all it prints one line and exits 0.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.wjazzd import skip
from jazzgen.evaluate.musdr import harmony_scores
from jazzgen.generate.form import Form
from jazzgen.generate.solo import DEFAULT_MODEL, PACKAGED_MODEL, Request, generate


def measure(model: Path, solos: int, choruses: int, out: Path) -> tuple[float, float, int]:
    """Chord-tone share, chord-or-scale share and on-beat notes over ``solos`` solos."""
    n = tones = scale = 0
    form = Form(choruses=choruses, changes_name="blues", key="F")
    for seed in range(solos):
        res = generate(model, out / f"{model.name}-{seed}.mid", Request(form=form, seed=seed))
        h = harmony_scores(res.solos[0].score)
        n += h["on_beat_notes"]
        tones += h["chord_tones"]
        scale += h["chord_or_scale_tones"]
    return tones / n, scale / n, n


def label(model: Path) -> str:
    """The model's folder, relative to the working directory when it is below it."""
    try:
        return str(model.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(model)


def untrained_copy(model: Path, dest: Path) -> Path:
    """The same architecture and vocabulary with random weights, as a bundle."""
    import json

    from jazzgen.model.backend import import_keras
    from jazzgen.model.bundle import read_config, save_bundle
    from jazzgen.model.encoding import Vocabulary
    from jazzgen.model.network import build_model

    enc, mcfg, tcfg, meta = read_config(model)
    import_keras().utils.set_random_seed(0)
    net = build_model(len(Vocabulary(enc)), enc, mcfg)
    history = json.loads((model / "history.json").read_text())
    return save_bundle(dest, net, Vocabulary(enc), mcfg, tcfg, history, {}, meta)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", action="append", type=Path)
    ap.add_argument("--solos", type=int, default=100)
    ap.add_argument("--choruses", type=int, default=2)
    args = ap.parse_args()
    models = args.model or [m for m in (DEFAULT_MODEL, PACKAGED_MODEL) if m.is_dir()]
    missing = [m for m in models if not (m / "model.keras").is_file()]
    if not models or missing:
        skip(f"no model bundle at {missing[0] if missing else DEFAULT_MODEL} "
             f"(run `make demo` or pass --model DIR)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows = [("untrained (" + models[0].name + " architecture)",
                 *measure(untrained_copy(models[0], tmp / "untrained"), args.solos,
                          args.choruses, tmp))]
        for m in models:
            rows.append((label(m), *measure(m, args.solos, args.choruses, tmp)))
    print(f"{'model':<48} {'chord tones':>11} {'chord+scale':>11} {'notes':>6}")
    for name, ct, cs, n in rows:
        print(f"{name:<48} {ct:>11.1%} {cs:>11.1%} {n:>6}")
    base = rows[0][2]
    for name, _, cs, _ in rows[1:]:
        print(f"{name}: chord+scale share {cs / base:.2f}x the untrained model's")


if __name__ == "__main__":
    main()
