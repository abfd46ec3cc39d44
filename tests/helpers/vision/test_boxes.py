"""helpers.vision's boxes: IoU and non-max suppression.

References: hand-computed cases, pixel counting on rasterised boxes and TensorFlow's own
``tf.image.non_max_suppression``.
"""

from __future__ import annotations

import numpy as np
import pytest

import helpers  # noqa: F401  (quiet TensorFlow before it is imported)
from helpers.vision import iou, non_max_suppression

# --- IoU -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ([0, 0, 2, 2], [0, 0, 2, 2], 1.0),  # identical
        ([0, 0, 1, 1], [5, 5, 6, 6], 0.0),  # disjoint
        ([0, 0, 2, 2], [1, 0, 3, 2], 1 / 3),  # half of each overlaps: 2 / (4 + 4 - 2)
        ([0, 0, 1, 1], [1, 0, 2, 1], 0.0),  # touching edges
        ([0, 0, 1, 1], [1, 1, 2, 2], 0.0),  # touching corners
        ([0, 0, 4, 4], [1, 1, 3, 3], 0.25),  # contained: 4 / 16
        ([0.1, 0.2, 0.5, 0.6], [0.3, 0.4, 0.7, 0.8], 0.04 / 0.28),  # 0.2 x 0.2 / (2*0.16 - 0.04)
        ([1, 1, 1, 1], [1, 1, 1, 1], 0.0),  # empty union
    ],
)
def test_iou_hand_cases(a, b, expected):
    assert iou(a, b) == pytest.approx(expected)
    assert iou(b, a) == pytest.approx(expected)
    assert isinstance(iou(a, b), float)


def _center(corners: np.ndarray) -> np.ndarray:
    x_min, y_min, x_max, y_max = np.moveaxis(corners, -1, 0)
    return np.stack([(x_min + x_max) / 2, (y_min + y_max) / 2, x_max - x_min, y_max - y_min], -1)


def _random_integer_boxes(rng: np.random.Generator, n: int, grid: int = 24) -> np.ndarray:
    corners = rng.integers(0, grid, size=(n, 2, 2))
    corners.sort(axis=1)  # x_min <= x_max, y_min <= y_max
    return corners.transpose(0, 2, 1).reshape(n, 4)[:, [0, 2, 1, 3]].astype(float)


def test_iou_matrix_equals_pixel_counting_and_center_format():
    rng = np.random.default_rng(0)
    a, b = _random_integer_boxes(rng, 7), _random_integer_boxes(rng, 5)
    grid = np.zeros((24, 24), bool)

    def mask(box):
        m = grid.copy()
        x_min, y_min, x_max, y_max = box.astype(int)
        m[y_min:y_max, x_min:x_max] = True  # the unit pixels the box covers
        return m

    expected = np.zeros((7, 5))
    for i, box_a in enumerate(a):
        for j, box_b in enumerate(b):
            union = (mask(box_a) | mask(box_b)).sum()
            expected[i, j] = (mask(box_a) & mask(box_b)).sum() / union if union else 0.0
    matrix = iou(a, b)
    assert matrix.shape == (7, 5)
    np.testing.assert_allclose(matrix, expected)
    np.testing.assert_allclose(iou(b, a), expected.T)
    np.testing.assert_allclose(iou(_center(a), _center(b), box_format="center"), expected)
    np.testing.assert_allclose(iou(a[2], b), expected[2])
    np.testing.assert_allclose(iou(a, b[3]), expected[:, 3])


@pytest.mark.parametrize(
    "a, kwargs, match",
    [
        ([2, 0, 1, 1], {},
         r"'boxes_a' parameter of iou must have x_min <= x_max .*box 0 is \[2.0, 0.0, 1.0, 1.0\]"),
        ([[0, 0, 1, 1], [0, 3, 1, 2]], {}, r"y_min <= y_max .*box 1"),
        ([0, 0, -1, 1], dict(box_format="center"), r"widths and heights >= 0"),
        ([0, 0, 1], {},
         r"'boxes_a' parameter of iou must be one box \(4 finite numbers\) or an N x 4 array"),
        ([0, 0, np.nan, 1], {}, r"4 finite numbers"),
        ([0, 0, 1, 1], dict(box_format="xywh"),
         r"'box_format' parameter of iou must be one of \('corners', 'center'\); got 'xywh'"),
    ],
)
def test_iou_invalid_boxes(a, kwargs, match):
    with pytest.raises(ValueError, match=match):
        iou(a, [0, 0, 1, 1], **kwargs)


