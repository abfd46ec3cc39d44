"""The numbers lecture 02 (CNN building blocks) shows, against independent references.

The lecture keeps one visible check per section; the rest is checked here: the slides'
printed X-vs-O maps (typed in from the slides) against ``scipy.signal``, NumPy formulas
against Keras' layers, metrics, losses and optimizers. The Fashion-MNIST CNN's parameter
count is checked in ``tests/helpers/models/test_classic.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import signal

RNG = np.random.default_rng(0)


def test_top_k_accuracy_matches_keras_and_the_scene_example():
    probabilities = RNG.dirichlet(np.ones(10), size=500).astype("float32")
    labels = RNG.integers(0, 10, size=500)
    for k in (1, 3, 5):
        metric = keras.metrics.SparseTopKCategoricalAccuracy(k=k)
        metric.update_state(labels, probabilities)
        top_k = np.argsort(probabilities, axis=1)[:, -k:]
        ours = np.mean(np.any(top_k == labels[:, None], axis=1))
        assert np.isclose(ours, float(metric.result()))
    # The architectures slides' scene classifier: a hospital is right only from top-3 on.
    ranking = ["apartment_building/outdoor", "office_building", "hospital",
               "parking_garage/outdoor"]
    assert [("hospital" in ranking[:k]) for k in (1, 2, 3)] == [False, False, True]


def test_pooling_the_ml_topic_15_example():
    """Max pooling 2 x 2 / stride 2 of the slide's 4 x 4 map gives [[6, 8], [3, 4]]."""
    pool_input = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], "float32")
    batch = pool_input[None, :, :, None]
    maximum = keras.layers.MaxPooling2D(2)
    average = keras.layers.AveragePooling2D(2)
    np.testing.assert_array_equal(maximum(batch)[0, :, :, 0], [[6, 8], [3, 4]])
    np.testing.assert_allclose(average(batch)[0, :, :, 0], [[3.25, 5.25], [2, 2]])
    assert maximum.count_params() == average.count_params() == 0
    assert float(keras.layers.GlobalMaxPooling2D()(batch)[0, 0]) == 8
    assert np.isclose(float(keras.layers.GlobalAveragePooling2D()(batch)[0, 0]), 50 / 16)


def test_max_pooling_ignores_a_shift_inside_its_window_only():
    pool = keras.layers.MaxPooling2D(2)

    def pooled_spot(row, col):
        spot = np.zeros((1, 8, 8, 1), "float32")
        spot[0, row, col, 0] = 1
        return pool(spot)[0, :, :, 0].numpy()

    inside = [pooled_spot(r, c) for r, c in [(2, 2), (2, 3), (3, 2), (3, 3)]]
    assert all(np.array_equal(p, inside[0]) for p in inside)
    assert not np.array_equal(pooled_spot(4, 4), inside[0])


@pytest.mark.parametrize("name, formula, keras_activation", [
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z)), keras.activations.sigmoid),
    ("tanh", np.tanh, keras.activations.tanh),
    ("relu", lambda z: np.maximum(0, z), keras.activations.relu),
    ("leaky relu", lambda z: np.maximum(0.1 * z, z),
     lambda z: keras.activations.leaky_relu(z, 0.1)),
    ("elu", lambda z: np.where(z >= 0, z, np.exp(z) - 1), keras.activations.elu),
])
def test_activation_formulas_match_keras(name, formula, keras_activation):
    z = np.linspace(-4, 4, 81).astype("float32")
    np.testing.assert_allclose(formula(z), keras_activation(z), rtol=1e-5, atol=1e-6,
                               err_msg=name)


def test_flatten_reads_channels_last_like_numpy_reshape():
    volume = np.arange(2 * 2 * 3, dtype="float32").reshape(1, 2, 2, 3)
    np.testing.assert_array_equal(keras.layers.Flatten()(volume), volume.reshape(1, -1))
    dense = keras.layers.Dense(4)
    dense.build((None, 12))
    assert dense.count_params() == 12 * 4 + 4


