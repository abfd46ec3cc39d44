"""helpers.vision's detection metrics: precision-recall curves and (mean) average precision.

References: hand-computed cases, and pycocotools' COCOeval (the COCO challenge's own code) run
on the same boxes at IoU 0.5, whose matching and 101-point interpolation ``"coco-101"``
reproduces; ``"all-points"`` is checked as the integral of COCOeval's own precision-recall
curve, made non-increasing, over recall.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from helpers.vision import (
    average_precision,
    iou,
    mean_average_precision,
    precision_recall_curve,
)

# --- hand cases ------------------------------------------------------------------------------


def test_a_perfect_detector_scores_one_and_a_blind_one_zero():
    truth = [[[0, 0, 2, 2], [4, 4, 6, 6]], [[1, 1, 3, 3]]]
    scores = [[0.9, 0.8], [0.7]]
    for interpolation in ("all-points", "coco-101"):
        assert average_precision(truth, truth, scores, interpolation=interpolation) == 1.0
        assert average_precision(truth, [[], []], [[], []], interpolation=interpolation) == 0.0
    assert np.isnan(average_precision([[], []], truth, scores))


def test_hand_computed_curve_and_areas():
    # 3 objects; detections by score: hit, miss, hit, duplicate of the first, miss
    truth = [[[0, 0, 10, 10], [20, 0, 30, 10]], [[0, 0, 10, 10]]]
    found = [[[0, 0, 10, 10], [50, 50, 60, 60], [20, 0, 30, 10], [1, 0, 10, 10]],
             [[40, 40, 50, 50]]]
    scores = [[0.9, 0.8, 0.7, 0.6], [0.5]]
    precision, recall, ordered = precision_recall_curve(truth, found, scores)
    np.testing.assert_allclose(precision, [1, 1 / 2, 2 / 3, 2 / 4, 2 / 5])
    np.testing.assert_allclose(recall, [1 / 3, 1 / 3, 2 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(ordered, [0.9, 0.8, 0.7, 0.6, 0.5])
    # all points: 1/3 at precision 1, then 1/3 at precision 2/3 (the best at recall >= 2/3)
    assert average_precision(truth, found, scores) == pytest.approx(1 / 3 + 1 / 3 * 2 / 3)
    # 101 points: recalls 0 .. 0.33 (34 points) at 1, 0.34 .. 0.66 (33 points) at 2/3
    assert average_precision(truth, found, scores, interpolation="coco-101") == pytest.approx(
        (34 + 33 * 2 / 3) / 101)


def test_a_duplicate_cannot_take_an_object_found_already_but_finds_a_free_neighbour():
    # the second detection overlaps the first object most, but that one is taken (COCO rule)
    truth = [[[0, 0, 10, 10], [3, 0, 13, 10]]]
    found = [[[0, 0, 10, 10], [1, 0, 11, 10]]]
    assert iou(found[0][1], truth[0][0]) > iou(found[0][1], truth[0][1]) >= 0.5
    _, recall, _ = precision_recall_curve(truth, found, [[0.9, 0.8]])
    assert recall.tolist() == [0.5, 1.0]


def test_mean_average_precision_scores_each_class_and_skips_padding_and_absent_classes():
    truth = np.array([[[0, 0, 2, 2], [5, 5, 7, 7], [-1, -1, -1, -1]]], float)   # padded
    labels = np.array([[0, 2, -1]])
    found, found_labels = [[[0, 0, 2, 2], [5, 5, 7, 7]]], [[0, 0]]
    # class 0: one hit then one false positive, AP 1; class 1: no objects, left out;
    # class 2: its object was detected as class 0, AP 0
    assert mean_average_precision(truth, labels, found, found_labels, [[0.9, 0.8]],
                                  num_classes=3) == pytest.approx(0.5)
    assert mean_average_precision(truth, labels, found, [[0, 2]], [[0.9, 0.8]]) == 1.0


@pytest.mark.parametrize("call, match", [
    (lambda: average_precision([[]], [[], []], [[], []]),
     r"'true_boxes', 'pred_boxes' and 'pred_scores' parameters of average_precision must "
     r"hold one entry per image"),
    (lambda: average_precision([[[0, 0, 1, 1]]], [[[0, 0, 1, 1]]], [[0.5, 0.4]]),
     r"'pred_scores' parameter of average_precision must hold one score per detected box; "
     r"image 0 has 1 boxes and 2 scores"),
    (lambda: average_precision([[[0, 0, 1, 1]]], [[[0, 0, 1, 1]]], [[0.5]], iou_threshold=0),
     r"'iou_threshold' parameter of average_precision must be a number in \(0, 1\]; got 0"),
    (lambda: average_precision([[0, 0, 1, 1]], [[0, 0, 1, 1]], [[0.5]]),
     r"'true_boxes' parameter of average_precision must hold one N x 4 array of boxes per "
     r"image"),
    (lambda: average_precision([[[1, 0, 0, 1]]], [[]], [[]]), r"x_min <= x_max"),
    (lambda: average_precision([[]], [[]], [[]], interpolation="11-point"),
     r"'interpolation' parameter of average_precision must be one of "
     r"\('all-points', 'coco-101'\); got '11-point'"),
    (lambda: mean_average_precision([[[0, 0, 1, 1]]], [[0.5]], [[]], [[]], [[]]),
     r"'true_labels' parameter of mean_average_precision must hold one int label per box"),
    (lambda: mean_average_precision([[[0, 0, 1, 1]]], [[3]], [[]], [[]], [[]], num_classes=3),
     r"'num_classes' parameter of mean_average_precision must exceed every label; got 3 "
     r"with label 3"),
])
def test_bad_arguments_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- against pycocotools ---------------------------------------------------------------------


def _random_detections(seed: int, images: int = 25, classes: int = 4):
    """Objects, and detections: jittered copies, duplicates and false alarms, random scores."""
    rng = np.random.default_rng(seed)
    truth, truth_labels, found, found_labels, scores = [], [], [], [], []
    for _ in range(images):
        count = rng.integers(0, 6)
        corner = rng.uniform(0, 80, size=(count, 2))
        boxes = np.concatenate([corner, corner + rng.uniform(5, 30, size=(count, 2))], axis=1)
        labels = rng.integers(0, classes, size=count)
        jittered = boxes + rng.normal(0, 3, size=boxes.shape)
        keep = rng.random(count) < 0.8
        duplicates = boxes[keep][: rng.integers(0, 3)] + rng.normal(0, 2, size=(1, 4))
        alarms_corner = rng.uniform(0, 80, size=(rng.integers(0, 4), 2))
        alarms = np.concatenate([alarms_corner, alarms_corner + 15], axis=1)
        detected = np.concatenate([jittered[keep], duplicates, alarms])
        detected = np.concatenate([np.minimum(detected[:, :2], detected[:, 2:]),
                                   np.maximum(detected[:, :2], detected[:, 2:])], axis=1)
        detected_labels = np.concatenate([
            np.where(rng.random(keep.sum()) < 0.9, labels[keep], rng.integers(0, classes)),
            labels[keep][: len(duplicates)], rng.integers(0, classes, size=len(alarms))])
        truth.append(boxes), truth_labels.append(labels)
        found.append(detected), found_labels.append(detected_labels)
        scores.append(rng.random(len(detected)))
    return truth, truth_labels, found, found_labels, scores


def _of_class(data, k):
    """True boxes, detected boxes and scores of class k, per image."""
    truth, truth_labels, found, found_labels, scores = data
    return ([b[c == k] for b, c in zip(truth, truth_labels)],
            [b[c == k] for b, c in zip(found, found_labels)],
            [s[c == k] for s, c in zip(scores, found_labels)])


def _cocoeval(truth, truth_labels, found, found_labels, scores, classes):
    """COCOeval's bbox evaluation at IoU 0.5: the evaluator (for evalImgs) and per-class AP."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def xywh(box):
        return [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]

    annotations = []
    for image, (boxes, labels) in enumerate(zip(truth, truth_labels)):
        for box, label in zip(boxes, labels):
            annotations.append({"id": len(annotations) + 1, "image_id": image + 1,
                                "category_id": int(label) + 1, "bbox": xywh(box),
                                "area": xywh(box)[2] * xywh(box)[3], "iscrowd": 0})
    dataset = {"images": [{"id": i + 1} for i in range(len(truth))], "annotations": annotations,
               "categories": [{"id": k + 1} for k in range(classes)]}
    results = [{"image_id": image + 1, "category_id": int(label) + 1, "bbox": xywh(box),
                "score": float(score)}
               for image, (boxes, labels, image_scores) in enumerate(
                   zip(found, found_labels, scores))
               for box, label, score in zip(boxes, labels, image_scores)]
    with contextlib.redirect_stdout(io.StringIO()):       # COCO prints its progress
        ground = COCO()
        ground.dataset = dataset
        ground.createIndex()
        evaluator = COCOeval(ground, ground.loadRes(results), "bbox")
        evaluator.params.iouThrs = np.array([0.5])
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval["precision"][0, :, :, 0, -1]   # (101 recalls, classes), 100 dets
    per_class = np.array([p.mean() if (p > -1).all() else np.nan for p in precision.T])
    return evaluator, per_class


