"""helpers.vision's YOLO grid: encode_grid and decode_grid.

References: cells and offsets computed by hand, and the boxes of helpers.data.make_shapes,
which decoding the encoded grid must give back.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import make_shapes
from helpers.vision import decode_grid, encode_grid, iou


def test_hand_case_cell_offsets_size_and_class():
    # centre (0.625, 0.3) on a 4 x 4 grid: column 2 (0.5 to 0.75), row 1 (0.25 to 0.5)
    target = encode_grid([[1, -1]], [[[0.5, 0.2, 0.75, 0.4], [-1, -1, -1, -1]]],
                         grid_size=4, num_classes=3)
    assert target.shape == (1, 4, 4, 8) and target.dtype == np.float32
    assert target[..., 0].sum() == 1
    np.testing.assert_allclose(target[0, 1, 2], [1, 0.5, 0.2, 0.25, 0.2, 0, 1, 0], atol=1e-6)


def test_a_centre_on_the_far_border_belongs_to_the_last_cell():
    target = encode_grid([0], [[0.5, 0.5, 1.0, 1.0]], grid_size=2, num_classes=1)
    np.testing.assert_allclose(target[0, 1, 1], [1, 0.5, 0.5, 0.5, 0.5, 1])
    edge = encode_grid([0], [[1.0, 1.0, 1.0, 1.0]], grid_size=2, num_classes=1)
    assert edge[0, 1, 1, 0] == 1 and edge[0, 1, 1, 1] == pytest.approx(1.0)


def test_two_centres_in_one_cell_keep_the_larger_object():
    boxes = [[[0.1, 0.1, 0.2, 0.2], [0.0, 0.0, 0.3, 0.3], [0.12, 0.1, 0.18, 0.2]]]
    target = encode_grid([[0, 1, 2]], boxes, grid_size=2, num_classes=3)
    assert target[..., 0].sum() == 1
    np.testing.assert_allclose(target[0, 0, 0, 3:], [0.3, 0.3, 0, 1, 0], atol=1e-6)


def test_decoding_the_encoded_shapes_gives_their_boxes_and_classes_back():
    _, labels, boxes, _ = make_shapes(200, image_size=64, seed=3, max_objects=4,
                                      background="texture")
    target = encode_grid(labels, boxes, grid_size=8, num_classes=6)
    found, classes, scores = decode_grid(target)
    assert found.shape == (200, 64, 4) and classes.shape == scores.shape == (200, 64)
    assert set(np.unique(scores)) <= {0.0, 1.0}
    recovered = 0
    for image in range(200):
        truth = boxes[image][labels[image] >= 0]
        kept = scores[image] == 1
        overlaps = iou(truth, found[image][kept])                   # objects x detections
        best = overlaps.argmax(axis=1)
        exact = overlaps.max(axis=1) > 1 - 1e-6
        np.testing.assert_array_equal(classes[image][kept][best[exact]],
                                      labels[image][labels[image] >= 0][exact])
        recovered += exact.sum()
        assert kept.sum() == exact.sum()        # each responsible cell is exactly one object
    objects = (labels >= 0).sum()
    assert 0.9 * objects < recovered <= objects  # only centres sharing a cell are lost


def test_decode_scores_are_objectness_times_the_best_class_probability():
    grid = np.zeros((1, 1, 1, 8))
    grid[0, 0, 0] = [0.5, 0.5, 0.5, 2.0, 0.4, 0.2, 0.7, 0.1]   # wider than the image: clipped
    boxes, classes, scores = decode_grid(grid)
    np.testing.assert_allclose(boxes[0, 0], [0.0, 0.3, 1.0, 0.7])
    assert classes[0, 0] == 1 and scores[0, 0] == pytest.approx(0.35)


@pytest.mark.parametrize("call, match", [
    (lambda: encode_grid([[0]], [[0, 0, 1, 1]], grid_size=2, num_classes=1),
     r"'labels' and 'boxes' parameters of encode_grid must have shapes \(n, K\) and "
     r"\(n, K, 4\)"),
    (lambda: encode_grid([3], [[0, 0, 1, 1]], grid_size=2, num_classes=3),
     r"'labels' parameter of encode_grid must hold ints from -1 \(no object\) to "
     r"num_classes - 1 = 2; got values from 3 to 3"),
    (lambda: encode_grid([0], [[0, 0, 2, 2]], grid_size=2, num_classes=1),
     r"'boxes' parameter of encode_grid must hold corner boxes .* from 0 to 1"),
    (lambda: encode_grid([0], [[0, 0, 1, 1]], grid_size=0, num_classes=1),
     r"'grid_size' parameter of encode_grid must be an int >= 1; got 0"),
    (lambda: decode_grid(np.zeros((1, 2, 3, 7))),
     r"'grid' parameter of decode_grid must have shape \(n, S, S, 5 \+ C\)"),
])
def test_bad_arguments_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()
