"""Time to 98.5% on MNIST: the course's LeNet-5 recipe versus keras-io's "Simple MNIST convnet".

Both train on the 20,000 real MNIST training images of the data mirror and are evaluated on
the official 10,000 test images after every epoch; only training counts (the clock stops when
Keras starts the epoch's evaluation). Printed per arm and seed: the epoch and the training
seconds (wall clock and process CPU) at which test accuracy first reached the target, and the
final accuracy; then the medians and the ratio course / keras-io.

* course: ``helpers.recipes.LENET5_MNIST`` through ``helpers.train.fit`` (LeNet-5 with ReLU,
  32x32 standardised inputs, Adam with cosine decay from 0.01, batch 128), for its 5 epochs.
* keras-io: https://keras.io/examples/vision/mnist_convnet/ -- Conv 32 3x3 ReLU, max-pool 2,
  Conv 64 3x3 ReLU, max-pool 2, flatten, dropout 0.5, softmax; Adam, batch 128, plain
  ``model.fit``, images in [0, 1]; up to its 15 epochs, stopped at the target. Its
  ``validation_split=0.1`` is left out: both arms train on the same 20,000 images.

The arms alternate (course first for even seeds), each after ``set_seed(seed)``. Needs the
mirror (``COURSE_DATA_DIR``, else ``../shared/data`` beside the checkout).

Run:
    .venv/bin/python benchmarks/time_to_accuracy.py
    .venv/bin/python benchmarks/time_to_accuracy.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import helpers  # noqa: F401  (quiets TensorFlow before it is imported)

MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
KERAS_IO_EPOCHS = 15


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed")
    parser.add_argument("--target", type=float, default=0.985, help="test accuracy to reach")
    return parser.parse_args(argv)


@dataclass
class Run:
    """One arm's run: per epoch, the training seconds so far and the test accuracy."""

    wall: list[float]
    cpu: list[float]
    accuracy: list[float]

    def reached(self, target: float) -> int | None:
        """The first epoch (1-based) whose test accuracy reached ``target``, or None."""
        return next((i + 1 for i, a in enumerate(self.accuracy) if a >= target), None)


def training_clock(target: float, stop_at_target: bool) -> tuple[Run, Callable]:
    """A Keras callback that times training only (not the epoch's evaluation)."""
    import keras

    run = Run([], [], [])

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.wall = self.cpu = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter(), time.process_time()

        def on_test_begin(self, logs=None):
            self.wall += time.perf_counter() - self.started[0]
            self.cpu += time.process_time() - self.started[1]
            run.wall.append(self.wall)
            run.cpu.append(self.cpu)

        def on_epoch_end(self, epoch, logs=None):
            run.accuracy.append(logs["val_accuracy"])
            if stop_at_target and logs["val_accuracy"] >= target:
                self.model.stop_training = True

    return run, Clock()


def keras_io_model():
    """keras-io's "Simple MNIST convnet", compiled as there (labels as integers)."""
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    return model


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    os.environ.setdefault("COURSE_DATA_DIR", str(MIRROR))
    import keras
    import tensorflow as tf

    from helpers.data import RealSubsetWarning, load_dataset
    from helpers.recipes import LENET5_MNIST
    from helpers.train import fit, set_seed

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (x_train, y_train), (x_test, y_test) = load_dataset("mnist")
    if len(y_train) != 20000 or len(y_test) != 10000:
        sys.exit(f"needs MNIST's 20,000 real training images and its 10,000 test images (the "
                 f"mirror {os.environ['COURSE_DATA_DIR']}); got {len(y_train)} / "
                 f"{len(y_test)}: {[str(w.message) for w in caught]}")
    subset = [w.message for w in caught if isinstance(w.message, RealSubsetWarning)]
    prepared = LENET5_MNIST.prepare(x_train, x_test)

    def course(seed: int) -> Run:
        set_seed(seed)
        model = LENET5_MNIST.build(n_train=len(x_train))
        run, clock = training_clock(args.target, stop_at_target=False)
        fit(model, prepared[0], y_train, epochs=LENET5_MNIST.epochs,
            batch_size=LENET5_MNIST.batch_size, seed=seed,
            validation_data=(prepared[1], y_test), callbacks=[clock], verbose=0)
        return run

    def keras_io(seed: int) -> Run:
        set_seed(seed)
        model = keras_io_model()
        run, clock = training_clock(args.target, stop_at_target=True)
        model.fit(x_train, y_train, batch_size=128, epochs=KERAS_IO_EPOCHS,
                  validation_data=(x_test, y_test), callbacks=[clock], verbose=0)
        return run

    print(f"TensorFlow {tf.__version__} | Keras {keras.__version__} | Python "
          f"{platform.python_version()} | {os.cpu_count()} CPU cores | load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"data: {len(y_train):,} train / {len(y_test):,} test "
          f"({'real subset from ' + subset[0].folder if subset else 'full set'}); target "
          f"{args.target:.1%} test accuracy, evaluated after every epoch; training time only")
    print(f"course: LeNet-5 {LENET5_MNIST.options}, {LENET5_MNIST.image_size}x"
          f"{LENET5_MNIST.image_size} standardised, Adam + cosine decay from "
          f"{LENET5_MNIST.learning_rate}, batch {LENET5_MNIST.batch_size}, "
          f"{LENET5_MNIST.epochs} epochs, helpers.train.fit | keras-io: Simple MNIST convnet, "
          f"Adam, batch 128, model.fit, up to {KERAS_IO_EPOCHS} epochs")
    arms = {"course": course, "keras-io": keras_io}
    seconds: dict[str, list[float]] = {name: [] for name in arms}
    cpu_seconds: dict[str, list[float]] = {name: [] for name in arms}
    for index, seed in enumerate(args.seeds):
        for name in (list(arms) if index % 2 == 0 else list(arms)[::-1]):
            run = arms[name](seed)
            epoch = run.reached(args.target)
            history = " ".join(f"{a:.4f}" for a in run.accuracy)
            if epoch is None:
                print(f"seed {seed} {name:8s}: not reached in {len(run.accuracy)} epochs "
                      f"({run.wall[-1]:.1f} s); test accuracy per epoch {history}")
                continue
            seconds[name].append(run.wall[epoch - 1])
            cpu_seconds[name].append(run.cpu[epoch - 1])
            print(f"seed {seed} {name:8s}: {args.target:.1%} at epoch {epoch} after "
                  f"{run.wall[epoch - 1]:.1f} s of training ({run.cpu[epoch - 1]:.1f} CPU-s); "
                  f"final {run.accuracy[-1]:.2%} after {len(run.accuracy)} epochs; test "
                  f"accuracy per epoch {history}", flush=True)
    result = {}
    for name in arms:
        if seconds[name]:
            result[f"{name} s"] = statistics.median(seconds[name])
            result[f"{name} cpu-s"] = statistics.median(cpu_seconds[name])
            print(f"median {name}: {result[f'{name} s']:.1f} s ({result[f'{name} cpu-s']:.1f} "
                  f"CPU-s) to {args.target:.1%}, reached in {len(seconds[name])} of "
                  f"{len(args.seeds)} runs")
    if "course s" in result and "keras-io s" in result:
        result["ratio"] = result["course s"] / result["keras-io s"]
        result["cpu ratio"] = result["course cpu-s"] / result["keras-io cpu-s"]
        print(f"ratio course / keras-io: {result['ratio']:.2f}x wall clock, "
              f"{result['cpu ratio']:.2f}x CPU time (target: <= 0.5x)")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
