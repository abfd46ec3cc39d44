"""YOLO's grid: true boxes as the S x S x (5 + C) tensor a single-shot detector learns to
output, and that tensor back to boxes, classes and scores (NumPy only).

Cell ``(row, col)`` of an ``S x S`` grid over the image is **responsible** for the object
whose box centre falls in it. Its vector is ``[objectness, x, y, w, h, p_0, ..., p_{C-1}]``:
objectness 1 (0 for a cell without an object), the centre ``x, y`` relative to the cell (0 to
1), the width and height relative to the image (0 to 1) and the class, one-hot (J. Redmon et
al., "You Only Look Once: Unified, Real-Time Object Detection", CVPR 2016, with one box per
cell).

Example:
    >>> target = encode_grid([[1]], [[[0.5, 0.5, 1.0, 1.0]]], grid_size=2, num_classes=3)
    >>> target.shape, target[0, 1, 1].tolist()      # centre (0.75, 0.75): the cell (1, 1)
    ((1, 2, 2, 8), [1.0, 0.5, 0.5, 0.5, 0.5, 0.0, 1.0, 0.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers._checks import check_int

__all__ = ["decode_grid", "encode_grid"]


def encode_grid(labels: Any, boxes: Any, *, grid_size: int, num_classes: int) -> np.ndarray:
    """Encode each image's true boxes as the grid a single-shot detector learns to output.

    With one box per cell, a cell holding the centres of several objects keeps the largest
    object (YOLO v1's limit: the others cannot be detected).

    Args:
        labels: ``(n, K)`` class indices, -1 where an image has fewer than ``K`` objects
            (``helpers.data.make_shapes(..., max_objects=K)``), or ``(n,)`` for one object
            per image.
        boxes: ``(n, K, 4)`` (or ``(n, 4)``) corner boxes ``(x_min, y_min, x_max, y_max)`` in
            fractions of the image's width and height, from 0 to 1.
        grid_size: ``S``, the number of cells along each side.
        num_classes: ``C``, the number of classes.

    Returns:
        A float32 array ``(n, S, S, 5 + C)``.

    Raises:
        ValueError: For shapes that do not match, a label outside ``-1 .. C - 1``, boxes
            outside [0, 1] or inverted, or a size that is not a positive int.

    Example:
        >>> encode_grid([0], [[0.0, 0.0, 0.2, 0.4]], grid_size=4, num_classes=2)[0, 0, 0]
        array([1. , 0.4, 0.8, 0.2, 0.4, 1. , 0. ], dtype=float32)
    """
    owner = "encode_grid"
    grid_size = check_int(grid_size, param="grid_size", owner=owner)
    num_classes = check_int(num_classes, param="num_classes", owner=owner)
    labels = np.asarray(labels)
    boxes = np.asarray(boxes, dtype=np.float64)
    if labels.ndim == 1:
        labels, boxes = labels[:, None], boxes[:, None]
    if labels.ndim != 2 or boxes.shape != (*labels.shape, 4):
        raise ValueError(f"The 'labels' and 'boxes' parameters of {owner} must have shapes "
                         f"(n, K) and (n, K, 4) (or (n,) and (n, 4)); got {np.shape(labels)} "
                         f"and {np.shape(boxes)}.")
    if labels.size and (not np.issubdtype(labels.dtype, np.integer)
                        or labels.min() < -1 or labels.max() >= num_classes):
        raise ValueError(f"The 'labels' parameter of {owner} must hold ints from -1 (no "
                         f"object) to num_classes - 1 = {num_classes - 1}; got values from "
                         f"{labels.min()} to {labels.max()}.")
    image, slot = np.nonzero(labels >= 0)
    corners = boxes[image, slot]
    if corners.size and (corners.min() < 0 or corners.max() > 1 or np.any(
            corners[:, 2:] < corners[:, :2])):
        raise ValueError(f"The 'boxes' parameter of {owner} must hold corner boxes (x_min, "
                         "y_min, x_max, y_max) in fractions of the image, from 0 to 1, with "
                         f"x_min <= x_max and y_min <= y_max; got values from {corners.min()} "
                         f"to {corners.max()}.")
    centre = (corners[:, :2] + corners[:, 2:]) / 2
    size = corners[:, 2:] - corners[:, :2]
    col, row = np.minimum(centre * grid_size, grid_size - 1).astype(int).T
    # the largest object of each cell: sort by cell, then area, and keep each cell's last
    cell = (image * grid_size + row) * grid_size + col
    order = np.lexsort((size.prod(axis=1), cell))
    last = order[np.r_[cell[order][1:] != cell[order][:-1], True]]

    target = np.zeros((len(labels), grid_size, grid_size, 5 + num_classes), dtype=np.float32)
    where = image[last], row[last], col[last]
    target[where + (0,)] = 1.0
    target[where + (slice(1, 3),)] = centre[last] * grid_size - np.stack([col, row], 1)[last]
    target[where + (slice(3, 5),)] = size[last]
    target[where + (5 + labels[image, slot][last],)] = 1.0
    return target


def decode_grid(grid: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn a detector's grid output (or an encoded target) into boxes, classes and scores.

    Every cell gives one box; its score is objectness times the probability of its most
    likely class (YOLO's class-specific confidence). Keep the boxes you want with a score
    threshold and ``helpers.vision.non_max_suppression``.

    Args:
        grid: ``(n, S, S, 5 + C)`` as ``encode_grid`` lays it out (a single ``(S, S, 5 +
            C)`` grid is taken as ``n = 1``).

    Returns:
        ``(boxes, classes, scores)``: ``(n, S * S, 4)`` corner boxes in fractions of the
        image, clipped to [0, 1], ``(n, S * S)`` class indices and ``(n, S * S)`` scores,
        cells in row-major order.

    Raises:
        ValueError: If ``grid`` is not a square grid of vectors of at least 6 numbers.

    Example:
        >>> target = encode_grid([2], [[0.1, 0.2, 0.3, 0.6]], grid_size=3, num_classes=4)
        >>> boxes, classes, scores = decode_grid(target)
        >>> best = int(scores[0].argmax())              # centre (0.2, 0.4): the cell (1, 0)
        >>> best, boxes[0, best].round(6).tolist(), int(classes[0, best])
        (3, [0.1, 0.2, 0.3, 0.6], 2)
    """
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim == 3:
        grid = grid[None]
    if grid.ndim != 4 or grid.shape[1] != grid.shape[2] or grid.shape[3] < 6:
        raise ValueError("The 'grid' parameter of decode_grid must have shape (n, S, S, 5 + C) "
                         f"with C >= 1; got {np.shape(grid)}.")
    count, cells = grid.shape[:2]
    row, col = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
    centre_x = (col + grid[..., 1]) / cells
    centre_y = (row + grid[..., 2]) / cells
    half_w, half_h = grid[..., 3] / 2, grid[..., 4] / 2
    boxes = np.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w,
                      centre_y + half_h], axis=-1).clip(0.0, 1.0)
    probabilities = grid[..., 5:]
    classes = probabilities.argmax(axis=-1)
    scores = grid[..., 0] * probabilities.max(axis=-1)
    return (boxes.reshape(count, -1, 4), classes.reshape(count, -1),
            scores.reshape(count, -1))
