"""MobileNet (v1): a stack of depthwise-separable convolutions, thinned by a width multiplier.

Structurally identical to keras.applications.MobileNet, so the official ImageNet weights copy
into it. Layer names follow the paper's table 1: ``stem`` is the first full convolution,
``block1`` ... ``block13`` the depthwise-separable units (``block7_dw_conv``,
``block7_pw_conv``, ...); the classifier is a 1x1 convolution (``logits_conv``) on the
globally pooled map, reshaped to ``logits``.

Example:
    >>> from helpers.models import build_mobilenet
    >>> model = build_mobilenet((128, 128, 3), 1000, alpha=0.25)
    >>> model.count_params()
    475544
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from helpers._checks import check_classifier_options, check_int, check_number
from helpers.models.blocks import classifier_head, conv_bn_act, depthwise_separable_block

__all__ = ["MOBILENET_BLOCKS", "build_mobilenet"]

BN_EPSILON = 1e-3  # Keras' default, used by keras.applications.MobileNet
MIN_SIZE = 32
SIZE_HINT = ("MobileNet halves the image 5 times; resize the images to at least 32x32 "
             "(keras.layers.Resizing).")
STEM_FILTERS = 32
# (pointwise filters, strides) of the 13 depthwise-separable units; paper table 1
MOBILENET_BLOCKS: tuple[tuple[int, int], ...] = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)


def _classifier(x: Any, num_classes: int, dropout: float, activation: str | None) -> Any:
    """keras.applications' top: pooled map, dropout, 1x1 convolution, flattened logits."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name="avg_pool")(x)       # 1 x 1 x C
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Conv2D(num_classes, 1, padding="same", name="logits_conv")(x)
    x = layers.Reshape((num_classes,), name="logits")(x)
    return layers.Activation(activation, name="predictions")(x)


def build_mobilenet(input_shape: tuple[int, int, int] = (224, 224, 3),
                    num_classes: int = 1000, *, alpha: float = 1.0, depth_multiplier: int = 1,
                    dropout: float = 1e-3, include_top: bool = True,
                    pooling: str | None = None, classifier_activation: str | None = "softmax",
                    name: str = "mobilenet") -> keras.Model:
    """Build MobileNet v1: a strided convolution, then 13 depthwise-separable units.

    Every layer's number of filters is ``int(filters * alpha)`` (the width multiplier): the
    parameters and multiplications shrink about as ``alpha ** 2``.

    Reference: A. G. Howard, M. Zhu, B. Chen, D. Kalenichenko, W. Wang, T. Weyand,
    M. Andreetto, H. Adam, "MobileNets: Efficient Convolutional Neural Networks for Mobile
    Vision Applications", arXiv:1704.04861 (2017).

    Args:
        input_shape: (height, width, channels); height and width at least 32.
        num_classes: classes of the classifier (with ``include_top``).
        alpha: the width multiplier (ImageNet weights exist for 0.25, 0.5, 0.75 and 1.0).
        depth_multiplier: depthwise output channels per input channel.
        dropout: dropout rate before the classifier, in [0, 1).
        include_top: end with global average pooling and the 1x1-convolution classifier.
        pooling: without the top: None (feature map), ``"avg"`` or ``"max"``.
        classifier_activation: activation of the classifier (None gives logits).
        name: model name.

    Returns:
        A functional ``keras.Model``; it has the layers of ``keras.applications.MobileNet``
        with the same options, in the same order.

    Raises:
        ValueError: for an input smaller than 32x32, ``num_classes < 1``, an unknown pooling,
            an ``alpha`` that leaves a layer without filters, a ``depth_multiplier`` that is
            not a positive int or a ``dropout`` outside [0, 1).

    Example:
        >>> model = build_mobilenet((64, 64, 1), alpha=0.5, include_top=False, pooling="avg")
        >>> model.output_shape
        (None, 512)
    """
    owner = "build_mobilenet"
    input_shape, num_classes = check_classifier_options(
        input_shape, num_classes, include_top, pooling, owner=owner, min_size=MIN_SIZE,
        hint=SIZE_HINT)
    check_number(alpha, param="alpha", owner=owner, interval="(0, inf)")
    if int(STEM_FILTERS * alpha) < 1:
        raise ValueError(f"The 'alpha' parameter of {owner} must be at least "
                         f"1/{STEM_FILTERS} (the stem's {STEM_FILTERS} filters times alpha "
                         f"must leave one); got {alpha!r}.")
    check_int(depth_multiplier, param="depth_multiplier", owner=owner)
    dropout = check_number(dropout, param="dropout", owner=owner, interval="[0, 1)")
    inputs = keras.Input(input_shape, name="input")                           # 224 x 224 x 3
    x = conv_bn_act(inputs, int(STEM_FILTERS * alpha), 3, strides=2, activation="relu6",
                    epsilon=BN_EPSILON, name="stem")                          # 112 x 112 x 32a
    for index, (filters, strides) in enumerate(MOBILENET_BLOCKS, start=1):
        x = depthwise_separable_block(x, int(filters * alpha), strides=strides,
                                      depth_multiplier=depth_multiplier, epsilon=BN_EPSILON,
                                      name=f"block{index}")
    # block1: 112 x 112 x 64a, block2-3: 56 x 56 x 128a, block4-5: 28 x 28 x 256a,
    # block6-11: 14 x 14 x 512a, block12-13: 7 x 7 x 1024a
    if include_top:
        outputs = _classifier(x, num_classes, dropout, classifier_activation)
    else:
        outputs = classifier_head(x, num_classes, include_top=False, pooling=pooling)
    return keras.Model(inputs, outputs, name=name)
