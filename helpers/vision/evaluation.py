"""How good a detector is: precision, recall and (mean) average precision, in NumPy.

A detection is a box with a class and a score. Over a set of images, for one class, the
detections are matched to the true boxes as COCO's evaluation does: image by image, best
score first, each detection takes the still unmatched true box it overlaps most, if their
IoU is at least ``iou_threshold``; it is then a true positive, else a false positive (a
second box on an object found already is a false positive). Sorted by score over all images,
the detections give a precision-recall curve; the **average precision** (AP) is the area
under it once precision is made non-increasing (PASCAL VOC since 2010: "all-points"), or
that precision averaged at the 101 recalls 0, 0.01, ..., 1 (COCO: "coco-101"). The **mean
average precision** (mAP) is the mean of the classes' APs.

Example:
    >>> truth = [[[0, 0, 10, 10]], [[0, 0, 10, 10]]]           # one object in each of 2 images
    >>> found = [[[1, 1, 10, 10]], [[20, 20, 30, 30]]]         # one hit, one miss
    >>> average_precision(truth, found, [[0.9], [0.8]])         # recall 0.5 at precision 1
    0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers._checks import check_choice, check_int, check_number
from helpers.vision.boxes import BOX_FORMATS, _as_corners, _pairwise_iou

__all__ = ["INTERPOLATIONS", "average_precision", "mean_average_precision",
           "precision_recall_curve"]

#: How ``average_precision`` reads the area under the curve: PASCAL VOC's or COCO's.
INTERPOLATIONS = ("all-points", "coco-101")
_COCO_RECALLS = np.linspace(0.0, 1.0, 101)


def precision_recall_curve(true_boxes: Sequence[Any], pred_boxes: Sequence[Any],
                           pred_scores: Sequence[Any], *, iou_threshold: float = 0.5,
                           box_format: str = "corners"
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall after each detection, best score first, for one class.

    Args:
        true_boxes: One array of true boxes ``(k_i, 4)`` per image (``k_i`` may be 0).
        pred_boxes: One array of detected boxes ``(m_i, 4)`` per image.
        pred_scores: One array of ``m_i`` scores per image.
        iou_threshold: The IoU a detection needs with a true box to find it, in (0, 1].
        box_format: ``"corners"`` or ``"center"`` (see ``helpers.vision.iou``).

    Returns:
        ``(precision, recall, scores)``, three arrays with one entry per detection, in
        decreasing score (ties: image order, then the order within the image): the
        precision and recall of the detections up to it, and its score. Recall is NaN
        when there are no true boxes.

    Raises:
        ValueError: For lists of different lengths (one entry per image), boxes that are
            not rows of 4 numbers, scores that are not one per box, or an
            ``iou_threshold`` outside (0, 1].

    Example:
        >>> precision, recall, _ = precision_recall_curve(
        ...     [[[0, 0, 2, 2], [5, 5, 7, 7]]], [[[0, 0, 2, 2], [9, 9, 10, 10]]], [[0.9, 0.6]])
        >>> precision.tolist(), recall.tolist()
        ([1.0, 0.5], [0.5, 0.5])
    """
    precision, recall, scores, _ = _curve("precision_recall_curve", true_boxes, pred_boxes,
                                          pred_scores, iou_threshold, box_format)
    return precision, recall, scores


