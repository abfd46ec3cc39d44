"""A single-shot detector in the style of YOLO v1 (deck 000, "YOLO"), small enough for a CPU,
and its loss.

Example:
    >>> from helpers.models import YoloLoss, build_yolo
    >>> model = build_yolo((64, 64, 3), 6)
    >>> model.compile(optimizer="adam", loss=YoloLoss())
    >>> model.output.shape                       # an 8 x 8 grid of [objectness, x, y, w, h, 6 classes]
    (None, 8, 8, 11)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import layers, ops

from helpers._checks import (
    check_input_shape,
    check_int,
    check_num_classes,
    check_number,
    check_sizes,
)

__all__ = ["YoloLoss", "build_yolo"]


def build_yolo(
    input_shape: Sequence[int] = (64, 64, 3),
    num_classes: int = 6,
    *,
    filters: Sequence[int] = (16, 32, 64),
    head_filters: int = 64,
    name: str | None = None,
) -> keras.Model:
    """Build a single-shot detector that predicts one box per cell of an S x S grid.

    A backbone of one 3x3 convolution (ReLU) and one 2x2 max pooling per entry of
    ``filters`` (``S`` is the input side over ``2 ** len(filters)``), two 3x3 convolutions
    of ``head_filters`` on the grid, then two 1x1 convolutions: ``box`` (five sigmoids:
    objectness, the centre ``x, y`` in the cell, the width and height in the image) and
    ``classes`` (a softmax), concatenated as ``predictions``, the layout of
    ``helpers.vision.encode_grid``. Train it with :class:`YoloLoss`; read its output with
    ``helpers.vision.decode_grid`` and ``non_max_suppression``.

    YOLO v1 has 24 convolutional layers (leaky ReLU) then two fully connected ones (the last
    one outputs the 7 x 7 x 30 tensor) and two boxes per cell; this detector is fully
    convolutional (the head is a 1x1 convolution on the grid, as from YOLO v2 on), much
    smaller, and has one box per cell.

    Reference: J. Redmon, S. Divvala, R. Girshick, A. Farhadi, "You Only Look Once: Unified,
    Real-Time Object Detection", CVPR 2016.

    Args:
        input_shape: ``(height, width, channels)``, height and width divisible by
            ``2 ** len(filters)``.
        num_classes: Number of object classes ``C`` (``>= 1``).
        filters: Filters of the backbone's stages, one pooling each.
        head_filters: Filters of the two convolutions on the grid.
        name: Model name; defaults to ``"yolo"``.

    Returns:
        An uncompiled model mapping (batch, H, W, channels) to (batch, S, S, 5 + C).

    Raises:
        ValueError: If height or width is not divisible by ``2 ** len(filters)``, or a size is
            not a positive int.

    Example:
        >>> build_yolo((96, 96, 3), 3, filters=(8, 16, 32, 64)).output.shape
        (None, 6, 6, 8)
    """
    owner = "build_yolo"
    check_num_classes(num_classes, owner=owner)
    filters = check_sizes(filters, param="filters", owner=owner)
    check_int(head_filters, param="head_filters", owner=owner)
    stride = 2 ** len(filters)
    shape = check_input_shape(input_shape, owner=owner, divisible_by=stride,
                              why=f"2 ** len(filters) = {stride} (each stage halves them)")

    inputs = keras.Input(shape, name="image")
    x = inputs
    for stage, count in enumerate(filters, start=1):  # 64x64x3 -> 32x32x16 -> ... -> 8x8x64
        x = layers.Conv2D(count, 3, padding="same", activation="relu",
                          name=f"stage{stage}_conv")(x)
        x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    for i in (1, 2):  # S x S x head_filters: each cell sees beyond its own pixels
        x = layers.Conv2D(head_filters, 3, padding="same", activation="relu",
                          name=f"head{i}_conv")(x)
    box = layers.Conv2D(5, 1, activation="sigmoid", name="box")(x)
    classes = layers.Conv2D(num_classes, 1, activation="softmax", name="classes")(x)
    outputs = layers.Concatenate(name="predictions")([box, classes])
    return keras.Model(inputs, outputs, name=name or "yolo")


class YoloLoss(keras.losses.Loss):
    """YOLO v1's sum-squared error over the grid, per image.

    With ``1_obj`` 1 on the cells responsible for an object (the target's objectness) and
    ``1_noobj = 1 - 1_obj``::

        coord_weight * sum 1_obj [(x - x')^2 + (y - y')^2
                                  + (sqrt w - sqrt w')^2 + (sqrt h - sqrt h')^2]
        + sum 1_obj (1 - C')^2 + no_object_weight * sum 1_noobj (C')^2
        + sum 1_obj sum_c (p_c - p_c')^2

    The paper's confidence target is the IoU of the predicted and true boxes; here it is 1
    (the objectness of later versions), since each cell predicts one box.

    Args:
        coord_weight: ``lambda_coord``, the weight of the box terms (5 in the paper).
        no_object_weight: ``lambda_noobj``, the weight of the confidence of empty cells
            (0.5 in the paper: most cells are empty).
        name: The loss's name.

    Raises:
        ValueError: If a weight is negative.

    Example:
        >>> import numpy as np
        >>> target = np.zeros((1, 2, 2, 6), "float32")
        >>> float(YoloLoss()(target, target + 0.5))         # 4 empty cells: 0.5 * 4 * 0.25
        0.5
    """

    def __init__(self, coord_weight: float = 5.0, no_object_weight: float = 0.5,
                 name: str = "yolo_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.coord_weight = check_number(coord_weight, param="coord_weight", owner="YoloLoss",
                                         interval="[0, inf)")
        self.no_object_weight = check_number(no_object_weight, param="no_object_weight",
                                             owner="YoloLoss", interval="[0, inf)")

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.cast(y_pred, y_true.dtype)
        responsible = y_true[..., 0]
        centre = ops.sum(ops.square(y_true[..., 1:3] - y_pred[..., 1:3]), axis=-1)
        size = ops.sum(ops.square(ops.sqrt(y_true[..., 3:5])
                                  - ops.sqrt(ops.maximum(y_pred[..., 3:5], 1e-9))), axis=-1)
        confidence = ops.square(responsible - y_pred[..., 0])
        classes = ops.sum(ops.square(y_true[..., 5:] - y_pred[..., 5:]), axis=-1)
        per_cell = (responsible * (self.coord_weight * (centre + size) + confidence + classes)
                    + self.no_object_weight * (1 - responsible) * confidence)
        return ops.sum(per_cell, axis=(1, 2))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "coord_weight": self.coord_weight,
                "no_object_weight": self.no_object_weight}
