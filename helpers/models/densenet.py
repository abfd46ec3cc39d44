"""DenseNet-BC: dense blocks joined by transition layers, one builder and a variant table.

Structurally identical to keras.applications.DenseNet121/169/201, so the official ImageNet
weights copy into it. Layer names follow the paper's table 1: ``stem``, ``dense1`` ...
``dense4`` (``dense2_layer5_2_conv``: the 3x3 convolution of the second block's fifth layer),
``transition1`` ... ``transition3``, ``final_bn``.

Example:
    >>> from helpers.models import build_densenet
    >>> model = build_densenet((32, 32, 3), 10, depth=121)
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

import keras
from keras import layers

from helpers._checks import (
    check_choice,
    check_classifier_options,
    check_int,
    check_number,
)
from helpers.models.blocks import (
    BN_EPSILON,
    classifier_head,
    conv_bn_act,
    dense_block,
    transition_block,
)

__all__ = ["DENSENET_VARIANTS", "build_densenet"]

# depth -> layers in dense blocks 1..4 (paper table 1, k = 32)
DENSENET_VARIANTS: dict[int, tuple[int, int, int, int]] = {
    121: (6, 12, 24, 16),
    169: (6, 12, 32, 32),
    201: (6, 12, 48, 32),
}
MIN_SIZE = 32
SIZE_HINT = ("DenseNet halves the image 5 times (stem convolution and pooling, 3 transition "
             "layers); resize the images to at least 32x32 (keras.layers.Resizing).")


def build_densenet(input_shape: tuple[int, int, int] = (224, 224, 3),
                   num_classes: int = 1000, *, depth: int = 121, growth_rate: int = 32,
                   reduction: float = 0.5, include_top: bool = True, pooling: str | None = None,
                   classifier_activation: str | None = "softmax",
                   name: str | None = None) -> keras.Model:
    """Build DenseNet-BC at one of the depths of ``DENSENET_VARIANTS``.

    Reference: G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, "Densely Connected
    Convolutional Networks", CVPR 2017 (arXiv:1608.06993).

    Args:
        input_shape: (height, width, channels); height and width at least 32.
        num_classes: classes of the Dense softmax layer (with ``include_top``).
        depth: 121, 169 or 201.
        growth_rate: channels k every layer adds (32 in the paper's ImageNet models).
        reduction: compression theta of the transition layers (0.5 for DenseNet-BC).
        include_top: end with global average pooling and the Dense classifier.
        pooling: without the top: None (feature map), ``"avg"`` or ``"max"``.
        classifier_activation: activation of the classifier (None gives logits).
        name: model name, ``"densenet{depth}"`` by default.

    Returns:
        A functional ``keras.Model`` with the layers of ``keras.applications.DenseNet121``
        (169, 201) in the same order.

    Raises:
        ValueError: for a depth not in DENSENET_VARIANTS, an input smaller than 32x32,
            ``num_classes < 1``, an unknown pooling or a reduction outside (0, 1].

    Example:
        >>> model = build_densenet(depth=121)
        >>> model.count_params()
        8062504
    """
    owner = "build_densenet"
    check_choice(depth, param="depth", owner=owner, allowed=tuple(DENSENET_VARIANTS))
    blocks = DENSENET_VARIANTS[depth]
    check_int(growth_rate, param="growth_rate", owner=owner)
    check_number(reduction, param="reduction", owner=owner, interval="(0, 1]")
    input_shape, num_classes = check_classifier_options(
        input_shape, num_classes, include_top, pooling, owner=owner, min_size=MIN_SIZE,
        hint=SIZE_HINT)
    inputs = keras.Input(input_shape, name="input")
    x = layers.ZeroPadding2D(3, name="stem_pad")(inputs)                    # 230 x 230 x 3
    x = conv_bn_act(x, 2 * growth_rate, 7, strides=2, padding="valid",
                    name="stem")                                            # 112 x 112 x 64
    x = layers.ZeroPadding2D(1, name="stem_pool_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="stem_pool")(x)              # 56 x 56 x 64
    for i, num_layers in enumerate(blocks, start=1):
        x = dense_block(x, num_layers, growth_rate=growth_rate, name=f"dense{i}")
        if i < len(blocks):
            x = transition_block(x, reduction=reduction, name=f"transition{i}")
    # DenseNet-121: 56x56x256 -> 28x28x128 | 28x28x512 -> 14x14x256 | 14x14x1024 -> 7x7x512
    #               | 7 x 7 x 1024
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="final_bn")(x)
    x = layers.Activation("relu", name="final_relu")(x)
    outputs = classifier_head(x, num_classes, include_top=include_top, pooling=pooling,
                              activation=classifier_activation)
    return keras.Model(inputs, outputs, name=name or f"densenet{depth}")
