"""Two-stage detection (Fast and Faster R-CNN): RoI max pooling of a shared feature map, and
the anchor-relative box offsets a region proposal network predicts, in NumPy.

Example:
    >>> import numpy as np
    >>> features = np.arange(16.0).reshape(4, 4, 1)
    >>> roi_pool(features, [[0, 0, 4, 4]], output_size=2)[0, ..., 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers._checks import check_int, check_number
from helpers.vision.boxes import _as_corners

__all__ = ["apply_box_offsets", "box_offsets", "roi_pool"]


def roi_pool(features: Any, boxes: Any, *, output_size: int | tuple[int, int],
             spatial_scale: float = 1.0) -> np.ndarray:
    """RoI max pooling (Fast R-CNN): each box's part of a feature map, max-pooled to a fixed
    grid of bins, so that one head can classify regions of any size.

    A box ``(x_min, y_min, x_max, y_max)`` in image pixels covers the feature-map cells it
    overlaps once multiplied by ``spatial_scale`` (``1 / stride``): columns
    ``floor(x_min * s)`` to ``ceil(x_max * s)`` (at least one cell, clipped to the map).
    Those ``h x w`` cells are split into ``output_size`` bins, bin ``i`` of a side spanning
    cells ``floor(i * h / n)`` to ``ceil((i + 1) * h / n)`` (bins may share a cell, none is
    empty), and each bin keeps the maximum of every channel.

    Args:
        features: the feature map, ``(height, width, channels)``.
        boxes: one box or an ``N x 4`` array, corners in image pixels.
        output_size: bins per side, an int or ``(rows, columns)``.
        spatial_scale: feature-map cells per image pixel (``1/8`` after three 2 x 2 poolings).

    Returns:
        ``(N, rows, columns, channels)`` pooled features (``N = 1`` for one box).

    Raises:
        ValueError: for a feature map that is not 3-D, boxes that are not ``N x 4`` corners, a
            non-positive ``output_size`` or ``spatial_scale``.

    Example:
        >>> import numpy as np
        >>> features = np.arange(64.0).reshape(8, 8, 1)      # the feature map of stride 2
        >>> roi_pool(features, [[4, 4, 12, 12]], output_size=2, spatial_scale=0.5)[0, ..., 0]
        array([[27., 29.],
               [43., 45.]])
    """
    features = np.asarray(features)
    if features.ndim != 3 or 0 in features.shape:
        raise ValueError(f"The 'features' parameter of roi_pool must be a (height, width, "
                         f"channels) feature map; got shape {features.shape}.")
    sizes = (output_size, output_size) if isinstance(output_size, (int, np.integer)) else output_size
    if not isinstance(sizes, (tuple, list)) or len(sizes) != 2:
        raise ValueError(f"The 'output_size' parameter of roi_pool must be an int or a pair "
                         f"(rows, columns); got {output_size!r}.")
    rows, columns = (check_int(size, param="output_size", owner="roi_pool", minimum=1)
                     for size in sizes)
    check_number(spatial_scale, param="spatial_scale", owner="roi_pool", interval="(0, inf)")
    corners, _ = _as_corners(boxes, "boxes", "roi_pool", "corners")
    height, width, _ = features.shape
    pooled = np.empty((len(corners), rows, columns, features.shape[2]), dtype=features.dtype)
    for index, (x_min, y_min, x_max, y_max) in enumerate(corners * spatial_scale):
        top, bottom = _cells(y_min, y_max, height)
        left, right = _cells(x_min, x_max, width)
        row_bins = _bins(top, bottom, rows)
        column_bins = _bins(left, right, columns)
        for i, (start_row, stop_row) in enumerate(row_bins):
            for j, (start_column, stop_column) in enumerate(column_bins):
                pooled[index, i, j] = features[start_row:stop_row,
                                               start_column:stop_column].max(axis=(0, 1))
    return pooled


def _cells(low: float, high: float, size: int) -> tuple[int, int]:
    """The cells ``[start, stop)`` a box side ``[low, high]`` overlaps, at least one, clipped."""
    start = int(np.clip(np.floor(low), 0, size - 1))
    return start, int(np.clip(np.ceil(high), start + 1, size))


def _bins(start: int, stop: int, count: int) -> list[tuple[int, int]]:
    """``count`` bins over the cells ``[start, stop)``: ``[floor(i h / n), ceil((i+1) h / n))``."""
    extent = stop - start
    return [(start + int(np.floor(i * extent / count)),
             start + int(np.ceil((i + 1) * extent / count))) for i in range(count)]


def box_offsets(anchors: Any, boxes: Any) -> np.ndarray:
    """The offsets that move each anchor onto its box, as Faster R-CNN's RPN regresses them.

    With centres ``(x, y)``, widths ``w`` and heights ``h``: ``t_x = (x - x_a) / w_a``,
    ``t_y = (y - y_a) / h_a``, ``t_w = log(w / w_a)``, ``t_h = log(h / h_a)``: a shift in
    units of the anchor's size and a log-scale, so that one regressor serves anchors of
    every size.

    Args:
        anchors: N anchor boxes (corners, positive width and height).
        boxes: N target boxes (corners, positive width and height), one per anchor.

    Returns:
        ``(N, 4)`` offsets ``(t_x, t_y, t_w, t_h)``.

    Raises:
        ValueError: for boxes that are not N x 4 corners, different counts, or a box or anchor
            without area.

    Example:
        >>> box_offsets([[0, 0, 10, 10]], [[5, 0, 15, 20]]).round(3).tolist()
        [[0.5, 0.5, 0.0, 0.693]]
    """
    anchor_centres, anchor_sizes = _centres(anchors, "anchors", "box_offsets")
    centres, sizes = _centres(boxes, "boxes", "box_offsets")
    if len(centres) != len(anchor_centres):
        raise ValueError(f"The 'boxes' parameter of box_offsets must hold one box per anchor "
                         f"({len(anchor_centres)}); got {len(centres)}.")
    return np.concatenate([(centres - anchor_centres) / anchor_sizes,
                           np.log(sizes / anchor_sizes)], axis=1)


def apply_box_offsets(anchors: Any, offsets: Any) -> np.ndarray:
    """The boxes that offsets ``(t_x, t_y, t_w, t_h)`` make of anchors: the inverse of
    :func:`box_offsets`, how an RPN's regression output becomes proposals.

    Args:
        anchors: N anchor boxes (corners, positive width and height).
        offsets: ``(N, 4)`` offsets.

    Returns:
        ``(N, 4)`` boxes, corners.

    Raises:
        ValueError: for anchors that are not N x 4 corners with area, or offsets that are not
            one row of 4 finite numbers per anchor.

    Example:
        >>> apply_box_offsets([[0, 0, 10, 10]], [[0.5, 0.5, 0.0, np.log(2)]]).round(6).tolist()
        [[5.0, 0.0, 15.0, 20.0]]
    """
    anchor_centres, anchor_sizes = _centres(anchors, "anchors", "apply_box_offsets")
    offsets = np.asarray(offsets, dtype=np.float64)
    if offsets.shape != (len(anchor_centres), 4) or not np.all(np.isfinite(offsets)):
        raise ValueError(f"The 'offsets' parameter of apply_box_offsets must be one row of 4 "
                         f"finite numbers per anchor ({len(anchor_centres)}, 4); got shape "
                         f"{offsets.shape}.")
    centres = anchor_centres + offsets[:, :2] * anchor_sizes
    half = anchor_sizes * np.exp(offsets[:, 2:]) / 2
    return np.concatenate([centres - half, centres + half], axis=1)


def _centres(boxes: Any, param: str, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Centres and sizes ``(w, h)`` of corner boxes that all have an area."""
    corners, _ = _as_corners(boxes, param, owner, "corners")
    sizes = corners[:, 2:] - corners[:, :2]
    flat = np.flatnonzero((sizes <= 0).any(axis=1))
    if flat.size:
        raise ValueError(f"The '{param}' parameter of {owner} must hold boxes with a positive "
                         f"width and height; box {flat[0]} is {corners[flat[0]].tolist()}.")
    return (corners[:, :2] + corners[:, 2:]) / 2, sizes