def test_softmax_and_cross_entropy():
    scores = np.array([[2.0, 1.0, 0.1], [1000.0, 1001.0, 1002.0]], "float32")
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(keras.activations.softmax(scores), probabilities, rtol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    labels = np.array([0, 2])
    ours = -np.log(probabilities[np.arange(2), labels]).mean()
    np.testing.assert_allclose(
        [keras.losses.CategoricalCrossentropy()(np.eye(3)[labels], probabilities),
         keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)], ours, rtol=1e-5)
    chance = keras.losses.SparseCategoricalCrossentropy()(np.array([3]), np.full((1, 10), 0.1))
    assert np.isclose(float(chance), np.log(10))            # 2.303 at the start of training


# The X-vs-O example of the "Lecture 12" slides, its maps as printed (truncated to 2 decimals).
X_IMAGE = -np.ones((9, 9))
for _i in range(1, 8):
    X_IMAGE[_i, _i] = X_IMAGE[_i, 8 - _i] = 1
FEATURES = [np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]),      # diagonal
            np.array([[1, -1, 1], [-1, 1, -1], [1, -1, 1]]),        # small X
            np.array([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]])]      # anti-diagonal
SLIDE_DIAGONAL = np.array([
    [0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33],
    [-0.11, 1.00, -0.11, 0.33, -0.11, 0.11, -0.11],
    [0.11, -0.11, 1.00, -0.33, 0.11, -0.11, 0.55],
    [0.33, 0.33, -0.33, 0.55, -0.33, 0.33, 0.33],
    [0.55, -0.11, 0.11, -0.33, 1.00, -0.11, 0.11],
    [-0.11, 0.11, -0.11, 0.33, -0.11, 1.00, -0.11],
    [0.33, -0.11, 0.55, 0.33, 0.11, -0.11, 0.77]])
SLIDE_SMALL_X = np.array([
    [0.39, -0.55, 0.11, -0.11, 0.11, -0.55, 0.33],
    [-0.55, 0.55, -0.55, 0.33, -0.55, 0.55, -0.55],
    [0.11, -0.55, 0.55, -0.77, 0.55, -0.55, 0.11],
    [-0.11, 0.33, -0.77, 1.00, -0.77, 0.33, -0.11],
    [0.11, -0.55, 0.55, -0.77, 0.55, -0.55, 0.11],
    [-0.55, 0.55, -0.55, 0.33, -0.55, 0.55, -0.55],
    [0.39, -0.55, 0.11, -0.11, 0.33, -0.55, 0.33]])
SLIDE_DEEP = [[[1.00, 0.55], [0.55, 1.00]], [[1.00, 0.55], [0.55, 0.55]],
              [[0.55, 1.00], [1.00, 0.55]]]


def as_on_slide(values) -> np.ndarray:
    """Truncated to two decimals, as the slides print (after rounding away float32 noise)."""
    return np.fix(np.round(np.asarray(values, dtype="float64") * 100, 2)) / 100


def x_vs_o_maps() -> np.ndarray:
    return np.stack([signal.correlate2d(X_IMAGE, f, mode="valid") / 9 for f in FEATURES], -1)


def test_x_vs_o_feature_maps_are_the_slides():
    maps = as_on_slide(x_vs_o_maps())
    np.testing.assert_array_equal(maps[..., 0], SLIDE_DIAGONAL)
    # The slide's anti-diagonal map is its diagonal map mirrored left to right.
    np.testing.assert_array_equal(maps[..., 2], SLIDE_DIAGONAL[:, ::-1])
    # The small-X map differs from the slide in exactly its three typos.
    assert np.argwhere(maps[..., 1] != SLIDE_SMALL_X).tolist() == [[0, 0], [6, 0], [6, 4]]