@pytest.mark.parametrize("seed", range(5))
def test_coco_101_agrees_with_pycocotools(seed):
    pytest.importorskip("pycocotools")
    data = _random_detections(seed)
    _, coco_per_class = _cocoeval(*data, classes=4)
    ours = [average_precision(*_of_class(data, k), interpolation="coco-101") for k in range(4)]
    np.testing.assert_allclose(ours, coco_per_class, rtol=0, atol=1e-6)
    assert 0.2 < np.nanmean(coco_per_class) < 0.95                 # neither trivial case
    ours_map = mean_average_precision(*data, num_classes=4, interpolation="coco-101")
    assert ours_map == pytest.approx(np.nanmean(coco_per_class), abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_all_points_is_the_area_under_cocoevals_own_curve(seed):
    """COCOeval's matches give the curve; its non-increasing envelope is integrated on a grid."""
    pytest.importorskip("pycocotools")
    data = _random_detections(seed)
    evaluator, _ = _cocoeval(*data, classes=4)
    for k in range(4):
        records = [e for e in evaluator.evalImgs if e is not None and e["category_id"] == k + 1
                   and e["aRng"] == [0, 1e10] and e["maxDet"] == 100]
        matched = np.concatenate([e["dtMatches"][0] > 0 for e in records])
        dt_scores = np.concatenate([e["dtScores"] for e in records])
        hits = matched[np.argsort(-dt_scores, kind="mergesort")]
        total = sum(int((c == k).sum()) for c in data[1])
        precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        recall = np.cumsum(hits) / total
        grid = (np.arange(200_000) + 0.5) / 200_000                 # midpoints on [0, 1]
        later = np.searchsorted(recall, grid, side="left")          # first point reaching r
        envelope = np.array([precision[i:].max() if i < len(precision) else 0.0
                             for i in range(len(precision) + 1)])
        area = envelope[later].mean()
        ours = average_precision(*_of_class(data, k))
        assert ours == pytest.approx(area, abs=1e-4)
