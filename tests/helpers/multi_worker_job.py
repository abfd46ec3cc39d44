"""One worker of the multi-worker training test (``test_multi_worker.py``), or its
single-process reference when ``TF_CONFIG`` is unset.

Usage: ``python multi_worker_job.py OUT.npz``. It trains a small classifier with
``helpers.train.fit`` for 2 epochs of 4 global batches of 64 and saves the initial weights
(``initial_<i>``), the final weights (``final_<i>``) and the loss of each epoch (``loss``).
The examples are not shuffled, so that the workers and the reference see the same batches:
Keras' ``fit`` under a strategy draws one batch before training, which moves a reshuffling
dataset on to its next order (on every worker alike).
"""

from __future__ import annotations

import sys

from helpers.train import fit, get_strategy, set_seed  # get_strategy first: see its docstring

EXAMPLES, BATCH_SIZE, EPOCHS = 256, 64, 2


def main(out: str) -> None:
    """Train and save what the test compares."""
    strategy = get_strategy()
    import keras
    import numpy as np

    set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(EXAMPLES, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    with strategy.scope():
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    initial = [weight.numpy() for weight in model.weights]
    history = fit(model, x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=False,
                  verbose=0)
    final = [weight.numpy() for weight in model.weights]
    np.savez(out, loss=np.array(history.history["loss"]),
             **{f"initial_{i}": weight for i, weight in enumerate(initial)},
             **{f"final_{i}": weight for i, weight in enumerate(final)})


if __name__ == "__main__":
    main(sys.argv[1])
