"""Dense prediction: U-Net (deck 004, "U-net (2015)") and the fully convolutional network
(deck 000, "Fully Convolutional Networks (FCNs)").

Example:
    >>> from helpers.models import build_unet, build_fcn
    >>> build_unet((64, 64, 3), 3, base_filters=16).output.shape
    (None, 64, 64, 3)
    >>> fcn = build_fcn((None, None, 3), 10, window_size=32)
    >>> fcn.compute_output_shape((1, 64, 64, 3))
    (1, 9, 9, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import layers

from helpers._checks import (
    check_bool,
    check_input_shape,
    check_int,
    check_num_classes,
    check_sizes,
)

__all__ = ["build_fcn", "build_unet", "fcn_output_size"]


def build_unet(
    input_shape: Sequence[int | None] = (64, 64, 3),
    num_classes: int = 2,
    *,
    base_filters: int = 64,
    depth: int = 4,
    batch_norm: bool = False,
    name: str | None = None,
) -> keras.Model:
    """Build a U-Net for semantic segmentation: one softmax over classes per pixel.

    Contracting path: ``depth`` levels of two 3x3 convolutions (ReLU) and a 2x2 max pooling,
    the filters doubling from ``base_filters``; the bottom level has ``base_filters * 2 **
    depth``. Expanding path: per level a 2x2 up-convolution, the concatenation with the
    contracting path's map of the same size (the skip connection) and two 3x3 convolutions;
    then a 1x1 convolution with a softmax. Unlike the paper, convolutions use
    ``padding="same"``, so the output keeps the input's size; the layers and parameter counts
    are the paper's (``depth=4, base_filters=64``).

    Reference: O. Ronneberger, P. Fischer, T. Brox, "U-Net: Convolutional Networks for
    Biomedical Image Segmentation", MICCAI 2015.

    Args:
        input_shape: ``(height, width, channels)``; height and width must be divisible by
            ``2 ** depth`` (``None`` sides are checked when the model is called).
        num_classes: Number of classes of each pixel (``>= 1``).
        base_filters: Filters of the first level (64 in the paper; 16 trains quickly).
        depth: Number of poolings (4 in the paper).
        batch_norm: Conv-BN-ReLU (convolutions without bias) instead of Conv-ReLU; not in
            the paper.
        name: Model name; defaults to ``"unet"``.

    Returns:
        An uncompiled model mapping (batch, H, W, C) to (batch, H, W, num_classes)
        probabilities; train it with ``sparse_categorical_crossentropy`` on integer masks.

    Raises:
        ValueError: If height or width is not divisible by ``2 ** depth``, or a size is not a
            positive int.
        TypeError: If ``batch_norm`` is not a bool.

    Example:
        >>> model = build_unet((32, 32, 1), 2, base_filters=8, depth=3)
        >>> [layer.name for layer in model.layers][-4:]
        ['up1_concat', 'up1_conv1', 'up1_conv2', 'predictions']
    """
    owner = "build_unet"
    check_int(base_filters, param="base_filters", owner=owner)
    check_int(depth, param="depth", owner=owner)
    check_bool(batch_norm, param="batch_norm", owner=owner)
    shape = check_input_shape(input_shape, owner=owner, unknown_sides=True)
    check_num_classes(num_classes, owner=owner)
    factor = 2**depth
    for side in shape[:2]:
        if side is not None and side % factor:
            raise ValueError(
                f"The 'input_shape' parameter of {owner} must have height and width divisible "
                f"by 2 ** depth = {factor} (each of the {depth} poolings halves them and the "
                f"up-convolutions double them back); got {tuple(input_shape)!r}. Resize or "
                "pad the images, or lower 'depth'."
            )

    inputs = keras.Input(shape, name="image")
    x = inputs
    skips = []
    for level in range(1, depth + 1):  # e.g. 64x64xF -> 32x32x2F -> ... (F = base_filters)
        filters = base_filters * 2 ** (level - 1)
        x = _double_conv(x, filters, f"down{level}", batch_norm)
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"down{level}_pool")(x)
    # the bottom of the U: (H / 2**depth) x (W / 2**depth) x 2**depth F
    x = _double_conv(x, base_filters * 2**depth, "bottom", batch_norm)
    for level in range(depth, 0, -1):  # up{level} concatenates down{level}'s maps
        filters = base_filters * 2 ** (level - 1)
        skip = skips[level - 1]
        x = layers.Conv2DTranspose(filters, 2, strides=2, name=f"up{level}_upconv")(x)
        x = layers.Concatenate(name=f"up{level}_concat")([skip, x])
        x = _double_conv(x, filters, f"up{level}", batch_norm)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name or "unet")


def _double_conv(x: Any, filters: int, prefix: str, batch_norm: bool = False) -> Any:
    for i in (1, 2):
        if not batch_norm:
            x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                              name=f"{prefix}_conv{i}")(x)
            continue
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False,
                          name=f"{prefix}_conv{i}")(x)
        x = layers.BatchNormalization(name=f"{prefix}_bn{i}")(x)
        x = layers.ReLU(name=f"{prefix}_relu{i}")(x)
    return x


def build_fcn(
    input_shape: Sequence[int | None] = (None, None, 3),
    num_classes: int = 10,
    *,
    window_size: int | None = 32,
    filters: Sequence[int] = (32, 64),
    units: int = 128,
    name: str | None = None,
) -> keras.Model:
    """Build a fully convolutional classifier that slides over images larger than its window.

    For each entry of ``filters``: a valid 3x3 convolution (ReLU) and a 2x2 max pooling. Then
    the dense layers as convolutions: ``fc6`` has a kernel as large as a window's feature map,
    ``fc7`` and ``predictions`` are 1x1. A ``window_size`` image gives one 1x1 cell (the
    classifier's output); a larger image gives one cell per window position, cell (i, j)
    being the output on the crop at ``(i, j) * 2 ** len(filters)``.

    Reference: J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for Semantic
    Segmentation", CVPR 2015; P. Sermanet et al., "OverFeat", ICLR 2014 (sliding windows as
    convolutions).

    Args:
        input_shape: ``(height, width, channels)``; ``None`` sides accept any size at least
            ``window_size``.
        num_classes: Number of classes (``>= 1``).
        window_size: Side of the square image the network classifies as a whole (the
            training image size). ``None`` uses the sides of ``input_shape``.
        filters: Filters of the convolution + pooling stages.
        units: Channels of ``fc6`` and ``fc7`` (the dense layers' widths).
        name: Model name; defaults to ``"fcn"``.

    Returns:
        An uncompiled model mapping (batch, H, W, C) to (batch, H', W', num_classes)
        probabilities. Train it on window-sized images with labels of shape (batch, 1, 1).

    Raises:
        ValueError: If ``window_size`` is too small for the stages, is missing while
            ``input_shape`` has ``None`` sides, or exceeds a known input side.

    Example:
        >>> model = build_fcn((32, 32, 3), 10)
        >>> model.output.shape
        (None, 1, 1, 10)
    """
    owner = "build_fcn"
    shape = check_input_shape(input_shape, owner=owner, unknown_sides=True)
    check_num_classes(num_classes, owner=owner)
    check_int(units, param="units", owner=owner)
    filters = check_sizes(filters, param="filters", owner=owner)
    if window_size is None:
        if shape[0] is None or shape[1] is None or shape[0] != shape[1]:
            raise ValueError(
                f"The 'window_size' parameter of {owner} may be None only when input_shape "
                f"has equal, known height and width; got None with input_shape {shape!r}."
            )
        window_size = shape[0]
    check_int(window_size, param="window_size", owner=owner)
    kernel = _feature_side(window_size, len(filters))
    if kernel < 1:
        smallest = next(s for s in range(1, 10_000) if _feature_side(s, len(filters)) >= 1)
        raise ValueError(
            f"The 'window_size' parameter of {owner} must be at least {smallest} for "
            f"{len(filters)} stages of 3x3 convolution and 2x2 pooling; got {window_size}."
        )
    too_small = [side for side in shape[:2] if side is not None and side < window_size]
    if too_small:
        raise ValueError(
            f"The 'input_shape' parameter of {owner} must have sides of at least window_size "
            f"= {window_size}; got {tuple(input_shape)!r}."
        )

    inputs = keras.Input(shape, name="image")
    x = inputs
    for i, count in enumerate(filters, start=1):
        x = layers.Conv2D(count, 3, activation="relu", name=f"block{i}_conv")(x)
        x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    # The dense layers as convolutions: a window's k x k map -> 1 x 1 x units.
    x = layers.Conv2D(units, kernel, activation="relu", name="fc6")(x)
    x = layers.Conv2D(units, 1, activation="relu", name="fc7")(x)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name or "fcn")


def fcn_output_size(side: int, *, window_size: int = 32, stages: int = 2) -> int:
    """Return the number of cells along one side of ``build_fcn``'s output for ``side``.

    Example:
        >>> fcn_output_size(32), fcn_output_size(64)
        (1, 9)
    """
    return _feature_side(side, stages) - _feature_side(window_size, stages) + 1


def _feature_side(side: int, stages: int) -> int:
    for _ in range(stages):
        side = (side - 2) // 2
    return side
