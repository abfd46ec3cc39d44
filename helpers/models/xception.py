"""Xception: depthwise-separable convolutions with residual connections.

Structurally identical to keras.applications.Xception, so the official ImageNet weights copy
into it. Layer names follow the paper's figure 5: ``entry1`` ... ``entry4``, ``middle1`` ...
``middle8``, ``exit1`` and ``exit2``.

Example:
    >>> from helpers.models import build_xception
    >>> model = build_xception((71, 71, 3), 10)
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from helpers._checks import check_classifier_options, check_int
from helpers.models.blocks import classifier_head, separable_conv_block

__all__ = ["build_xception"]

BN_EPSILON = 1e-3  # Keras' default, used by keras.applications.Xception
MIN_SIZE = 71
SIZE_HINT = ("Xception shrinks the image with two valid 3x3 convolutions, then halves it 4 "
             "times; resize the images to at least 71x71 (keras.layers.Resizing).")
ENTRY_FILTERS = (128, 256, 728)  # the three residual modules of the entry flow


def _projection(x: Any, filters: int, name: str) -> Any:
    """The residual branch of a downsampling module: 1x1 convolution, stride 2, batch norm."""
    x = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False,
                      name=f"{name}_shortcut_conv")(x)
    return layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_shortcut_bn")(x)


def _downsampling_module(x: Any, filters: tuple[int, int], *, first_activation: bool,
                         name: str) -> Any:
    """Entry flow module (and exit1): two separable convolutions and a 3x3/2 max pooling, plus
    a strided 1x1 projection of the input."""
    shortcut = _projection(x, filters[1], name)
    x = separable_conv_block(x, filters[0], activation="relu" if first_activation else None,
                             epsilon=BN_EPSILON, name=f"{name}_sepconv1")
    x = separable_conv_block(x, filters[1], epsilon=BN_EPSILON, name=f"{name}_sepconv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    return layers.Add(name=f"{name}_add")([x, shortcut])


def _middle_module(x: Any, *, name: str) -> Any:
    """Middle flow module: three ReLU-separable conv-BN units of 728 channels plus identity."""
    shortcut = x
    for i in range(1, 4):
        x = separable_conv_block(x, 728, epsilon=BN_EPSILON, name=f"{name}_sepconv{i}")
    return layers.Add(name=f"{name}_add")([x, shortcut])


def build_xception(input_shape: tuple[int, int, int] = (299, 299, 3),
                   num_classes: int = 1000, *, middle_blocks: int = 8, include_top: bool = True,
                   pooling: str | None = None, classifier_activation: str | None = "softmax",
                   name: str = "xception") -> keras.Model:
    """Build Xception: depthwise-separable convolutions with residual connections.

    Reference: F. Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions",
    CVPR 2017 (arXiv:1610.02357).

    Args:
        input_shape: (height, width, channels); height and width at least 71.
        num_classes: classes of the Dense softmax layer (with ``include_top``).
        middle_blocks: repetitions of the middle flow (8 in the paper and keras.applications).
        include_top: end with global average pooling and the Dense classifier.
        pooling: without the top: None (feature map), ``"avg"`` or ``"max"``.
        classifier_activation: activation of the classifier (None gives logits).
        name: model name.

    Returns:
        A functional ``keras.Model``; with the defaults it has the layers of
        ``keras.applications.Xception`` in the same order.

    Raises:
        ValueError: for an input smaller than 71x71, ``num_classes < 1``, an unknown
            pooling or ``middle_blocks < 1``.

    Example:
        >>> model = build_xception((71, 71, 1), 10, include_top=False, pooling="avg")
        >>> model.output_shape
        (None, 2048)
    """
    owner = "build_xception"
    input_shape, num_classes = check_classifier_options(
        input_shape, num_classes, include_top, pooling, owner=owner, min_size=MIN_SIZE,
        hint=SIZE_HINT)
    check_int(middle_blocks, param="middle_blocks", owner=owner)
    inputs = keras.Input(input_shape, name="input")
    # entry flow                                                          # 299 x 299 x 3
    x = layers.Conv2D(32, 3, strides=2, use_bias=False, name="entry1_conv1_conv")(inputs)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="entry1_conv1_bn")(x)
    x = layers.Activation("relu", name="entry1_conv1_relu")(x)           # 149 x 149 x 32
    x = layers.Conv2D(64, 3, use_bias=False, name="entry1_conv2_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="entry1_conv2_bn")(x)
    x = layers.Activation("relu", name="entry1_conv2_relu")(x)           # 147 x 147 x 64
    for i, filters in enumerate(ENTRY_FILTERS):
        x = _downsampling_module(x, (filters, filters), first_activation=i > 0,
                                 name=f"entry{i + 2}")
    # 74 x 74 x 128 -> 37 x 37 x 256 -> 19 x 19 x 728
    for i in range(1, middle_blocks + 1):
        x = _middle_module(x, name=f"middle{i}")                          # 19 x 19 x 728
    # exit flow
    x = _downsampling_module(x, (728, 1024), first_activation=True, name="exit1")
    x = separable_conv_block(x, 1536, activation=None, epsilon=BN_EPSILON,
                             name="exit2_sepconv1")                       # 10 x 10 x 1536
    x = separable_conv_block(x, 2048, epsilon=BN_EPSILON, name="exit2_sepconv2")
    x = layers.Activation("relu", name="exit2_relu")(x)                   # 10 x 10 x 2048
    outputs = classifier_head(x, num_classes, include_top=include_top, pooling=pooling,
                              activation=classifier_activation)
    return keras.Model(inputs, outputs, name=name)