def average_precision(true_boxes: Sequence[Any], pred_boxes: Sequence[Any],
                      pred_scores: Sequence[Any], *, iou_threshold: float = 0.5,
                      interpolation: str = "all-points", box_format: str = "corners") -> float:
    """Average precision of one class's detections over a set of images.

    Args:
        true_boxes: One array of true boxes ``(k_i, 4)`` per image (``k_i`` may be 0).
        pred_boxes: One array of detected boxes ``(m_i, 4)`` per image.
        pred_scores: One array of ``m_i`` scores per image.
        iou_threshold: The IoU a detection needs with a true box to find it, in (0, 1]
            (0.5: "AP50", PASCAL VOC's measure).
        interpolation: ``"all-points"`` (PASCAL VOC 2010 on: the exact area under the
            precision-recall curve made non-increasing) or ``"coco-101"`` (COCO: that
            precision averaged at the recalls 0, 0.01, ..., 1, as ``pycocotools`` computes
            it).
        box_format: ``"corners"`` or ``"center"``.

    Returns:
        The AP, from 0 to 1; NaN when there are no true boxes (COCO leaves such a class
        out, as ``mean_average_precision`` does).

    Raises:
        ValueError: As ``precision_recall_curve``, or for an unknown ``interpolation``.

    Example:
        >>> truth, found = [[[0, 0, 2, 2], [5, 5, 7, 7]]], [[[0, 0, 2, 2], [5, 5, 7, 8]]]
        >>> average_precision(truth, found, [[0.9, 0.6]])      # both found (IoU 1 and 2/3)
        1.0
        >>> average_precision(truth, found, [[0.9, 0.6]], iou_threshold=0.75)
        0.5
    """
    owner = "average_precision"
    check_choice(interpolation, param="interpolation", owner=owner, allowed=INTERPOLATIONS)
    precision, recall, _, total = _curve(owner, true_boxes, pred_boxes, pred_scores,
                                         iou_threshold, box_format)
    if total == 0:
        return float("nan")
    envelope = np.maximum.accumulate(precision[::-1])[::-1]  # best precision at this recall or more
    if interpolation == "all-points":
        steps = np.diff(recall, prepend=0.0)
        return float(np.sum(steps * envelope))
    first = np.searchsorted(recall, _COCO_RECALLS, side="left")  # first detection reaching r
    reached = first < len(recall)
    return float(np.sum(envelope[first[reached]]) / len(_COCO_RECALLS))


def mean_average_precision(true_boxes: Sequence[Any], true_labels: Sequence[Any],
                           pred_boxes: Sequence[Any], pred_labels: Sequence[Any],
                           pred_scores: Sequence[Any], *, num_classes: int | None = None,
                           iou_threshold: float = 0.5, interpolation: str = "all-points",
                           box_format: str = "corners") -> float:
    """Mean over classes of the average precision (mAP) of detections over a set of images.

    Each class is scored on its own (``average_precision``): a detection can only find a
    true box of its own class. Classes without true boxes are left out of the mean, as in
    COCO's evaluation. Rows whose label is negative are ignored, so arrays padded with -1
    (``helpers.data.make_shapes(..., max_objects=K)``) can be passed as they are.

    Args:
        true_boxes: One array of true boxes ``(k_i, 4)`` per image.
        true_labels: One array of ``k_i`` class indices per image.
        pred_boxes: One array of detected boxes ``(m_i, 4)`` per image.
        pred_labels: One array of ``m_i`` predicted class indices per image.
        pred_scores: One array of ``m_i`` scores per image.
        num_classes: Number of classes; by default one more than the largest label seen.
        iou_threshold: The IoU a detection needs to find a true box, in (0, 1].
        interpolation: ``"all-points"`` (PASCAL VOC) or ``"coco-101"`` (COCO).
        box_format: ``"corners"`` or ``"center"``.

    Returns:
        The mAP, from 0 to 1 (NaN when no class has a true box).

    Raises:
        ValueError: As ``average_precision``, for labels that are not one int per box, or
            a label not below ``num_classes``.

    Example:
        >>> truth, labels = [[[0, 0, 2, 2], [5, 5, 7, 7]]], [[0, 1]]
        >>> found, found_labels = [[[0, 0, 2, 2], [5, 5, 7, 7]]], [[0, 0]]  # 2nd: wrong class
        >>> mean_average_precision(truth, labels, found, found_labels, [[0.9, 0.8]])
        0.5
    """
    owner = "mean_average_precision"
    check_choice(interpolation, param="interpolation", owner=owner, allowed=INTERPOLATIONS)
    truths, boxes, scores = _per_image(owner, box_format, true_boxes, pred_boxes, pred_scores)
    true_classes = _labels(owner, "true_labels", true_labels, truths)
    pred_classes = _labels(owner, "pred_labels", pred_labels, boxes)
    largest = max((int(c.max()) for c in true_classes + pred_classes if c.size), default=-1)
    if num_classes is None:
        num_classes = largest + 1
    num_classes = check_int(num_classes, param="num_classes", owner=owner, minimum=0)
    if largest >= num_classes:
        raise ValueError(f"The 'num_classes' parameter of {owner} must exceed every label; "
                         f"got {num_classes} with label {largest}.")
    per_class = [
        average_precision([t[c == k] for t, c in zip(truths, true_classes)],
                          [b[c == k] for b, c in zip(boxes, pred_classes)],
                          [s[c == k] for s, c in zip(scores, pred_classes)],
                          iou_threshold=iou_threshold, interpolation=interpolation)
        for k in range(num_classes)
    ]
    found = [ap for ap in per_class if not np.isnan(ap)]
    return float(np.mean(found)) if found else float("nan")


