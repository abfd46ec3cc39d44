"""Every model of the zoo at its small configuration: build time, size, cost, training speed.

For each entry of ``helpers.models.CATALOG`` (the configuration the tests and the
lectures use), in one process on the CPU: the time to build the Keras model, its parameters
and its multiplications for one image (``helpers.arithmetic.model_table``), the first
training step (which traces the graph), and the median of ``--repeats`` further steps on a
random batch, in wall-clock and process-CPU milliseconds (CPU time is less disturbed by a busy
shared machine). The last column is the step's CPU time relative to LeNet-5's, measured in the
same run, so numbers from different machines compare.

Run:
    .venv/bin/python benchmarks/models.py
    .venv/bin/python benchmarks/models.py --only lenet5 vgg16 --batch-size 64 --repeats 9
    .venv/bin/python benchmarks/models.py --eager     # no graph tracing (what the tests do)
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence

import helpers  # noqa: F401  (quiets TensorFlow before it is imported)

BASELINE = "lenet5"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=32, help="images per training step")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps after the first")
    parser.add_argument("--eager", action="store_true", help="run the steps eagerly")
    parser.add_argument("--only", nargs="+", metavar="KEY", help="catalog keys to run")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and process CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(entry, args, rng) -> dict:
    import keras

    from helpers.arithmetic import model_table
    from helpers.models import build_entry
    from helpers.models.catalog import training_batch

    keras.utils.clear_session(free_memory=True)
    start = time.perf_counter()
    model = build_entry(entry)
    build_wall = time.perf_counter() - start
    table = model_table(model)
    compile_args, x, y = training_batch(entry, model, args.batch_size, rng)
    model.compile(optimizer="adam", run_eagerly=args.eager, **compile_args)

    def step():
        return model.train_on_batch(x, y)

    first_wall, _ = timed(step)
    steps = [timed(step) for _ in range(args.repeats)]
    row = {
        "key": entry.key,
        "build_s": build_wall,
        "params": table.total_params,
        "mults": table.total_mults,
        "first_s": first_wall,
        "step_ms": 1000 * statistics.median(wall for wall, _ in steps),
        "cpu_ms": 1000 * statistics.median(cpu for _, cpu in steps),
    }
    return row


def format_table(rows: list[dict], batch_size: int) -> str:
    baseline = next((row["cpu_ms"] for row in rows if row["key"] == BASELINE), None)
    header = (
        "model",
        "build s",
        "params",
        "mults/image",
        "1st step s",
        f"step ms (batch {batch_size})",
        "CPU ms",
        f"CPU x {BASELINE}",
    )
    lines = [header]
    for row in rows:
        mults = "?" if row["mults"] is None else f"{row['mults']:,}"
        ratio = "" if baseline is None else f"{row['cpu_ms'] / baseline:.1f}"
        lines.append(
            (
                row["key"],
                f"{row['build_s']:.2f}",
                f"{row['params']:,}",
                mults,
                f"{row['first_s']:.2f}",
                f"{row['step_ms']:.1f}",
                f"{row['cpu_ms']:.1f}",
                ratio,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths))
        )
        for line in lines
    ]
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import keras
    import numpy as np
    import tensorflow as tf

    from helpers.models import CATALOG
    from helpers.train import set_seed

    entries = [e for e in CATALOG if not args.only or e.key in args.only]
    unknown = set(args.only or ()) - {e.key for e in CATALOG}
    if unknown:
        raise SystemExit(
            f"Unknown catalog keys {sorted(unknown)}; known: {[e.key for e in CATALOG]}"
        )
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{'eager' if args.eager else 'graph'} steps, batch {args.batch_size}, "
        f"median of {args.repeats} steps after the first",
        flush=True,
    )
    set_seed(args.seed, deterministic_ops=False)
    rng = np.random.default_rng(args.seed)
    with tf.device("/CPU:0"):
        rows = []
        for entry in entries:
            rows.append(measure(entry, args, rng))
            gc.collect()
            print(f"  {entry.key}: {rows[-1]['step_ms']:.1f} ms per step", flush=True)
    print(format_table(rows, args.batch_size))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