def test_x_vs_o_keras_layers_reproduce_relu_pooling_and_deep_stacking():
    conv = keras.layers.Conv2D(3, 3, use_bias=False)
    conv.build((None, 9, 9, 1))
    conv.set_weights([np.stack(FEATURES, -1)[:, :, None, :].astype("float32") / 9])
    maps = conv(X_IMAGE[None, :, :, None].astype("float32"))
    np.testing.assert_allclose(maps[0], x_vs_o_maps(), atol=1e-6)
    rectified = keras.layers.ReLU()(maps)
    np.testing.assert_array_equal(as_on_slide(rectified[0, ..., 0]), np.maximum(SLIDE_DIAGONAL, 0))
    pool = keras.layers.MaxPooling2D(2, padding="same")
    deep = pool(pool(rectified))[0].numpy()
    np.testing.assert_array_equal(as_on_slide(deep.transpose(2, 0, 1)), SLIDE_DEEP)


def test_gradient_descent_bound_on_the_narrow_valley():
    """0.5 (w1^2 + 25 w2^2): Keras' SGD converges below lr = 2/25 and diverges above."""
    def final_loss(learning_rate):
        w = tf.Variable([2.0, 1.0])
        optimizer = keras.optimizers.SGD(learning_rate)
        for _ in range(50):
            with tf.GradientTape() as tape:
                loss = 0.5 * (w[0] ** 2 + 25 * w[1] ** 2)
            optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        return float(0.5 * (w[0] ** 2 + 25 * w[1] ** 2))

    start = 0.5 * (4 + 25)
    assert final_loss(0.075) < start < final_loss(0.085)


def test_augmentation_is_identity_at_inference_and_random_crop_is_one_window_per_batch():
    images = RNG.random((8, 32, 32, 3)).astype("float32")
    augment = keras.Sequential([keras.layers.RandomFlip("horizontal"),
                                keras.layers.RandomRotation(0.05)])
    np.testing.assert_array_equal(augment(images, training=False), images)
    crop = keras.Sequential([keras.layers.ZeroPadding2D(4), keras.layers.RandomCrop(32, 32)])
    out = crop(images, training=True).numpy()
    padded = np.pad(images, ((0, 0), (4, 4), (4, 4), (0, 0)))
    shifts = [next((dy, dx) for dy in range(9) for dx in range(9)
                   if np.allclose(padded[i, dy:dy + 32, dx:dx + 32], out[i])) for i in range(8)]
    assert len(set(shifts)) == 1


def test_batch_norm_training_inference_and_moving_averages():
    """Ioffe and Szegedy's algorithm in NumPy against Keras (momentum 0.99, epsilon 1e-3)."""
    x = (RNG.normal(size=(16, 8, 8, 4)) * [1, 5, 0.1, 2] + [3, -2, 0, 10]).astype("float32")
    gamma, beta = np.array([1, 2, 0.5, 1], "float32"), np.array([0, 1, -1, 0.5], "float32")
    layer = keras.layers.BatchNormalization()
    layer.build(x.shape)
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    mean, variance = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    expected = gamma * (x - mean) / np.sqrt(variance + 1e-3) + beta
    np.testing.assert_allclose(layer(x, training=True), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.moving_mean, 0.01 * mean, rtol=1e-4)
    np.testing.assert_allclose(layer.moving_variance, 0.99 + 0.01 * variance, rtol=1e-4)
    inference = gamma * (x - 0.01 * mean) / np.sqrt(0.99 + 0.01 * variance + 1e-3) + beta
    np.testing.assert_allclose(layer(x, training=False), inference, rtol=1e-4, atol=1e-4)


def test_dropout_is_inverted_and_the_identity_at_inference():
    x = RNG.random((100, 100)).astype("float32") + 0.5
    dropped = keras.layers.Dropout(0.5, seed=0)(x, training=True).numpy()
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], x[kept] * 2, rtol=1e-6)
    assert abs((~kept).mean() - 0.5) < 0.03                    # 10,000 draws
    assert abs(dropped.mean() - x.mean()) < 0.03
    np.testing.assert_array_equal(keras.layers.Dropout(0.5)(x, training=False), x)
