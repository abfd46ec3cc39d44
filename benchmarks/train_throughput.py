"""Training throughput: ``helpers.train.fit`` versus plain ``model.fit(x, y)`` on arrays.

Both arms train the same LeNet-5 (``helpers.models.build_lenet5``, two identical copies built
from the same seed), compiled with plain ``model.compile("adam", ...)``, on the same NumPy
arrays, with the same batch size and epochs, in one process. After a warm-up call of each
(tracing), the arms alternate for ``--rounds`` rounds (ABBA order, so neither always runs
first); each round times one call of ``--epochs`` epochs. Printed: the configuration, each
round, the median images per second of each arm (wall clock, and per CPU-second, which a
busy shared machine disturbs less), the median of the per-round (paired) ratios, and peak
RSS.

A third arm bounds what fewer Python round trips can gain at all: the plain model compiled
with ``steps_per_execution`` equal to one whole epoch's batches (one call per epoch, the least
per-step overhead Keras allows). When that ceiling is itself close to 1x, the model is
compute-bound on this machine and no input pipeline or round-trip saving can do much better.

A fourth arm is the call as a student writes it, ``model.fit(x, y)``: Keras' default batch
size (32), against ``helpers.train.fit`` at ``--batch-size`` (the fast profile's 64 by
default). That "as called" ratio is what switching calls gains in practice; it is not
like-for-like (twice the batch, half the optimizer steps), so it is printed apart.

Run:
    .venv/bin/python benchmarks/train_throughput.py
    .venv/bin/python benchmarks/train_throughput.py --batch-size 32 --rounds 7
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import helpers  # noqa: F401  (quiets TensorFlow before it is imported)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=8000, help="training images (32x32x1)")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size of the like-for-like arms")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed call")
    parser.add_argument("--rounds", type=int, default=5, help="timed calls of each arm")
    parser.add_argument("--steps-per-execution", type=int, default=None,
                        help="helpers.train.fit's steps_per_execution (default: its own)")
    parser.add_argument("--verbose", type=int, default=0, choices=(0, 1, 2),
                        help="Keras' verbose in every arm (the output is discarded)")
    parser.add_argument("--no-deterministic-ops", action="store_true",
                        help="seed without enabling TensorFlow's op determinism")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and process CPU seconds of one call (its printed output discarded)."""
    with contextlib.redirect_stdout(io.StringIO()):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    import keras
    import numpy as np
    import tensorflow as tf

    from helpers.models import build_lenet5
    from helpers.train import fit, set_seed

    set_seed(args.seed, deterministic_ops=False if args.no_deterministic_ops else None)
    rng = np.random.default_rng(args.seed)
    x = rng.random((args.images, 32, 32, 1), dtype=np.float32)
    y = rng.integers(0, 10, size=args.images)

    def build() -> keras.Model:
        keras.utils.set_random_seed(args.seed)
        model = build_lenet5((32, 32, 1), 10)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    plain_model, helpers_model, ceiling_model, default_model = build(), build(), build(), build()
    ceiling_model.steps_per_execution = -(-args.images // args.batch_size)  # one epoch a call
    arms = {
        "model.fit": lambda epochs: plain_model.fit(
            x, y, batch_size=args.batch_size, epochs=epochs, verbose=args.verbose),
        "helpers.train.fit": lambda epochs: fit(
            helpers_model, x, y, batch_size=args.batch_size, epochs=epochs, verbose=args.verbose,
            seed=args.seed, steps_per_execution=args.steps_per_execution),
        "ceiling": lambda epochs: ceiling_model.fit(
            x, y, batch_size=args.batch_size, epochs=epochs, verbose=args.verbose),
        "model.fit(x, y)": lambda epochs: default_model.fit(
            x, y, epochs=epochs, verbose=args.verbose),  # Keras' defaults: batch_size 32
    }
    for run in arms.values():  # warm-up: trace the functions, fill caches
        timed(lambda run=run: run(1))

    images = args.images * args.epochs
    speed: dict[str, list[float]] = {name: [] for name in arms}
    cpu_speed: dict[str, list[float]] = {name: [] for name in arms}
    ratios: dict[str, list[float]] = {name: [] for name in list(arms)[1:]}
    print(f"TensorFlow {tf.__version__} | Keras {keras.__version__} | Python "
          f"{platform.python_version()} | {os.cpu_count()} CPU cores | "
          f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}")
    print(f"LeNet-5 ({plain_model.count_params():,} parameters), {args.images:,} images "
          f"32x32x1, batch_size={args.batch_size} in the like-for-like arms, {args.epochs} epochs per call, "
          f"{args.rounds} rounds after a warm-up, adam, verbose={args.verbose}, seed {args.seed}")
    print(f"op determinism: {'off' if args.no_deterministic_ops else 'set_seed default'} | "
          f"jit_compile: model.fit={plain_model.jit_compile}, "
          f"helpers={helpers_model.jit_compile} | steps_per_execution: "
          f"model.fit={plain_model.steps_per_execution}, "
          f"helpers={helpers_model.steps_per_execution}, "
          f"ceiling={ceiling_model.steps_per_execution}")
    for round_ in range(args.rounds):
        order = list(arms) if round_ % 2 == 0 else list(arms)[::-1]
        walls = {}
        for name in order:
            wall, cpu = timed(lambda run=arms[name]: run(args.epochs))
            walls[name] = wall
            speed[name].append(images / wall)
            cpu_speed[name].append(images / cpu)
        for name, values in ratios.items():
            values.append(walls["model.fit"] / walls[name])
        print(f"round {round_ + 1}: " + ", ".join(
            f"{name} {speed[name][-1]:,.0f} img/s" for name in arms)
            + f", ratio {ratios['helpers.train.fit'][-1]:.2f}x", flush=True)

    result = {f"{name} img/s": statistics.median(values) for name, values in speed.items()}
    result.update({f"{name} img/cpu-s": statistics.median(values)
                   for name, values in cpu_speed.items()})
    result["median ratio"] = statistics.median(ratios["helpers.train.fit"])
    result["ceiling ratio"] = statistics.median(ratios["ceiling"])
    result["of ceiling"] = statistics.median(  # per round: ceiling's time / helpers' time
        helper / ceiling for helper, ceiling in zip(ratios["helpers.train.fit"],
                                                    ratios["ceiling"]))
    result["of ceiling cpu"] = statistics.median(
        helper / ceiling for helper, ceiling in zip(cpu_speed["helpers.train.fit"],
                                                    cpu_speed["ceiling"]))
    result["cpu ratio"] = statistics.median(
        helper / plain for helper, plain in zip(cpu_speed["helpers.train.fit"],
                                                cpu_speed["model.fit"]))
    result["as-called ratio"] = statistics.median(  # per round: model.fit(x, y) / helpers
        helper / default for helper, default in zip(ratios["helpers.train.fit"],
                                                    ratios["model.fit(x, y)"]))
    result["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name in arms:
        print(f"median {name}: {result[f'{name} img/s']:,.0f} images/s "
              f"({result[f'{name} img/cpu-s']:,.0f} images per CPU-second)")
    print(f"median ratio helpers.train.fit / model.fit: {result['median ratio']:.2f}x "
          f"(images per CPU-second, paired: {result['cpu ratio']:.2f}x)")
    print(f"ceiling (one call per epoch) / model.fit: {result['ceiling ratio']:.2f}x "
          f"(images per CPU-second: {result['ceiling img/cpu-s'] / result['model.fit img/cpu-s']:.2f}x)")
    print(f"helpers.train.fit / ceiling, paired per round: {result['of ceiling']:.2f}x "
          f"(images per CPU-second: {result['of ceiling cpu']:.2f}x)")
    print(f"as called, helpers.train.fit(model, x, y, batch_size={args.batch_size}) / "
          f"model.fit(x, y) (batch_size 32): {result['as-called ratio']:.2f}x "
          "(not like-for-like: larger batches, fewer steps)")
    print(f"peak RSS: {result['peak RSS MB']:,.0f} MB")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
