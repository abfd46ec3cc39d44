"""The classic families scaled down to 28x28 digits, to be compared by training on a CPU.

``build_small_net(style=...)`` builds the LeNet-, AlexNet-, VGG-, GoogLeNet-, ResNet- or
DenseNet-style network of ``SMALL_NET_STYLES`` for small grey images: each keeps its family's
design (LeNet-5 itself; AlexNet's large first kernel, overlapping pooling and wide dense
layers with dropout; VGG's stacked 3x3 blocks; GoogLeNet's inception modules and global
pooling; ResNet's basic residual units; DenseNet's dense blocks and transitions) at widths that
train in seconds, built from the same builders and blocks as the full-size models. GoogLeNet's
modules have batch normalisation, as in Inception v2.

Example:
    >>> from helpers.models import SMALL_NET_STYLES, build_small_net
    >>> SMALL_NET_STYLES
    ('lenet5', 'alexnet', 'vgg', 'googlenet', 'resnet', 'densenet')
    >>> build_small_net(style="vgg").output_shape
    (None, 10)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import layers

from helpers._checks import check_choice, check_input_shape, check_num_classes, check_number
from helpers.models.blocks import (
    classifier_head,
    conv_bn_act,
    dense_block,
    inception_module,
    residual_unit,
    transition_block,
)
from helpers.models.lenet import MIN_SIZE as LENET_SIZE
from helpers.models.lenet import build_lenet5

__all__ = ["SMALL_NET_STYLES", "build_small_net"]

MIN_SIZE = 28  # LeNet-5 pads 28 to its 32; the others pool 28 -> 14 -> 7 (-> 3)

# AlexNet's table with every width divided by 8 (96, 256, 384, 384, 256 maps; 4096 units)
ALEXNET_CONVS = ((12, 5), (32, 5), (48, 3), (48, 3), (32, 3))  # (filters, kernel) C1..C7
ALEXNET_UNITS = 512
# VGG: three blocks of two 3x3 convolutions, filters doubling, two dense layers
VGG_BLOCKS = ((16, 2), (32, 2), (64, 2))  # (filters, convolutions) per block
VGG_UNITS = 256
# GoogLeNet's table 1 (inception3a, 3b) with every width divided by 4
INCEPTION_SMALL = {
    "inception3a": (16, 24, 32, 4, 8, 8),
    "inception3b": (32, 32, 48, 8, 24, 16),
}
# ResNet: three stages of basic units with the 16-32-64 maps of its CIFAR networks (He et al.
# 2016, section 4.2), behind a stem that halves the digits as the ImageNet stem quarters photos
RESNET_STAGES = ((16, 1), (32, 1), (64, 1))  # (filters, units) per stage: 8 weight layers
# DenseNet-BC: two dense blocks of k = 12 joined by a transition, compression 0.5
DENSENET_BLOCKS, DENSENET_GROWTH = (2, 2), 12


def _dense_top(x: Any, num_classes: int, *, units: int, names: tuple[str, str, str]) -> Any:
    """AlexNet's and VGG's top: two ReLU dense layers, each with 50% dropout, then softmax."""
    for name in names[:2]:
        x = layers.Dense(units, activation="relu", name=name)(x)
        x = layers.Dropout(0.5, name=f"{name}_dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name=names[2])(x)


def _lenet5(x: Any, num_classes: int) -> Any:
    """LeNet-5 itself (ReLU, as the course's recipe), the digits padded to 32x32 as LeCun did."""
    side = max(int(x.shape[1]), int(x.shape[2]))
    x = layers.ZeroPadding2D(max(0, (LENET_SIZE - side + 1) // 2), name="pad")(x)
    lenet = build_lenet5(tuple(x.shape[1:]), num_classes, activation="relu")
    return lenet(x)


def _alexnet(x: Any, num_classes: int) -> Any:
    """AlexNet's eight weight layers: C1, C3 and C7 closed by 3x3/2 pooling, F9 and F10 with
    dropout; without LRN (``build_alexnet(lrn=False)``), which VGG found did not help."""
    pools_after = {1: "S2", 3: "S4", 7: "S8"}
    for index, (filters, kernel_size) in zip((1, 3, 5, 6, 7), ALEXNET_CONVS):
        x = layers.Conv2D(filters, kernel_size, padding="same", activation="relu",
                          name=f"C{index}")(x)
        if index in pools_after:
            x = layers.MaxPooling2D(3, strides=2, name=pools_after[index])(x)
    # C1: 28x28x12, S2: 13x13, C3: 13x13x32, S4: 6x6, C5-C7: 6x6x48/48/32, S8: 2x2x32
    x = layers.Flatten(name="S8_flatten")(x)  # 128
    return _dense_top(x, num_classes, units=ALEXNET_UNITS, names=("F9", "F10", "Out"))


def _vgg(x: Any, num_classes: int) -> Any:
    """VGG's recipe: blocks of 3x3 convolutions closed by 2x2 pooling, then dense layers."""
    for block, (filters, convolutions) in enumerate(VGG_BLOCKS, start=1):
        for index in range(1, convolutions + 1):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                              name=f"block{block}_conv{index}")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    # block1: 14 x 14 x 16, block2: 7 x 7 x 32, block3: 3 x 3 x 64
    x = layers.Flatten(name="flatten")(x)  # 576
    return _dense_top(x, num_classes, units=VGG_UNITS, names=("fc1", "fc2", "predictions"))


def _googlenet(x: Any, num_classes: int) -> Any:
    """GoogLeNet's stem, two inception modules, global average pooling, dropout 40%."""
    x = layers.Conv2D(16, 5, padding="same", activation="relu", name="conv1")(x)  # 28x28x16
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)      # 14x14x16
    x = layers.Conv2D(16, 1, activation="relu", name="conv2_reduce")(x)
    x = layers.Conv2D(48, 3, padding="same", activation="relu", name="conv2")(x)  # 14x14x48
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)      # 7 x 7 x 48
    for module, filters in INCEPTION_SMALL.items():
        x = inception_module(x, filters_1x1=filters[0], filters_3x3_reduce=filters[1],
                             filters_3x3=filters[2], filters_5x5_reduce=filters[3],
                             filters_5x5=filters[4], filters_pool_proj=filters[5], name=module, batch_norm=True)
    # 3a: 7 x 7 x 64, 3b: 7 x 7 x 120
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name="predictions")(x)


