"""Detections: boxes with classes and scores over a grid of images, and the precision-recall
curve whose area is the average precision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers.plots.base import _array, _axes, _displayable, _subplots
from helpers.plots.masks import mask_colors

__all__ = ["plot_precision_recall", "show_detections"]


def _per_image(value: Any, name: str, count: int, width: int | None) -> list[np.ndarray]:
    """One array per image (``width`` numbers per row, or a flat array when None)."""
    if value is None:
        return [np.zeros((0, width)) if width else np.zeros(0)] * count
    if len(value) != count:
        raise ValueError(f"The {name!r} parameter of show_detections must have one entry per "
                         f"image ({count}); got {len(value)}.")
    arrays = []
    for entry in value:
        array = np.asarray(entry, dtype=np.float64)
        if width is not None:
            if array.size and (array.ndim != 2 or array.shape[1] != width):
                raise ValueError(f"The {name!r} parameter of show_detections must hold one "
                                 f"(k, {width}) array per image; got an entry of shape "
                                 f"{array.shape}.")
            array = array.reshape(-1, width)
        arrays.append(array.reshape(-1) if width is None else array)
    return arrays


def show_detections(images: Any, boxes: Sequence[Any], *, labels: Sequence[Any] | None = None,
                    scores: Sequence[Any] | None = None,
                    true_boxes: Sequence[Any] | None = None,
                    class_names: Sequence[str] | None = None, ncols: int = 4,
                    size: float = 2.6) -> Any:
    """Draw a grid of images, each with its detected boxes and, dashed, its true boxes.

    A detected box is drawn in its class's colour (``mask_colors``: class ``k`` has the
    colour of mask value ``k + 1``, as in ``show_masks``) with a caption "class score";
    boxes whose label is negative (padding, as in ``make_shapes(..., max_objects=K)``) are
    skipped. True boxes are dashed white lines; rows of -1 (padding) are skipped.

    Args:
        images: ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``.
        boxes: one ``(m_i, 4)`` array of corner boxes per image, in fractions of the image
            (``x_min, y_min, x_max, y_max``).
        labels: one array of ``m_i`` class indices per image.
        scores: one array of ``m_i`` scores per image.
        true_boxes: one ``(k_i, 4)`` array of true corner boxes per image.
        class_names: the name of each class index (captions show the index otherwise).
        ncols: images per row.
        size: side in inches of each image.

    Returns:
        The figure.

    Raises:
        ValueError: on a count that is not one entry per image, arrays of the wrong shape,
            a label without a name, or a non-positive ``ncols`` or ``size``.

    Example:
        >>> show_detections(np.zeros((2, 32, 32)), [[[0.1, 0.1, 0.5, 0.5]], []],
        ...                 labels=[[0], []], scores=[[0.9], []])  # doctest: +ELLIPSIS
        <Figure size ... with 2 Axes>
    """
    from matplotlib.patches import Rectangle

    images = _array(images, "images", "show_detections", (3, 4))
    count, height, width = images.shape[:3]
    for name, value in (("ncols", ncols), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"The {name!r} parameter of show_detections must be a positive "
                             f"number; got {value!r}.")
    found = _per_image(boxes, "boxes", count, 4)
    classes = _per_image(labels, "labels", count, None) if labels is not None else [
        np.zeros(len(b)) for b in found]
    confidence = _per_image(scores, "scores", count, None) if scores is not None else None
    truth = _per_image(true_boxes, "true_boxes", count, 4)
    largest = max((int(c.max()) for c in classes if c.size), default=0)
    if class_names is not None and largest >= len(class_names):
        raise ValueError(f"The 'class_names' parameter of show_detections must name every "
                         f"label (0 to {largest}); got {len(class_names)} names.")
    colors = mask_colors(max(largest + 2, len(class_names or []) + 1))[1:]
    pixels, scale = _displayable(images, "images", "show_detections", batch=True)
    ncols = int(min(ncols, count)) or 1
    nrows = -(-count // ncols)
    fig, axes = _subplots(nrows, ncols, (size * ncols, size * nrows))
    corner = np.array([width, height, width, height])
    for index, ax in enumerate(axes):
        ax.axis("off")
        if index >= count:
            continue
        ax.imshow(pixels[index], cmap="gray", **scale)
        for x1, y1, x2, y2 in truth[index][(truth[index] >= 0).all(axis=1)] * corner:
            ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False,
                                   edgecolor="white", linestyle="--", linewidth=1.2))
        for k, (x1, y1, x2, y2) in enumerate(found[index] * corner):
            label = int(classes[index][k])
            if label < 0:
                continue
            color = colors[label]
            ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False,
                                   edgecolor=color, linewidth=2))
            caption = class_names[label] if class_names is not None else str(label)
            if confidence is not None:
                caption += f" {confidence[index][k]:.2f}"
            ax.text(x1 - 0.5, y1 - 0.5, caption, color="white", fontsize=7, va="bottom",
                    bbox={"facecolor": color, "edgecolor": "none", "pad": 1})
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99, wspace=0.04,
                        hspace=0.04)
    return fig


def plot_precision_recall(precision: Any, recall: Any, *, label: str | None = None,
                          ax: Any = None) -> Any:
    """Draw a precision-recall curve and shade the area under its non-increasing envelope.

    The shaded area is the all-points average precision
    (``helpers.vision.average_precision(..., interpolation="all-points")``).

    Args:
        precision: precision after each detection, best score first
            (``helpers.vision.precision_recall_curve``).
        recall: recall after each detection.
        label: legend entry of the curve.
        ax: axes to draw into (several curves can share them).

    Returns:
        The figure.

    Raises:
        ValueError: if ``precision`` and ``recall`` are not 1-D arrays of the same length
            with values in [0, 1].

    Example:
        >>> plot_precision_recall([1.0, 0.5, 0.67], [0.5, 0.5, 1.0], label="disc")
        <Figure size 400x400 with 1 Axes>
    """
    precision = np.asarray(precision, dtype=np.float64)
    recall = np.asarray(recall, dtype=np.float64)
    if (precision.ndim != 1 or precision.shape != recall.shape
            or not np.all((precision >= 0) & (precision <= 1))
            or not np.all((recall >= 0) & (recall <= 1))):
        raise ValueError("The 'precision' and 'recall' parameters of plot_precision_recall "
                         "must be 1-D arrays of the same length with values in [0, 1]; got "
                         f"shapes {precision.shape} and {recall.shape}.")
    fig, ax = _axes(ax, (4.0, 4.0))
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    line, = ax.plot(recall, precision, lw=1, alpha=0.6, label=label)
    steps_recall = np.concatenate([[0.0], recall])
    steps_precision = np.concatenate([envelope[:1], envelope])
    ax.fill_between(steps_recall, steps_precision, step="pre", alpha=0.15,
                    color=line.get_color())
    ax.step(steps_recall, steps_precision, where="pre", color=line.get_color(), lw=1.5)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.05))
    if label is not None:
        ax.legend(loc="lower left", fontsize=8)
    return fig
