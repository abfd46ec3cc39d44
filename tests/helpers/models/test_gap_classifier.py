"""build_gap_classifier (the CAM-ready classifier) and build_unet's batch_norm option.

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
from helpers.models import build_gap_classifier, build_unet
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


# build_unet(batch_norm=True) ----------------------------------------------------------------

def unet_params(channels, classes, base, depth, batch_norm):
    """By hand, with helpers.arithmetic: Conv-BN pairs have no conv bias and 4 BN weights
    (gamma, beta, moving mean, moving variance) per channel."""
    def double_conv(cin, cout):
        if not batch_norm:
            return conv_param_count(3, cin, cout) + conv_param_count(3, cout, cout)
        return (conv_param_count(3, cin, cout, use_bias=False) + 4 * cout
                + conv_param_count(3, cout, cout, use_bias=False) + 4 * cout)

    widths = [base * 2**level for level in range(depth + 1)]
    total, previous = 0, channels
    for width in widths:
        total += double_conv(previous, width)
        previous = width
    for width in reversed(widths[:-1]):
        total += conv_param_count(2, previous, width) + double_conv(2 * width, width)
        previous = width
    return total + conv_param_count(1, base, classes)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_unet_parameter_count_by_hand(batch_norm):
    model = build_unet((32, 32, 3), 7, base_filters=8, depth=3, batch_norm=batch_norm)
    assert model.count_params() == unet_params(3, 7, 8, 3, batch_norm)
    assert model.count_params() == sum(layer.count_params() for layer in model.layers)
    # the moving statistics are the only weights training does not update
    moving = 2 * 2 * (8 + 16 + 32 + 64 + 32 + 16 + 8) if batch_norm else 0
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == moving


def test_unet_default_is_unchanged_by_the_option():
    plain = build_unet((32, 32, 3), 3, base_filters=8, depth=2)
    explicit = build_unet((32, 32, 3), 3, base_filters=8, depth=2, batch_norm=False)
    assert [layer.name for layer in plain.layers] == [layer.name for layer in explicit.layers]
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)


def test_unet_batch_norm_is_conv_bn_relu():
    model = build_unet((16, 16, 1), 2, base_filters=4, depth=2, batch_norm=True)
    names = [layer.name for layer in model.layers]
    for prefix in ("down1", "down2", "bottom", "up2", "up1"):
        for i in (1, 2):
            conv = names.index(f"{prefix}_conv{i}")
            assert names[conv + 1:conv + 3] == [f"{prefix}_bn{i}", f"{prefix}_relu{i}"]
            layer = model.get_layer(f"{prefix}_conv{i}")
            assert not layer.use_bias and layer.activation.__name__ == "linear"
    assert model.output.shape == (None, 16, 16, 2)
    # training mode normalises with the batch's statistics, inference with the moving ones
    x = np.random.default_rng(0).uniform(size=(2, 16, 16, 1)).astype("float32")
    assert not np.allclose(model(x, training=True), model(x, training=False))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    moving = np.array(model.get_layer("down1_bn1").moving_mean)
    model.train_on_batch(x, np.zeros((2, 16, 16), dtype=int))
    assert not np.allclose(model.get_layer("down1_bn1").moving_mean, moving)


def test_unet_batch_norm_must_be_a_bool():
    with pytest.raises(TypeError, match=r"The 'batch_norm' parameter of build_unet must be a "
                                        r"bool; got 'yes'"):
        build_unet((32, 32, 3), 2, batch_norm="yes")
