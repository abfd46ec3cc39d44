"""The small LeNet-, AlexNet-, VGG-, GoogLeNet-, ResNet- and DenseNet-style nets.

Each style's parameters and multiplications are written here from its design, layer by layer
(a k x k convolution from C to F maps at an S x S output: ``(k*k*C + 1) * F`` weights with a
bias, ``k*k*C*F`` without, ``4 * F`` more for its batch normalisation; ``S*S*k*k*C*F``
multiplications), and compared with Keras' ``count_params()`` and ``model_table``'s count;
output shapes are checked against Keras' own layers' shapes written from the same design.
"""

from __future__ import annotations

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow's import, so it comes first)
import keras
import numpy as np
import pytest

from helpers.arithmetic import model_table
from helpers.models import SMALL_NET_STYLES, build_small_net


def conv(side: int, kernel: int, channels: int, filters: int, *, bias: bool = True,
         batch_norm: bool = False) -> tuple[int, int]:
    """(parameters, multiplications) of one convolution at an ``side`` x ``side`` output."""
    params = kernel * kernel * channels * filters + (filters if bias else 0)
    params += 4 * filters if batch_norm else 0
    return params, side * side * kernel * kernel * channels * filters


def dense(units_in: int, units: int) -> tuple[int, int]:
    return units_in * units + units, units_in * units


def inception(side: int, channels: int, f1: int, r3: int, f3: int, r5: int, f5: int,
              pool: int) -> list[tuple[int, int]]:
    """GoogLeNet's module with batch norm after each of its six convolutions (no biases)."""
    return [conv(side, 1, channels, f1, bias=False, batch_norm=True),
            conv(side, 1, channels, r3, bias=False, batch_norm=True),
            conv(side, 3, r3, f3, bias=False, batch_norm=True),
            conv(side, 1, channels, r5, bias=False, batch_norm=True),
            conv(side, 5, r5, f5, bias=False, batch_norm=True),
            conv(side, 1, channels, pool, bias=False, batch_norm=True)]


def basic_unit(side: int, channels: int, filters: int) -> list[tuple[int, int]]:
    """ResNet's basic unit: two 3x3 conv-BN, a 1x1 conv-BN projection when the shape changes."""
    layers = [conv(side, 3, channels, filters, bias=False, batch_norm=True),
              conv(side, 3, filters, filters, bias=False, batch_norm=True)]
    if channels != filters:
        layers.append(conv(side, 1, channels, filters, bias=False, batch_norm=True))
    return layers


def dense_layers(side: int, channels: int, count: int, growth: int) -> list[tuple[int, int]]:
    """DenseNet-BC layers: BN, 1x1 conv to 4k, BN, 3x3 conv to k; the input grows by k."""
    layers = []
    for i in range(count):
        width = channels + i * growth
        layers += [(4 * width, 0), conv(side, 1, width, 4 * growth, bias=False, batch_norm=True),
                   conv(side, 3, 4 * growth, growth, bias=False)]
    return layers