def _curve(owner: str, true_boxes: Sequence[Any], pred_boxes: Sequence[Any],
           pred_scores: Sequence[Any], iou_threshold: float, box_format: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Precision, recall and score after each detection, and the number of true boxes."""
    truths, boxes, scores = _per_image(owner, box_format, true_boxes, pred_boxes, pred_scores)
    check_number(iou_threshold, param="iou_threshold", owner=owner, interval="(0, 1]")
    hits = [_match(t, b, s, iou_threshold) for t, b, s in zip(truths, boxes, scores)]
    all_scores = np.concatenate(scores or [np.zeros(0)])
    order = np.argsort(-all_scores, kind="mergesort")  # stable: ties keep image order
    true_positives = np.cumsum(np.concatenate(hits or [np.zeros(0, bool)])[order])
    precision = true_positives / np.arange(1, len(order) + 1)
    total = sum(len(t) for t in truths)
    recall = true_positives / total if total else np.full(len(order), np.nan)
    return precision, recall, all_scores[order], total


def _per_image(owner: str, box_format: str, true_boxes: Sequence[Any],
               pred_boxes: Sequence[Any], pred_scores: Sequence[Any]
               ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Corner boxes and scores per image, checked: one entry per image, one score per box."""
    check_choice(box_format, param="box_format", owner=owner, allowed=BOX_FORMATS)
    counts = {name: len(value) for name, value in (
        ("true_boxes", true_boxes), ("pred_boxes", pred_boxes), ("pred_scores", pred_scores))}
    if len(set(counts.values())) > 1:
        raise ValueError(f"The 'true_boxes', 'pred_boxes' and 'pred_scores' parameters of "
                         f"{owner} must hold one entry per image, as many each; got {counts}.")
    truths = [_boxes(value, "true_boxes", owner, box_format) for value in true_boxes]
    boxes = [_boxes(value, "pred_boxes", owner, box_format) for value in pred_boxes]
    scores = [np.asarray(value, dtype=np.float64).reshape(-1) for value in pred_scores]
    for image, (b, s) in enumerate(zip(boxes, scores)):
        if len(b) != len(s):
            raise ValueError(f"The 'pred_scores' parameter of {owner} must hold one score per "
                             f"detected box; image {image} has {len(b)} boxes and {len(s)} "
                             "scores.")
    return truths, boxes, scores


def _boxes(value: Any, param: str, owner: str, box_format: str) -> np.ndarray:
    """One image's boxes as an (N, 4) corner array; an empty list gives (0, 4)."""
    if np.size(value) == 0:
        return np.zeros((0, 4))
    if np.ndim(value) != 2:
        raise ValueError(f"The '{param}' parameter of {owner} must hold one N x 4 array of "
                         f"boxes per image; got an entry of shape {np.shape(value)}.")
    return _as_corners(value, param, owner, box_format)[0]


def _labels(owner: str, param: str, labels: Sequence[Any], boxes: list[np.ndarray]
            ) -> list[np.ndarray]:
    """Labels per image as int arrays, one per box (negative: padding)."""
    if len(labels) != len(boxes):
        raise ValueError(f"The '{param}' parameter of {owner} must hold one entry per image "
                         f"({len(boxes)}); got {len(labels)}.")
    result = []
    for image, (value, image_boxes) in enumerate(zip(labels, boxes)):
        array = np.asarray(value).reshape(-1)
        if len(array) != len(image_boxes) or (array.size and (
                not np.issubdtype(array.dtype, np.number)
                or np.any(array != np.round(array)))):
            raise ValueError(f"The {param!r} parameter of {owner} must hold one int label per "
                             f"box; image {image} has {len(image_boxes)} boxes and labels "
                             f"{array.tolist()}.")
        result.append(array.astype(np.int64))
    return result


def _match(truths: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
           iou_threshold: float) -> np.ndarray:
    """Whether each detection of one image finds a true box (COCO's greedy matching)."""
    hits = np.zeros(len(boxes), dtype=bool)
    if not len(truths) or not len(boxes):
        return hits
    overlaps = _pairwise_iou(boxes, truths)
    taken = np.zeros(len(truths), dtype=bool)
    for detection in np.argsort(-scores, kind="mergesort"):
        candidates = np.where(taken, -1.0, overlaps[detection])
        best = int(np.argmax(candidates))
        if candidates[best] >= iou_threshold:
            taken[best] = hits[detection] = True
    return hits
