"""helpers.recipes: LeNet-5's MNIST recipe (lecture 03, benchmarks/time_to_accuracy.py)."""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np
import pytest

from helpers.recipes import LENET5_MNIST


def test_prepare_pads_to_32_and_standardises_with_the_training_statistics():
    rng = np.random.default_rng(0)
    x_train = rng.random((20, 28, 28, 1), dtype=np.float32)
    x_test = rng.random((5, 28, 28, 1), dtype=np.float32)
    train, test = LENET5_MNIST.prepare(x_train, x_test)
    assert train.shape == (20, 32, 32, 1) and test.shape == (5, 32, 32, 1)
    assert train.dtype == np.float32
    mean, std = x_train.astype(np.float64).mean(), x_train.astype(np.float64).std()
    np.testing.assert_allclose(train[:, 2:30, 2:30], (x_train - mean) / std, atol=1e-5)
    np.testing.assert_allclose(test[:, 2:30, 2:30], (x_test - mean) / std, atol=1e-5)
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    np.testing.assert_allclose(test[:, border], -mean / std, rtol=1e-5)  # padding = black


def test_prepare_rejects_images_it_cannot_pad():
    with pytest.raises(ValueError, match=r"The images passed to Recipe.prepare must be \(N, "
                                         r"height, width, channels\) of at most 32 pixels a "
                                         r"side; argument 1 has shape \(2, 36, 36, 1\)"):
        LENET5_MNIST.prepare(np.zeros((2, 28, 28, 1)), np.zeros((2, 36, 36, 1)))
    with pytest.raises(ValueError, match=r"argument 0 has shape \(2, 28, 28\)"):
        LENET5_MNIST.prepare(np.zeros((2, 28, 28)))


def test_build_is_the_slides_lenet5_with_relu_and_a_cosine_decayed_adam():
    model = LENET5_MNIST.build(n_train=1000)
    assert model.count_params() == 61706                  # deck 001's table
    assert model.get_layer("C1").get_config()["activation"] == "relu"
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    schedule = keras.optimizers.schedules.deserialize(
        model.optimizer.get_config()["learning_rate"])
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    steps = 5 * math.ceil(1000 / 128)
    assert schedule.get_config()["decay_steps"] == steps
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(steps // 2)) == pytest.approx(0.005)    # half-way down the cosine
    assert float(schedule(steps)) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match=r"The 'n_train' parameter of Recipe.build must be a "
                                         r"positive int; got 0"):
        LENET5_MNIST.build(n_train=0)


@pytest.mark.slow
def test_the_recipe_reaches_98_5_percent_on_the_official_test_set(shared_dir):
    """The slides' "~99% on MNIST", measured: 20,000 real images, the official test set."""
    from helpers.data import load_dataset
    from helpers.train import fit, set_seed

    mirror = shared_dir / "data"
    if not (mirror / "mnist-subset" / "x_train_20k.npz").is_file():
        pytest.skip("../shared/data/mnist-subset is absent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x_train, y_train), (x_test, y_test) = load_dataset("mnist", data_dir=mirror)
    assert (len(y_train), len(y_test)) == (20000, 10000)
    x_train, x_test = LENET5_MNIST.prepare(x_train, x_test)
    set_seed(0)
    model = LENET5_MNIST.build(n_train=len(x_train))
    fit(model, x_train, y_train, epochs=LENET5_MNIST.epochs, batch_size=LENET5_MNIST.batch_size,
        seed=0, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    assert accuracy >= 0.985
