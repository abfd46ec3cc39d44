"""build_gap_classifier (the CAM-ready classifier).

References: the per-layer formulas of helpers.arithmetic (conv_param_count,
dense_param_count), Keras' own count_params() and output shapes, and the softmax of the
model's logits recomputed from helpers.vision.class_activation_map's maps.
"""

from __future__ import annotations

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow's import, so it comes first)
import keras
import numpy as np
import pytest

from helpers.arithmetic import conv_output_size, conv_param_count, dense_param_count
from helpers.models import build_gap_classifier
from helpers.vision import class_activation_map


def gap_classifier_params(channels, classes, filters, kernel_size=3):
    """By hand: each convolution with biases, then Dense(last filters -> classes)."""
    total, previous = 0, channels
    for count in filters:
        total += conv_param_count(kernel_size, previous, count)
        previous = count
    return total + dense_param_count(previous, classes)


@pytest.mark.parametrize("shape, classes, options", [
    ((32, 32, 3), 6, {}),
    ((28, 28, 1), 10, dict(filters=(8, 16), kernel_size=5)),
    ((20, 36, 3), 2, dict(filters=(4, 8, 8, 12))),
])
def test_gap_classifier_shapes_and_hand_counted_parameters(shape, classes, options):
    model = build_gap_classifier(shape, classes, **options)
    filters = options.get("filters", (16, 32, 64))
    assert model.output.shape == (None, classes)
    assert model.count_params() == gap_classifier_params(
        shape[2], classes, filters, options.get("kernel_size", 3))
    # the last maps: the sides halved once per pooling (one fewer than the convolutions)
    height, width = shape[:2]
    for _ in filters[1:]:
        height, width = (conv_output_size(side, 2, strides=2) for side in (height, width))
    last = model.get_layer(f"conv{len(filters)}")
    assert last.output.shape == (None, height, width, filters[-1])
    assert [layer.name for layer in model.layers][-2:] == ["gap", "predictions"]
    assert isinstance(model.get_layer("gap"), keras.layers.GlobalAveragePooling2D)


def test_gap_classifier_default_is_lecture_07s_network():
    model = build_gap_classifier((32, 32, 3), 6)
    assert [layer.name for layer in model.layers] == [
        "image", "conv1", "pool1", "conv2", "pool2", "conv3", "gap", "predictions"]
    assert model.get_layer("conv3").output.shape == (None, 8, 8, 64)
    assert model.count_params() == 448 + 4640 + 18496 + 390 == 23974


def test_class_activation_map_accepts_it_and_its_maps_give_the_outputs():
    keras.utils.set_random_seed(3)
    model = build_gap_classifier((16, 16, 3), 4, filters=(8, 8))
    x = np.random.default_rng(0).uniform(size=(5, 16, 16, 3)).astype("float32")
    probabilities = model.predict(x, verbose=0)
    bias = np.asarray(model.get_layer("predictions").bias, dtype="float64")
    logits = np.stack([
        class_activation_map(model, x, class_index=c, normalize=False).mean(axis=(1, 2))
        + bias[c] for c in range(4)], axis=1)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax, probabilities, rtol=1e-4, atol=1e-6)
    maps = class_activation_map(model, x, conv_layer="conv2")
    assert maps.shape == (5, 8, 8) and maps.min() >= 0 and maps.max() <= 1


@pytest.mark.slow
def test_gap_classifier_trains():
    keras.utils.set_random_seed(0)
    model = build_gap_classifier((8, 8, 1), 2, filters=(4, 4))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  run_eagerly=True)
    before = [np.array(w) for w in model.trainable_weights]
    loss = model.train_on_batch(np.ones((2, 8, 8, 1)), np.array([0, 1]))
    assert np.isfinite(loss)
    assert all(not np.array_equal(np.array(w), old)
               for w, old in zip(model.trainable_weights, before))


@pytest.mark.parametrize("args, kwargs, match", [
    (((32, 32, 3), 6), dict(filters=()), r"The 'filters' parameter of build_gap_classifier "
     r"must be a non-empty sequence of positive ints; got \(\)"),
    (((32, 32, 3), 6), dict(filters=(8, 0)), r"'filters' parameter of build_gap_classifier"),
    (((32, 32, 3), 6), dict(kernel_size=0), r"The 'kernel_size' parameter of "
     r"build_gap_classifier must be an int >= 1; got 0"),
    (((3, 3, 1), 6), {}, r"The 'input_shape' parameter of build_gap_classifier must be "
     r"\(height, width, channels\) of positive ints with height and width >= 4 .*got "
     r"\(3, 3, 1\)\. Each of the 2 poolings halves"),
    (((32, 32), 6), {}, r"The 'input_shape' parameter of build_gap_classifier"),
    (((32, 32, 3), 0), {}, r"The 'num_classes' parameter of build_gap_classifier must be an "
     r"int >= 1; got 0"),
])
def test_gap_classifier_bad_options(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_gap_classifier(*args, **kwargs)