def _resnet(x: Any, num_classes: int) -> Any:
    """ResNet: a 3x3 stem and 2x2 pooling, three stages of basic units (stride 2 between)."""
    x = conv_bn_act(x, RESNET_STAGES[0][0], 3, name="stem")  # 28 x 28 x 16
    x = layers.MaxPooling2D(2, name="stem_pool")(x)          # 14 x 14 x 16
    for stage, (filters, units) in enumerate(RESNET_STAGES, start=2):
        for unit in range(1, units + 1):
            strides = 2 if stage > 2 and unit == 1 else 1
            x = residual_unit(x, filters, kind="basic", strides=strides, use_bias=False,
                              name=f"stage{stage}_block{unit}")
    # stage2: 14 x 14 x 16, stage3: 7 x 7 x 32, stage4: 4 x 4 x 64 (one unit each)
    return classifier_head(x, num_classes)


def _densenet(x: Any, num_classes: int) -> Any:
    """DenseNet-BC: a stem and 2x2 pooling, dense blocks joined by a transition, BN-ReLU."""
    x = conv_bn_act(x, 2 * DENSENET_GROWTH, 3, name="stem")        # 28 x 28 x 24
    x = layers.MaxPooling2D(2, name="stem_pool")(x)                # 14 x 14 x 24
    for index, num_layers in enumerate(DENSENET_BLOCKS, start=1):
        x = dense_block(x, num_layers, growth_rate=DENSENET_GROWTH, name=f"dense{index}")
        if index < len(DENSENET_BLOCKS):
            x = transition_block(x, reduction=0.5, name=f"transition{index}")
    # dense1: 14 x 14 x 48, transition1: 7 x 7 x 24, dense2: 7 x 7 x 48
    x = layers.BatchNormalization(name="final_bn")(x)
    x = layers.Activation("relu", name="final_relu")(x)
    return classifier_head(x, num_classes)


_STYLES: dict[str, Callable[[Any, int], Any]] = {
    "lenet5": _lenet5, "alexnet": _alexnet, "vgg": _vgg, "googlenet": _googlenet,
    "resnet": _resnet, "densenet": _densenet,
}
#: The styles of :func:`build_small_net`, oldest first.
SMALL_NET_STYLES: tuple[str, ...] = tuple(_STYLES)


def build_small_net(input_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10,
                    *, style: str, batch_norm_momentum: float = 0.9,
                    name: str | None = None) -> keras.Model:
    """Build the ``style``-style network for small images such as MNIST's 28x28 digits.

    References: LeCun et al. 1998 (LeNet-5), Krizhevsky et al. 2012 (AlexNet), Simonyan &
    Zisserman 2015 (VGG), Szegedy et al. 2015 (GoogLeNet), He et al. 2016 (ResNet, its CIFAR
    networks), Huang et al. 2017 (DenseNet-BC).

    Args:
        input_shape: ``(height, width, channels)``; height and width at least 28.
        num_classes: Number of output classes.
        style: One of ``SMALL_NET_STYLES``.
        batch_norm_momentum: Momentum of the moving averages of every batch normalisation
            (ResNet and DenseNet styles), in [0, 1). Keras' default 0.99 averages over about
            100 steps and lags behind a short training run; 0.9 follows the last ~10.
        name: Name of the model; ``None`` gives ``"{style}_small"``.

    Returns:
        A functional ``keras.Model`` that outputs class probabilities.

    Raises:
        ValueError: for an unknown ``style``, an input smaller than 28x28, ``num_classes``
            below 1 or a ``batch_norm_momentum`` outside [0, 1).

    Example:
        >>> model = build_small_net(style="lenet5")       # LeNet-5 behind 2 pixels of padding
        >>> model.count_params()
        61706
    """
    owner = "build_small_net"
    check_choice(style, param="style", owner=owner, allowed=SMALL_NET_STYLES)
    shape = check_input_shape(input_shape, owner=owner, min_size=MIN_SIZE,
                              hint=" Pad or resize the images to at least 28x28.")
    num_classes = check_num_classes(num_classes, owner=owner)
    momentum = check_number(batch_norm_momentum, param="batch_norm_momentum", owner=owner,
                            interval="[0, 1)")
    inputs = keras.Input(shape, name="input")
    model = keras.Model(inputs, _STYLES[style](inputs, num_classes),
                        name=name or f"{style}_small")
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = momentum
    return model
