"""Scale: `jazzgen prepare` speed and peak memory on synthetic corpora of 2,000 and 20,000
files; training's peak memory on the shards, and one training worker against two over
loopback (hooks for the training side, see :func:`measure_training`).

    python -m bench.scale [--sizes 2000,20000] [--workdir out/scale] [--workers N]
    make bench-scale

Each corpus is written once by :mod:`bench.synth_corpus` into ``WORKDIR/corpus-N`` and kept
for later runs. Each prepare runs as ``python -m jazzgen prepare ... --quiet`` in a fresh
process into an empty folder, then once more on the finished folder (nothing to do).

Memory is the peak of the whole process tree, the prepare process and its workers: every
50 ms the resident set sizes (VmRSS) of the process and all its descendants are read from
/proc and summed, and the largest sum is reported. Pages shared between processes (the
Python runtime, NumPy's libraries) are counted once per process, so the figure is an upper
bound. The largest peak of any one process (its VmHWM, the kernel's high-water mark) is given
too. Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

POLL_S = 0.05
"""Seconds between two readings of the process tree's memory."""


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of one process in KiB: resident now, and its peak so far (0, 0 when it
    is gone)."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line[:5]] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return found.get("VmRSS", 0), found.get("VmHWM", 0)


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return out


def run_measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd`` (with ``env`` added to the environment); its wall seconds, exit code,
    output, the peak of its process tree's summed RSS and the largest peak RSS (VmHWM) of any
    one of its processes, in MiB."""
    began = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})})
    peak = largest = 0
    while proc.poll() is None:
        now = [_memory_kb(p) for p in _tree(proc.pid)]
        peak = max(peak, sum(rss for rss, _ in now))
        largest = max([largest] + [hwm for _, hwm in now])
        time.sleep(POLL_S)
    output = proc.stdout.read()  # a few lines: --quiet
    return {"seconds": time.monotonic() - began, "rc": proc.returncode, "output": output,
            "tree_peak_mib": peak / 1024, "largest_process_mib": largest / 1024}


def corpus(workdir: Path, files: int, seed: int = 0) -> Path:
    """The synthetic corpus of ``files`` files, written the first time it is asked for."""
    from bench.synth_corpus import write_synth_corpus

    folder = workdir / f"corpus-{files}"
    marker = folder / ".complete"
    if not marker.is_file() or marker.read_text() != f"{files} {seed}":
        began = time.monotonic()
        write_synth_corpus(folder, files, seed, workers=os.cpu_count() or 1)
        marker.write_text(f"{files} {seed}")
        print(f"wrote {files} synthetic solos in {time.monotonic() - began:.0f} s", flush=True)
    return folder


def measure_prepare(corpus_dir: Path, out: Path, workers: int | None) -> dict:
    """A fresh prepare of ``corpus_dir`` into ``out`` and a second run on the finished folder."""
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "jazzgen", "prepare", "--corpus", str(corpus_dir),
           "--out", str(out), "--quiet"] + (["--workers", str(workers)] if workers else [])
    first = run_measured(cmd)
    if first["rc"] != 0:
        raise SystemExit(f"prepare failed:\n{first['output']}")
    again = run_measured(cmd)
    manifest = json.loads((out / "manifest.json").read_text())
    shards = [out / n for s in ("train", "valid") for n in manifest[s]["shards"]]
    return {**first, "again_seconds": again["seconds"], "pieces": manifest["counts"],
            "shards": len(shards), "shard_mib": sum(p.stat().st_size for p in shards) / 2**20}


TRAIN_STEPS = 50
"""Training steps measured on each prepared folder (the default network, batch 32 x 128)."""
WORKER_STEPS = 30
"""Steps of the one-worker against two-worker comparison (a small network)."""
SMALL_NET = ["--lstm-size", "64", "--lstm-layers", "1", "--embedding-size", "32", "--keys", "2"]


def _train_cmd(shards: Path, model: Path, steps: int, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "jazzgen", "train", "--data", str(shards), "--model",
            str(model), "--epochs", "1", "--steps-per-epoch", str(steps), "--fresh", "--quiet",
            "--seed", "1", *extra]


def _nll(model: Path) -> float | None:
    return json.loads((model / "history.json").read_text())["valid_nll_per_event"]


def measure_training(shards: Path, files: int) -> dict | None:
    """Peak memory and speed of ``jazzgen train --data SHARDS`` for ``TRAIN_STEPS`` steps
    of the default network on the prepared folder of ``files`` files (with its validation
    pass, unigram baseline and quote index), measured like prepare."""
    model = shards.parent / f"model-{files}"
    r = run_measured(_train_cmd(shards, model, TRAIN_STEPS, []))
    if r["rc"] != 0:
        raise SystemExit(f"training failed:\n{r['output'][-3000:]}")
    r["steps"], r["valid_nll"] = TRAIN_STEPS, _nll(model)
    r.pop("output")
    print(f"  training {TRAIN_STEPS} steps on {files} files: {r['seconds']:.0f} s, peak "
          f"{r['tree_peak_mib']:.0f} MiB, validation NLL {r['valid_nll']:.3f}", flush=True)
    return r


def measure_two_workers(shards: Path) -> dict | None:
    """``WORKER_STEPS`` steps of a small network as one worker, then as two workers of a
    MultiWorkerMirroredStrategy over 127.0.0.1 (the same global batch, seed and steps):
    wall seconds, peak memory of each run's process tree(s), validation NLL of each bundle."""
    import socket
    from concurrent.futures import ThreadPoolExecutor

    def port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    one = run_measured(_train_cmd(shards, shards.parent / "model-one", WORKER_STEPS,
                                  [*SMALL_NET, "--strategy", "one"]))
    ports = [port(), port()]
    cmds, envs = [], []
    for i in range(2):
        cmds.append(_train_cmd(shards, shards.parent / "model-two", WORKER_STEPS,
                               [*SMALL_NET, "--strategy", "multi-worker"]))
        envs.append(json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                                "task": {"type": "worker", "index": i}}))
    began = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        two = list(pool.map(lambda k: run_measured(cmds[k], {"TF_CONFIG": envs[k]}), (0, 1)))
    seconds = time.monotonic() - began
    if one["rc"] or any(t["rc"] for t in two):
        raise SystemExit("a worker failed:\n" + "\n".join(t["output"][-2000:]
                                                          for t in (one, *two)))
    out = {"one_seconds": one["seconds"], "two_seconds": seconds,
           "one_peak_mib": one["tree_peak_mib"],
           "two_peak_mib": [t["tree_peak_mib"] for t in two],
           "one_nll": _nll(shards.parent / "model-one"),
           "two_nll": _nll(shards.parent / "model-two"), "steps": WORKER_STEPS}
    print(f"  one worker: {out['one_seconds']:.0f} s, NLL {out['one_nll']:.3f}; two workers "
          f"over loopback: {seconds:.0f} s, NLL {out['two_nll']:.3f} "
          f"({(out['two_nll'] / out['one_nll'] - 1):+.1%})", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="jazzgen prepare at scale")
    ap.add_argument("--sizes", default="2000,20000", help="corpus sizes (files), comma-separated")
    ap.add_argument("--workdir", type=Path, default=Path("out/scale"))
    ap.add_argument("--workers", type=int, default=None, help="prepare's --workers")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"jazzgen prepare, {args.workers or os.cpu_count()} workers, "
          f"{os.cpu_count()} CPUs; memory: peak summed VmRSS of the process tree", flush=True)
    rows = {}
    for n in sizes:
        folder = corpus(args.workdir, n)
        rows[n] = measure_prepare(folder, args.workdir / f"shards-{n}", args.workers)
        r = rows[n]
        print(f"  {n} files: {r['seconds']:.1f} s, {n / r['seconds']:.0f} files/s, peak "
              f"{r['tree_peak_mib']:.0f} MiB; again {r['again_seconds']:.1f} s", flush=True)
        r["training"] = measure_training(args.workdir / f"shards-{n}", n)
    r["two_workers"] = measure_two_workers(args.workdir / f"shards-{sizes[-1]}")
    print(f"\n{'files':>7} {'prepare s':>10} {'files/s':>8} {'tree peak MiB':>14} "
          f"{'largest MiB':>12} {'shards':>7} {'shard MiB':>10} {'again s':>8} "
          f"{'train s':>8} {'train peak MiB':>15}")
    for n, r in rows.items():
        t = r["training"]
        print(f"{n:>7} {r['seconds']:>10.1f} {n / r['seconds']:>8.0f} "
              f"{r['tree_peak_mib']:>14.0f} {r['largest_process_mib']:>12.0f} {r['shards']:>7} "
              f"{r['shard_mib']:>10.1f} {r['again_seconds']:>8.1f} {t['seconds']:>8.0f} "
              f"{t['tree_peak_mib']:>15.0f}")
    if args.json:
        args.json.write_text(json.dumps({n: {k: v for k, v in r.items() if k != "output"}
                                         for n, r in rows.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