# --- non-max suppression -------------------------------------------------------------------


def test_nms_hand_cases():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]]
    scores = [0.6, 0.9, 0.8, 0.5]
    # IoU(1, 0) = 81 / 119 = 0.68, IoU(0, 3) = 0.9, IoU(1, 3) = 72 / 118 = 0.61.
    assert non_max_suppression(boxes, scores).tolist() == [1, 2]
    assert non_max_suppression(boxes, scores, iou_threshold=0.65).tolist() == [1, 2, 3]
    assert non_max_suppression(boxes, scores, iou_threshold=1.0).tolist() == [1, 2, 0, 3]
    assert non_max_suppression(boxes, scores, max_outputs=1).tolist() == [1]
    assert non_max_suppression(boxes, scores, score_threshold=0.8).tolist() == [1]  # strict
    # At exactly the threshold a box survives: IoU([0,0,2,1], [0,0,1,1]) = 0.5.
    pair = [[0, 0, 2, 1], [0, 0, 1, 1]]
    assert non_max_suppression(pair, [0.9, 0.8], iou_threshold=0.5).tolist() == [0, 1]
    assert non_max_suppression(pair, [0.9, 0.8], iou_threshold=0.49).tolist() == [0]
    assert non_max_suppression(pair, [0.5, 0.5], iou_threshold=0.1).tolist() == [0]  # ties
    assert non_max_suppression(np.zeros((0, 4)), []).tolist() == []
    centers = _center(np.asarray(boxes, float))
    assert non_max_suppression(centers, scores, box_format="center").tolist() == [1, 2]


@pytest.mark.parametrize("seed", range(4))
def test_nms_matches_tensorflow(seed):
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    n = 60
    xy = rng.random((n, 2), dtype=np.float32) * 80
    wh = rng.random((n, 2), dtype=np.float32) * 30 + 1
    boxes = np.concatenate([xy, xy + wh], axis=1)  # corners
    scores = rng.random(n, dtype=np.float32)
    threshold = [0.3, 0.5, 0.7, 0.1][seed]
    score_threshold = [-np.inf, 0.2, 0.0, 0.5][seed]
    max_outputs = [None, 10, 60, 5][seed]
    ours = non_max_suppression(boxes, scores, iou_threshold=threshold,
                               score_threshold=score_threshold, max_outputs=max_outputs)
    theirs = tf.image.non_max_suppression(
        boxes[:, [1, 0, 3, 2]], scores, max_output_size=n if max_outputs is None else max_outputs,
        iou_threshold=threshold, score_threshold=float(score_threshold),
    ).numpy()
    assert ours.tolist() == theirs.tolist()
    assert len(ours) > 1


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([[0, 0, 1, 1]], [0.5, 0.4]), {},
         r"'scores' parameter of non_max_suppression must hold one score per box, shape \(1,\); "
         r"got shape \(2,\)"),
        (([[0, 0, 1, 1]], [0.5]), dict(iou_threshold=1.5),
         r"'iou_threshold' .* in \[0, 1\]; got 1.5"),
        (([[0, 0, 1, 1]], [0.5]), dict(max_outputs=-1),
         r"'max_outputs' .* None or an int >= 0; got -1"),
        (([0, 0, 1, 1], [0.5]), {},
         r"'boxes' parameter of non_max_suppression must be an N x 4 array"),
        (([[1, 0, 0, 1]], [0.5]), {}, r"x_min <= x_max"),
    ],
)
def test_nms_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        non_max_suppression(*args, **kwargs)
