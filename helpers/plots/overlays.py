"""Drawings over one image: bounding boxes with captions, and heat maps such as CAMs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np

from helpers._checks import check_choice, check_number
from helpers.plots.base import _array, _axes, _displayable

__all__ = ["BOX_FORMATS", "show_boxes", "show_heatmap"]

#: Box layouts of ``show_boxes`` (Keras' spellings): corners, corners y-first, corner and
#: size, centre and size.
BOX_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh")


def _image(value: Any, function: str) -> np.ndarray:
    image = _array(value, "image", function, (2, 3, 4))
    if image.ndim == 4:
        if image.shape[0] != 1:
            raise ValueError(f"The 'image' parameter of {function} must be one image; got "
                             f"a batch of shape {image.shape}.")
        image = image[0]
    return image


def _corners(boxes: np.ndarray, box_format: str) -> np.ndarray:
    """Boxes as ``(x1, y1, x2, y2)`` rows."""
    a, b, c, d = boxes.T
    if box_format == "yxyx":
        return np.stack([b, a, d, c], axis=1)
    if box_format == "xywh":
        return np.stack([a, b, a + c, b + d], axis=1)
    if box_format == "center_xywh":
        return np.stack([a - c / 2, b - d / 2, a + c / 2, b + d / 2], axis=1)
    return boxes


def show_boxes(image: Any, boxes: Any, *, labels: Sequence[Any] | None = None,
               scores: Any = None, box_format: str = "xyxy", normalized: bool = True,
               ax: Any = None) -> Any:
    """Draw an image with bounding boxes, each captioned with its label and score.

    Coordinates run from the image's top-left corner: ``x`` to the right, ``y`` down.

    Args:
        image: ``(H, W)``, ``(H, W, C)`` or ``(1, H, W, C)``.
        boxes: ``(N, 4)`` in ``box_format``.
        labels: one caption (a class name or index) per box; one colour per label.
        scores: one confidence per box, shown after the label.
        box_format: one of ``BOX_FORMATS``.
        normalized: coordinates are fractions of the width and height (else pixels).
        ax: axes to draw into.

    Returns:
        The figure.

    Raises:
        ValueError: on an unknown format, a wrong shape or count, an inverted box, or
            normalized coordinates outside [0, 1].

    Example:
        >>> show_boxes(np.zeros((64, 64)), [[0.1, 0.2, 0.5, 0.6]], labels=["cat"])
        <Figure size 400x400 with 1 Axes>
    """
    check_choice(box_format, param="box_format", owner="show_boxes", allowed=BOX_FORMATS)
    from matplotlib.patches import Rectangle

    image = _image(image, "show_boxes")
    boxes = np.asarray(boxes if np.size(boxes) else np.zeros((0, 4)), dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"The 'boxes' parameter of show_boxes must have shape (N, 4); got "
                         f"{boxes.shape}.")
    corners = _corners(boxes, box_format)
    count = len(corners)
    for name, values in (("labels", labels), ("scores", scores)):
        if values is not None and len(values) != count:
            raise ValueError(f"The {name!r} parameter of show_boxes must have one entry per "
                             f"box ({count}); got {len(values)}.")
    if np.any(corners[:, 2:] < corners[:, :2]):
        raise ValueError(f"The 'boxes' parameter of show_boxes holds boxes whose far corner "
                         f"precedes the near one for box_format={box_format!r}; got "
                         f"{boxes[np.any(corners[:, 2:] < corners[:, :2], axis=1)].tolist()}.")
    height, width = image.shape[:2]
    if normalized:
        if np.any(corners < -1e-6) or np.any(corners > 1 + 1e-6):
            raise ValueError("The 'boxes' parameter of show_boxes must hold fractions in "
                             "[0, 1] when normalized=True; got values from "
                             f"{corners.min():g} to {corners.max():g}. Pass normalized=False "
                             "for pixel coordinates.")
        corners = corners * [width, height, width, height]
    fig, ax = _axes(ax, (4.0, 4.0 * height / width))
    shown, scale = _displayable(image, "image", "show_boxes")
    ax.imshow(shown, cmap="gray", **scale)
    ax.axis("off")
    palette = matplotlib.colormaps["tab10"]
    keys = list(dict.fromkeys(map(str, labels))) if labels is not None else []
    for i, (x1, y1, x2, y2) in enumerate(corners):
        color = palette(keys.index(str(labels[i])) % 10) if labels is not None else "red"
        # pixel i covers [i - 0.5, i + 0.5] in imshow's data coordinates
        ax.add_patch(Rectangle(
            (x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=2))
        caption = " ".join(part for part in (
            None if labels is None else str(labels[i]),
            None if scores is None else f"{float(scores[i]):.2f}") if part)
        if caption:
            ax.text(x1 - 0.5, y1 - 0.5, caption, color="white", fontsize=8, va="bottom",
                    bbox={"facecolor": color, "edgecolor": "none", "pad": 1})
    return fig


def show_heatmap(image: Any, heatmap: Any, *, alpha: float = 0.4, cmap: str = "jet",
                 extent: Sequence[float] | None = None,
                 value_range: Sequence[float] | None = None, ax: Any = None) -> Any:
    """Draw a heat map (e.g. a class activation map) stretched over an image and blended in.

    The heat map is scaled to [0, 1] (its own minimum and maximum, or ``value_range``) and
    resized with bilinear interpolation over the whole image, or over the rectangle
    ``extent`` of it, then drawn with ``alpha``.

    Args:
        image: ``(H, W)``, ``(H, W, C)`` or ``(1, H, W, C)``.
        heatmap: ``(h, w)`` of any size (singleton axes are dropped), e.g. 7x7 for 224x224.
        alpha: opacity of the heat map, in [0, 1].
        cmap: a matplotlib colormap name.
        extent: ``(left, right, bottom, top)`` in the image's pixel coordinates (pixel
            ``(row, col)`` spans ``col - 0.5`` to ``col + 0.5`` and ``row - 0.5`` to
            ``row + 0.5``), the rectangle the heat map covers, as in ``imshow``: e.g. a map
            of scores at sliding-window centres covers only the centres' range. The whole
            image, ``(-0.5, W - 0.5, H - 0.5, -0.5)``, when None.
        value_range: ``(low, high)`` drawn as the colormap's two ends (e.g. ``(0, 1)`` for
            probabilities), instead of the heat map's own minimum and maximum.
        ax: axes to draw into.

    Returns:
        The figure.

    Raises:
        ValueError: on a heat map that is not 2-D or holds NaN, an ``alpha`` outside [0, 1],
            an ``extent`` that is not four finite numbers with left < right and
            top < bottom, or a ``value_range`` that is not two finite numbers low < high.

    Example:
        >>> show_heatmap(np.zeros((32, 32)), np.eye(4))
        <Figure size 400x400 with 1 Axes>
        >>> show_heatmap(np.zeros((32, 32)), np.eye(4), extent=(8, 24, 24, 8))
        <Figure size 400x400 with 1 Axes>
    """
    image = _image(image, "show_heatmap")
    heat = np.squeeze(_array(heatmap, "heatmap", "show_heatmap", (2, 3, 4)))
    if heat.ndim != 2 or not np.all(np.isfinite(heat)):
        raise ValueError("The 'heatmap' parameter of show_heatmap must be a finite 2-D array "
                         f"(h, w); got shape {np.shape(heatmap)}"
                         f"{'' if heat.ndim != 2 else ' with NaN or inf'}.")
    alpha = check_number(alpha, param="alpha", owner="show_heatmap", interval="[0, 1]")
    covered = _numbers(extent, 4, "extent", "(left, right, bottom, top) with left < right "
                       "and top < bottom (rows grow downwards)")
    if covered is not None and not (covered[0] < covered[1] and covered[3] < covered[2]):
        raise ValueError("The 'extent' parameter of show_heatmap must be (left, right, bottom, "
                         "top) with left < right and top < bottom (rows grow downwards); got "
                         f"{tuple(extent)!r}.")
    limits = _numbers(value_range, 2, "value_range", "(low, high) with low < high")
    if limits is not None and not limits[0] < limits[1]:
        raise ValueError("The 'value_range' parameter of show_heatmap must be (low, high) "
                         f"with low < high; got {tuple(value_range)!r}.")
    low, span = (heat.min(), np.ptp(heat) or 1.0) if limits is None else (
        limits[0], limits[1] - limits[0])
    heat = (heat - low) / span
    height, width = image.shape[:2]
    fig, ax = _axes(ax, (4.0, 4.0 * height / width))
    shown, scale = _displayable(image, "image", "show_heatmap")
    ax.imshow(shown, cmap="gray", **scale)
    whole = (-0.5, width - 0.5, height - 0.5, -0.5)
    ax.imshow(heat, cmap=cmap, alpha=float(alpha), extent=covered or whole,
              interpolation="bilinear", vmin=0.0, vmax=1.0)
    ax.set(xlim=whole[:2], ylim=whole[2:])
    ax.axis("off")
    return fig


def _numbers(value: Any, count: int, name: str, allowed: str) -> tuple[float, ...] | None:
    """``value`` as ``count`` finite floats (None stays None), else a ValueError."""
    if value is None:
        return None
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        numbers = ()
    if len(numbers) != count or not all(np.isfinite(numbers)) or any(
            isinstance(v, bool) for v in value):
        raise ValueError(f"The {name!r} parameter of show_heatmap must be {allowed}; got "
                         f"{value!r}.")
    return numbers