DESIGNS = {
    "lenet5": [conv(28, 5, 1, 6), conv(10, 5, 6, 16), conv(1, 5, 16, 120), dense(120, 84),
               dense(84, 10)],
    "alexnet": [conv(28, 5, 1, 12), conv(13, 5, 12, 32), conv(6, 3, 32, 48), conv(6, 3, 48, 48),
                conv(6, 3, 48, 32), dense(2 * 2 * 32, 512), dense(512, 512), dense(512, 10)],
    "vgg": [conv(28, 3, 1, 16), conv(28, 3, 16, 16), conv(14, 3, 16, 32), conv(14, 3, 32, 32),
            conv(7, 3, 32, 64), conv(7, 3, 64, 64), dense(3 * 3 * 64, 256), dense(256, 256),
            dense(256, 10)],
    "googlenet": [conv(28, 5, 1, 16), conv(14, 1, 16, 16), conv(14, 3, 16, 48),
                  *inception(7, 48, 16, 24, 32, 4, 8, 8),           # -> 64 maps
                  *inception(7, 64, 32, 32, 48, 8, 24, 16),         # -> 120 maps
                  dense(120, 10)],
    "resnet": [conv(28, 3, 1, 16, bias=False, batch_norm=True), *basic_unit(14, 16, 16),
               *basic_unit(7, 16, 32), *basic_unit(4, 32, 64), dense(64, 10)],
    "densenet": [conv(28, 3, 1, 24, bias=False, batch_norm=True), *dense_layers(14, 24, 2, 12),
                 (4 * 48, 0), conv(14, 1, 48, 24, bias=False),    # transition: 48 -> 24 maps
                 *dense_layers(7, 24, 2, 12), (4 * 48, 0), dense(48, 10)],
}
# a layer of each style with its output shape, from the design (channels last)
SHAPES = {
    "lenet5": ("pad", (32, 32, 1)),
    "alexnet": ("S8", (2, 2, 32)),
    "vgg": ("block3_pool", (3, 3, 64)),
    "googlenet": ("inception3b_concat", (7, 7, 120)),
    "resnet": ("stage4_block1_out", (4, 4, 64)),
    "densenet": ("final_relu", (7, 7, 48)),
}


def test_every_style_has_a_design_here():
    assert set(SMALL_NET_STYLES) == set(DESIGNS) == set(SHAPES)


@pytest.mark.parametrize("style", SMALL_NET_STYLES)
def test_parameters_and_multiplications_match_the_design(style):
    model = build_small_net(style=style)
    params, mults = (sum(column) for column in zip(*DESIGNS[style]))
    assert model.count_params() == params
    assert model_table(model).total_mults == mults


@pytest.mark.parametrize("style", SMALL_NET_STYLES)
def test_shapes_names_and_probabilities(style):
    model = build_small_net((32, 32, 3), 4, style=style)
    assert model.output_shape == (None, 4) and model.name == f"{style}_small"
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    layer, shape = SHAPES[style]
    expected = build_small_net(style=style).get_layer(layer).output.shape[1:]
    assert tuple(expected) == shape
    images = np.random.default_rng(0).uniform(size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(np.sum(model(images, training=False), axis=-1), 1, rtol=1e-5)


@pytest.mark.parametrize("momentum", [0.9, 0.99, 0.0])
def test_batch_norm_momentum_reaches_every_batch_norm(momentum):
    for style in ("googlenet", "resnet", "densenet"):
        model = build_small_net(style=style, batch_norm_momentum=momentum)
        found = [layer.momentum for layer in model.layers
                 if isinstance(layer, keras.layers.BatchNormalization)]
        assert found and set(found) == {momentum}


def test_momentum_changes_the_moving_average_as_keras_defines_it():
    """moving = momentum * moving + (1 - momentum) * batch mean (Keras' documented rule)."""
    model = build_small_net(style="resnet", batch_norm_momentum=0.9)
    images = np.full((4, 28, 28, 1), 1.0, "float32")
    stem_bn = model.get_layer("stem_bn")
    model(images, training=True)
    batch_mean = np.mean(np.asarray(model.get_layer("stem_conv")(images)), axis=(0, 1, 2))
    np.testing.assert_allclose(stem_bn.moving_mean, 0.1 * batch_mean, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(style="inception"), r"'style' parameter of build_small_net must be one of .*'lenet5'"),
    (dict(style="vgg", input_shape=(27, 28, 1)), r"'input_shape' .* >= 28.*Pad or resize"),
    (dict(style="vgg", num_classes=0), r"'num_classes' parameter of build_small_net"),
    (dict(style="resnet", batch_norm_momentum=1.0),
     r"'batch_norm_momentum' parameter of build_small_net must be a number in \[0, 1\); got 1.0"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_small_net(**kwargs)
