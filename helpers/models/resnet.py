"""ResNet, SE-ResNet and ResNeXt: one generic builder and a variant table per family.

Layer names follow the paper's table 1: ``stem`` is conv1, ``stage2`` ... ``stage5`` are
conv2_x ... conv5_x, ``stage3_block2`` is the second residual unit of conv3_x. ResNet-50/101/
152 are structurally identical to keras.applications' (convolutions with biases), so the
official ImageNet weights copy into them; ResNet-18/34, SE-ResNet and ResNeXt follow
torchvision (no convolution biases), whose parameter counts are the published ones.

Example:
    >>> from helpers.models import build_resnet
    >>> model = build_resnet((32, 32, 3), 10, depth=18)
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import layers

from helpers._checks import check_choice, check_classifier_options, check_int
from helpers.models.blocks import (
    classifier_head,
    conv_bn_act,
    residual_unit,
    resnext_block,
)

__all__ = [
    "RESNET_VARIANTS",
    "RESNEXT_VARIANTS",
    "build_resnet",
    "build_resnext",
    "build_se_resnet",
]

# depth -> (kind of residual unit, units in conv2_x, conv3_x, conv4_x, conv5_x); paper table 1
RESNET_VARIANTS: dict[int, tuple[str, tuple[int, int, int, int]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
# depth -> blocks per stage; ResNeXt paper table 1 (ResNeXt-101 adds blocks to conv4 only)
RESNEXT_VARIANTS: dict[int, tuple[int, int, int, int]] = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}
STAGE_FILTERS = (64, 128, 256, 512)  # width of the 3x3 convolutions in conv2_x ... conv5_x
MIN_SIZE = 32
SIZE_HINT = ("ResNet halves the image 5 times (stem convolution and pooling, stages 3 to 5); "
             "resize the images to at least 32x32 (keras.layers.Resizing).")

Unit = Callable[[Any, int, int, str], Any]  # (x, stage index 0..3, strides, name) -> x


def _resnet(owner: str, input_shape: Any, num_classes: int, blocks: tuple[int, ...],
            unit: Unit, *, include_top: bool, pooling: str | None,
            classifier_activation: str | None, use_bias: bool, name: str) -> keras.Model:
    """The skeleton every variant shares: stem, four stages of units, classifier head."""
    input_shape, num_classes = check_classifier_options(
        input_shape, num_classes, include_top, pooling, owner=owner, min_size=MIN_SIZE,
        hint=SIZE_HINT)
    inputs = keras.Input(input_shape, name="input")
    # conv1: padded explicitly (3 pixels each side) as keras.applications does, so that the
    # outputs match exactly ("same" padding would put 2 pixels on top and 3 below)
    x = layers.ZeroPadding2D(3, name="stem_pad")(inputs)                    # 230 x 230 x 3
    x = conv_bn_act(x, 64, 7, strides=2, padding="valid", use_bias=use_bias,
                    name="stem")                                            # 112 x 112 x 64
    x = layers.ZeroPadding2D(1, name="stem_pool_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="stem_pool")(x)              # 56 x 56 x 64
    for stage, count in enumerate(blocks):
        for block in range(count):
            strides = 2 if stage > 0 and block == 0 else 1
            x = unit(x, stage, strides, f"stage{stage + 2}_block{block + 1}")
    # bottleneck: 56x56x256 -> 28x28x512 -> 14x14x1024 -> 7x7x2048 (basic: 64 ... 512 channels)
    outputs = classifier_head(x, num_classes, include_top=include_top, pooling=pooling,
                              activation=classifier_activation)
    return keras.Model(inputs, outputs, name=name)


def _check_depth(depth: Any, owner: str, variants: dict) -> int:
    return check_choice(depth, param="depth", owner=owner, allowed=tuple(variants))


def build_resnet(input_shape: tuple[int, int, int] = (224, 224, 3),
                 num_classes: int = 1000, *, depth: int = 50, include_top: bool = True,
                 pooling: str | None = None, classifier_activation: str | None = "softmax",
                 use_bias: bool | None = None, name: str | None = None) -> keras.Model:
    """Build ResNet v1 at one of the depths of ``RESNET_VARIANTS``.

    Reference: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image
    Recognition", CVPR 2016 (arXiv:1512.03385).

    Args:
        input_shape: (height, width, channels); height and width at least 32.
        num_classes: classes of the Dense softmax layer (with ``include_top``).
        depth: 18 or 34 (basic units), 50, 101 or 152 (bottleneck units).
        include_top: end with global average pooling and the Dense classifier.
        pooling: without the top: None (feature map), ``"avg"`` or ``"max"``.
        classifier_activation: activation of the classifier (None gives logits).
        use_bias: biases in the convolutions; None picks keras.applications' convention
            for 50/101/152 (biases) and torchvision's for 18/34 (none).
        name: model name, ``"resnet{depth}"`` by default.

    Returns:
        A functional ``keras.Model``; at depth 50 it has the layers of
        ``keras.applications.ResNet50`` in the same order.

    Raises:
        ValueError: for a depth not in RESNET_VARIANTS, an input smaller than 32x32,
            ``num_classes < 1`` or an unknown pooling.

    Example:
        >>> model = build_resnet((64, 64, 3), 10, depth=34)
        >>> model.count_params()
        21306826
    """
    owner = "build_resnet"
    kind, blocks = RESNET_VARIANTS[_check_depth(depth, owner, RESNET_VARIANTS)]
    bias = (kind == "bottleneck") if use_bias is None else bool(use_bias)

    def unit(x: Any, stage: int, strides: int, block_name: str) -> Any:
        return residual_unit(x, STAGE_FILTERS[stage], kind=kind, strides=strides,
                             use_bias=bias, name=block_name)

    return _resnet(owner, input_shape, num_classes, blocks, unit, include_top=include_top,
                   pooling=pooling, classifier_activation=classifier_activation,
                   use_bias=bias, name=name or f"resnet{depth}")


def build_se_resnet(input_shape: tuple[int, int, int] = (224, 224, 3),
                    num_classes: int = 1000, *, depth: int = 50, se_ratio: int = 16,
                    include_top: bool = True, pooling: str | None = None,
                    classifier_activation: str | None = "softmax", use_bias: bool = False,
                    name: str | None = None) -> keras.Model:
    """Build SE-ResNet: every residual branch is rescaled by a squeeze-and-excitation block.

    Reference: J. Hu, L. Shen, G. Sun, "Squeeze-and-Excitation Networks", CVPR 2018
    (arXiv:1709.01507), figure 3.

    Args:
        input_shape, num_classes, depth, include_top, pooling, classifier_activation, name:
            as in :func:`build_resnet`.
        se_ratio: the reduction ratio r of the squeeze-and-excitation blocks (16 in the paper).
        use_bias: biases in the convolutions (none by default).

    Returns:
        A functional ``keras.Model``.

    Raises:
        ValueError: as :func:`build_resnet`, or for an ``se_ratio`` that is not a positive int.

    Example:
        >>> model = build_se_resnet((32, 32, 3), 10, depth=18)
        >>> model.output_shape
        (None, 10)
    """
    owner = "build_se_resnet"
    kind, blocks = RESNET_VARIANTS[_check_depth(depth, owner, RESNET_VARIANTS)]
    check_int(se_ratio, param="se_ratio", owner=owner)

    def unit(x: Any, stage: int, strides: int, block_name: str) -> Any:
        return residual_unit(x, STAGE_FILTERS[stage], kind=kind, strides=strides,
                             se_ratio=se_ratio, use_bias=use_bias, name=block_name)

    return _resnet(owner, input_shape, num_classes, blocks, unit, include_top=include_top,
                   pooling=pooling, classifier_activation=classifier_activation,
                   use_bias=use_bias, name=name or f"se_resnet{depth}")


def build_resnext(input_shape: tuple[int, int, int] = (224, 224, 3),
                  num_classes: int = 1000, *, depth: int = 50, cardinality: int = 32,
                  bottleneck_width: int = 4, se_ratio: int | None = None,
                  include_top: bool = True, pooling: str | None = None,
                  classifier_activation: str | None = "softmax", use_bias: bool = False,
                  name: str | None = None) -> keras.Model:
    """Build ResNeXt: ResNet whose bottleneck 3x3 convolution is split into parallel paths.

    The 3x3 convolution is a grouped convolution of ``cardinality`` paths of
    ``bottleneck_width`` channels in conv2_x, doubling every stage.

    Reference: S. Xie, R. Girshick, P. Dollar, Z. Tu, K. He, "Aggregated Residual
    Transformations for Deep Neural Networks", CVPR 2017 (arXiv:1611.05431).

    Args:
        input_shape, num_classes, include_top, pooling, classifier_activation, use_bias:
            as in :func:`build_resnet` (no convolution biases by default, as torchvision).
        depth: 50 or 101.
        cardinality: number of paths C.
        bottleneck_width: channels d of each path in conv2_x (the "4d" of "32x4d").
        se_ratio: add squeeze-and-excitation blocks (SE-ResNeXt) with this ratio.
        name: model name, ``"resnext{depth}_{C}x{d}d"`` by default.

    Returns:
        A functional ``keras.Model``.

    Raises:
        ValueError: as :func:`build_resnet`, or for a size that is not a positive int.

    Example:
        >>> model = build_resnext((32, 32, 3), 10, depth=50, cardinality=8)
        >>> model.output_shape
        (None, 10)
    """
    owner = "build_resnext"
    blocks = RESNEXT_VARIANTS[_check_depth(depth, owner, RESNEXT_VARIANTS)]
    check_int(cardinality, param="cardinality", owner=owner)
    check_int(bottleneck_width, param="bottleneck_width", owner=owner)

    def unit(x: Any, stage: int, strides: int, block_name: str) -> Any:
        return resnext_block(x, 4 * STAGE_FILTERS[stage], cardinality=cardinality,
                             bottleneck_width=bottleneck_width * 2 ** stage, strides=strides,
                             se_ratio=se_ratio, use_bias=use_bias, name=block_name)

    default_name = f"resnext{depth}_{cardinality}x{bottleneck_width}d"
    return _resnet(owner, input_shape, num_classes, blocks, unit, include_top=include_top,
                   pooling=pooling, classifier_activation=classifier_activation,
                   use_bias=use_bias, name=name or default_name)
