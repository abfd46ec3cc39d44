"""helpers.analysis.landscape: filter-normalised directions and the loss along them.

References: per-filter norms computed with NumPy, the loss of tiny models computed by hand in
NumPy (softmax cross-entropy; BatchNorm with the batch's statistics), and Keras' own
``evaluate`` after ``set_weights`` at the same points.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import helpers  # noqa: F401  (quiet TensorFlow before it is imported)
from helpers.analysis import filter_normalized_direction, loss_slice, loss_surface


def tiny_conv_net(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(4, activation="softmax", name="dense")(x))


def softmax_dense(seed: int = 0, with_batch_norm: bool = False) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5,))
    x = keras.layers.Dense(3, name="dense")(inputs)
    if with_batch_norm:
        x = keras.layers.BatchNormalization(name="bn")(x)
    return keras.Model(inputs, keras.layers.Softmax()(x))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    logits = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(40, 5)).astype("float32"), rng.integers(0, 3, size=40)


def test_every_filter_gets_the_norm_of_its_weights_filter_and_vectors_get_zero():
    model = tiny_conv_net()
    direction = filter_normalized_direction(model, seed=1)
    names = [variable.path for variable in model.trainable_variables]
    assert len(direction) == len(names) == 6      # conv kernel, bias; BN gamma, beta; dense
    for name, weight, step in zip(names, model.trainable_variables, direction):
        weight = np.asarray(weight)
        assert step.shape == weight.shape and step.dtype == np.float32
        if weight.ndim == 1:
            assert not step.any(), f"{name} is not zero in the direction"
            continue
        columns = weight.shape[-1]                # one filter (output map, unit) per column
        for j in range(columns):
            np.testing.assert_allclose(np.linalg.norm(step[..., j].ravel()),
                                       np.linalg.norm(weight[..., j].ravel()), rtol=1e-5)
        assert np.corrcoef(step.ravel(), weight.ravel())[0, 1] < 0.9   # random, not the weights


def test_the_same_seed_gives_the_same_direction_and_another_seed_another():
    weights = [np.ones((3, 4), "float32")]
    first, again = (filter_normalized_direction(weights, seed=5) for _ in range(2))
    other = filter_normalized_direction(weights, seed=6)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.allclose(first[0], other[0])


def test_a_filter_of_zeros_gets_zero():
    weights = [np.zeros((2, 2), "float32"), np.ones((2, 2), "float32")]
    direction = filter_normalized_direction(weights, seed=0)
    assert not direction[0].any()
    np.testing.assert_allclose(np.linalg.norm(direction[1], axis=0), [np.sqrt(2)] * 2, rtol=1e-5)


def test_slice_matches_numpy_by_hand(data):
    x, y = data
    model = softmax_dense()
    kernel, bias = (np.asarray(v) for v in model.trainable_variables)
    direction = filter_normalized_direction(model, seed=2)
    steps = [-1.0, -0.25, 0.0, 0.5, 2.0]
    expected = [cross_entropy(x @ (kernel + a * direction[0]) + bias, y) for a in steps]
    np.testing.assert_allclose(loss_slice(model, x, y, direction, steps, batch_size=16),
                               expected, rtol=1e-5)


def test_interpolation_between_two_solutions_ends_at_each(data):
    x, y = data
    first, second = softmax_dense(seed=0), softmax_dense(seed=1)
    theta1, theta2 = first.get_weights(), second.get_weights()
    difference = [b - a for a, b in zip(theta1, theta2)]
    losses = loss_slice(first, x, y, difference, [0.0, 0.5, 1.0], origin=theta1)
    ends = [cross_entropy(x @ w + b, y) for w, b in (theta1, theta2)]
    middle = cross_entropy(x @ (theta1[0] + theta2[0]) / 2 + (theta1[1] + theta2[1]) / 2, y)
    np.testing.assert_allclose(losses, [ends[0], middle, ends[1]], rtol=1e-5)


def test_training_mode_normalises_with_the_batch_statistics_and_changes_no_variable(data):
    x, y = data
    model = softmax_dense(with_batch_norm=True)
    before = [np.asarray(v).copy() for v in model.variables]
    kernel, bias, gamma, beta = (np.asarray(v) for v in model.trainable_variables)
    epsilon = model.get_layer("bn").epsilon
    direction = filter_normalized_direction(model, seed=4)

    def by_hand(a: float) -> float:
        z = x @ (kernel + a * direction[0]) + bias
        z = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + epsilon)
        return cross_entropy(gamma * z + beta, y)

    np.testing.assert_allclose(loss_slice(model, x, y, direction, [-0.5, 0.0, 1.0],
                                          training=True, batch_size=len(x)),
                               [by_hand(a) for a in (-0.5, 0.0, 1.0)], rtol=1e-4)
    for variable, value in zip(model.variables, before):
        np.testing.assert_array_equal(np.asarray(variable), value)   # moving averages too


def test_surface_matches_keras_evaluate_at_the_points():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 6, 6, 2)).astype("float32")
    y = rng.integers(0, 4, size=24)
    model = tiny_conv_net()
    model.compile(loss="sparse_categorical_crossentropy")
    origin = [np.asarray(v) for v in model.trainable_variables]
    d1, d2 = (filter_normalized_direction(model, seed=s) for s in (1, 2))
    a_steps, b_steps = [-0.5, 0.0, 1.0], [0.0, 0.75]
    surface = loss_surface(model, x, y, (d1, d2), (a_steps, b_steps))
    assert surface.shape == (2, 3)
    for row, b in enumerate(b_steps):
        for column, a in enumerate(a_steps):
            for variable, w, u, v in zip(model.trainable_variables, origin, d1, d2):
                variable.assign(w + a * u + b * v)
            expected = model.evaluate(x, y, batch_size=len(x), verbose=0)
            assert surface[row, column] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda m, x, y, d: loss_slice(m, x, y, d[:1], [0.0]),
     r"'direction' parameter of loss_slice must have one array per trainable weight"),
    (lambda m, x, y, d: loss_slice(m, x, y, d, [[0.0, 1.0]]),
     r"'steps' parameter of loss_slice must be a non-empty 1-D sequence"),
    (lambda m, x, y, d: loss_slice(m, x, y[:3], d, [0.0]),
     r"'x' and 'y' parameters of loss_slice must hold the same number"),
    (lambda m, x, y, d: loss_slice(m, x, y, d, [0.0], batch_size=0),
     r"'batch_size' parameter of loss_slice must be an int >= 1; got 0"),
    (lambda m, x, y, d: loss_surface(m, x, y, (d,), ([0.0], [0.0])),
     r"'directions' parameter of loss_surface must be a pair"),
    (lambda m, x, y, d: loss_surface(m, x, y, (d, d), ([0.0], [np.nan])),
     r"'steps' parameter of loss_surface must be a non-empty 1-D sequence of finite"),
])
def test_bad_arguments_raise_value_errors_naming_them(data, call, message):
    model = softmax_dense()
    with pytest.raises(ValueError, match=message):
        call(model, *data, filter_normalized_direction(model, seed=0))


@pytest.mark.parametrize("call, message", [
    (lambda m, x, y, d: loss_slice("model", x, y, d, [0.0]),
     r"'model' parameter of loss_slice must be a Keras model; got str"),
    (lambda m, x, y, d: loss_slice(m, x, y, d, [0.0], training="yes"),
     r"'training' parameter of loss_slice must be a bool"),
    (lambda m, x, y, d: filter_normalized_direction("weights"),
     r"'weights' parameter of filter_normalized_direction must be a Keras model or a "
     r"non-empty list"),
])
def test_bad_types_raise_type_errors_naming_them(data, call, message):
    model = softmax_dense()
    with pytest.raises(TypeError, match=message):
        call(model, *data, filter_normalized_direction(model, seed=0))
