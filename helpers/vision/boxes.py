"""Boxes: their two formats (``BOX_FORMATS``), intersection over union and non-max
suppression, in NumPy (deck 000, "Classification and Localisation", "Object Detection").

Example:
    >>> BOX_FORMATS
    ('corners', 'center')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers._checks import check_choice, check_int, check_number

__all__ = ["BOX_FORMATS", "iou", "non_max_suppression"]

BOX_FORMATS = ("corners", "center")


def iou(boxes_a: Any, boxes_b: Any, *, box_format: str = "corners") -> float | np.ndarray:
    """Intersection over union of boxes: ``area(A ∩ B) / area(A ∪ B)``, from 0 to 1.

    Args:
        boxes_a: One box (4 numbers) or N boxes (an N x 4 array).
        boxes_b: One box or M boxes.
        box_format: ``"corners"`` (``x_min, y_min, x_max, y_max``) or ``"center"``
            (``cx, cy, w, h``).

    Returns:
        A float for two single boxes; an (N, M) array of every pair for two arrays of boxes;
        an (M,) or (N,) array when one side is a single box. Two boxes with no area in
        their union have IoU 0; boxes that only touch have IoU 0.

    Raises:
        ValueError: For an unknown ``box_format``, boxes that are not rows of 4 finite numbers,
            or an invalid box (``x_max < x_min``, ``y_max < y_min``, or a negative width or
            height).

    Example:
        >>> iou([0, 0, 1, 1], [[0, 0, 1, 1], [2, 2, 3, 3]]).tolist()
        [1.0, 0.0]
        >>> iou([1, 1, 2, 2], [2, 1, 2, 2], box_format="center")   # (0,0,2,2) vs (1,0,3,2)
        0.3333333333333333
    """
    check_choice(box_format, param="box_format", owner="iou", allowed=BOX_FORMATS)
    a, single_a = _as_corners(boxes_a, "boxes_a", "iou", box_format)
    b, single_b = _as_corners(boxes_b, "boxes_b", "iou", box_format)
    result = _pairwise_iou(a, b)
    if single_a and single_b:
        return float(result[0, 0])
    if single_a:
        return result[0]
    if single_b:
        return result[:, 0]
    return result


def non_max_suppression(
    boxes: Any,
    scores: Any,
    *,
    iou_threshold: float = 0.5,
    score_threshold: float = -np.inf,
    max_outputs: int | None = None,
    box_format: str = "corners",
) -> np.ndarray:
    """Greedy non-maximum suppression: keep the best box, drop the boxes that overlap it.

    Boxes with a score not above ``score_threshold`` are dropped; the others are visited in
    decreasing score (ties: lower index first). A box is kept unless its IoU with an already
    kept box is greater than ``iou_threshold``. The semantics are those of
    ``tf.image.non_max_suppression``.

    Args:
        boxes: An N x 4 array of boxes.
        scores: N scores (e.g. objectness times class probability).
        iou_threshold: Overlap above which a box is suppressed, in [0, 1].
        score_threshold: Boxes must score above it to be considered.
        max_outputs: Maximum number of boxes to keep (``None``: no limit).
        box_format: ``"corners"`` or ``"center"``.

    Returns:
        The indices of the kept boxes, in decreasing score, as an int64 array.

    Raises:
        ValueError: For invalid boxes, scores that are not one per box, an ``iou_threshold``
            outside [0, 1], or a negative ``max_outputs``.

    Example:
        >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]]
        >>> non_max_suppression(boxes, [0.6, 0.9, 0.8]).tolist()
        [1, 2]
    """
    owner = "non_max_suppression"
    check_choice(box_format, param="box_format", owner=owner, allowed=BOX_FORMATS)
    if np.ndim(boxes) != 2:
        raise ValueError(f"The 'boxes' parameter of {owner} must be an N x 4 array of boxes; "
                         f"got shape {np.shape(boxes)}.")
    corners, _ = _as_corners(boxes, "boxes", owner, box_format)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(corners),):
        raise ValueError(f"The 'scores' parameter of {owner} must hold one score per box, "
                         f"shape ({len(corners)},); got shape {scores.shape}.")
    check_number(iou_threshold, param="iou_threshold", owner=owner, interval="[0, 1]")
    limit = len(corners) if max_outputs is None else check_int(
        max_outputs, param="max_outputs", owner=owner, minimum=0, allowed="None or an int >= 0")

    order = np.argsort(-scores, kind="stable")
    order = order[scores[order] > score_threshold]
    keep: list[int] = []
    while order.size and len(keep) < limit:
        best, order = order[0], order[1:]
        keep.append(int(best))
        overlaps = _pairwise_iou(corners[best : best + 1], corners[order])[0]
        order = order[overlaps <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def _as_corners(boxes: Any, param: str, owner: str, box_format: str) -> tuple[np.ndarray, bool]:
    """Return boxes as an (N, 4) float64 array of corners, and whether a single box was given."""
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty((0, 0))
    if array.ndim not in (1, 2) or array.shape[-1] != 4 or not np.all(np.isfinite(array)):
        raise ValueError(f"The '{param}' parameter of {owner} must be one box (4 finite "
                         f"numbers) or an N x 4 array of boxes; got shape {np.shape(boxes)}.")
    single = array.ndim == 1
    array = array.reshape(-1, 4)
    if box_format == "center":
        bad = np.flatnonzero((array[:, 2] < 0) | (array[:, 3] < 0))
        if bad.size:
            raise ValueError(f"The '{param}' parameter of {owner} must have widths and heights "
                             f">= 0 (box_format='center': cx, cy, w, h); box {bad[0]} is "
                             f"{array[bad[0]].tolist()}.")
        half = array[:, 2:] / 2
        array = np.concatenate([array[:, :2] - half, array[:, :2] + half], axis=1)
    else:
        bad = np.flatnonzero((array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1]))
        if bad.size:
            raise ValueError(f"The '{param}' parameter of {owner} must have x_min <= x_max and "
                             f"y_min <= y_max (box_format='corners': x_min, y_min, x_max, "
                             f"y_max); box {bad[0]} is {array[bad[0]].tolist()}.")
    return array, single


def _pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every pair of corner boxes: (N, 4) x (M, 4) -> (N, M)."""
    left = np.maximum(a[:, None, 0], b[None, :, 0])
    top = np.maximum(a[:, None, 1], b[None, :, 1])
    right = np.minimum(a[:, None, 2], b[None, :, 2])
    bottom = np.minimum(a[:, None, 3], b[None, :, 3])
    intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)

