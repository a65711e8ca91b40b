"""A whole ``jazzgen generate`` run against ``python -c "import tensorflow"``.

    python -m bench.generate_startup [--runs 5] [--choruses 4]

Both are timed as fresh processes, alternately, in this run; the ratio of the medians is the
number to quote (absolute times depend on the machine). Sampling needs no TensorFlow: the
bundle's ``weights.npz`` is read with NumPy, so a generate run costs a fraction of the
TensorFlow import alone. The run also checks that TensorFlow was never imported.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENERATE = """
import sys
from jazzgen.cli import main
try:
    main([{args}], standalone_mode=False)
finally:
    sys.stderr.write("tensorflow imported: %s\\n" % ("tensorflow" in sys.modules))
"""


def timed(code: str) -> tuple[float, str]:
    """Seconds a fresh ``python -c code`` takes, and what it wrote to stderr."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return time.perf_counter() - start, proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--choruses", type=int, default=4)
    parser.add_argument("--model", default=None, help="bundle (default: the shipped model)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cli = ["generate", "--changes", "blues", "--choruses", str(args.choruses), "--seed",
               "1", "-o", str(Path(tmp) / "solo.mid")]
        if args.model:
            cli += ["--model", args.model]
        code = GENERATE.format(args=", ".join(repr(a) for a in cli))
        gen, tf = [], []
        for _ in range(args.runs):
            seconds, err = timed(code)
            gen.append(seconds)
            tf.append(timed("import tensorflow")[0])
        imported = "tensorflow imported: True" in err
    g, t = statistics.median(gen), statistics.median(tf)
    print(f"jazzgen generate ({args.choruses} choruses with band): median {g:.2f} s "
          f"over {args.runs} runs; TensorFlow imported: {imported}")
    print(f"python -c 'import tensorflow':                median {t:.2f} s")
    print(f"ratio generate / import tensorflow: {g / t:.2f}x (goal <= 0.35x)")


if __name__ == "__main__":
    main()
