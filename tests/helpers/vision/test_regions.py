"""helpers.vision's two-stage detection parts: RoI max pooling and anchor box offsets.

References: Keras' ``MaxPooling2D`` (a box over the whole map is plain max pooling), a
brute-force pooling that tests every cell for overlap with every bin (the Fast R-CNN
definition, not the floor/ceil arithmetic of the code), hand-computed cases, and the
Faster R-CNN paper's offsets worked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

import helpers  # noqa: F401  (quiet TensorFlow before it is imported)
from helpers.vision import apply_box_offsets, box_offsets, roi_pool


def brute_force_roi_pool(features, box, rows, columns, scale):
    """Each bin: the max over every cell whose unit square overlaps the bin's continuous
    extent by a positive length on both axes (the box first snapped outward to whole cells)."""
    height, width, _ = features.shape
    x_min, y_min, x_max, y_max = np.asarray(box, float) * scale
    top = min(max(int(np.floor(y_min)), 0), height - 1)
    left = min(max(int(np.floor(x_min)), 0), width - 1)
    bottom = min(max(int(np.ceil(y_max)), top + 1), height)
    right = min(max(int(np.ceil(x_max)), left + 1), width)
    out = np.full((rows, columns, features.shape[2]), -np.inf)
    for i in range(rows):
        low_y = top + i * (bottom - top) / rows
        high_y = top + (i + 1) * (bottom - top) / rows
        for j in range(columns):
            low_x = left + j * (right - left) / columns
            high_x = left + (j + 1) * (right - left) / columns
            for r in range(height):
                for c in range(width):
                    if min(r + 1, high_y) - max(r, low_y) > 0 and \
                            min(c + 1, high_x) - max(c, low_x) > 0:
                        out[i, j] = np.maximum(out[i, j], features[r, c])
    return out


def test_whole_map_is_keras_max_pooling():
    import keras

    features = np.random.default_rng(0).normal(size=(8, 12, 3)).astype("float32")
    expected = keras.layers.MaxPooling2D(pool_size=(4, 3))(features[None]).numpy()[0]
    pooled = roi_pool(features, [0, 0, 12, 8], output_size=(2, 4))
    np.testing.assert_array_equal(pooled[0], expected)


def test_stride_maps_image_pixels_to_cells():
    features = np.arange(64.0).reshape(8, 8, 1)   # a map of stride 2: 16 x 16 pixels
    # pixels 4..12 are cells 2..6: bins of rows 2-3, 4-5 and the same columns
    pooled = roi_pool(features, [[4, 4, 12, 12]], output_size=2, spatial_scale=0.5)
    assert pooled[0, ..., 0].tolist() == [[27.0, 29.0], [43.0, 45.0]]


def test_uneven_bins_share_the_middle_cell():
    features = np.array([[1.0], [9.0], [2.0]])[:, None, :]   # 3 rows, 1 column
    # 3 cells into 2 bins: [0, 2) and [1, 3), both hold the 9
    assert roi_pool(features, [0, 0, 1, 3], output_size=(2, 1))[0, :, 0, 0].tolist() == [9, 9]
    # more bins than cells: every bin holds one cell, none is empty
    assert roi_pool(features, [0, 0, 1, 3], output_size=(6, 1))[0, :, 0, 0].tolist() == [
        1, 1, 9, 9, 2, 2]


def test_a_box_beyond_the_map_is_clipped_and_keeps_one_cell():
    features = np.arange(16.0).reshape(4, 4, 1)
    assert roi_pool(features, [-8, -8, 40, 40], output_size=1)[0, 0, 0, 0] == 15
    assert roi_pool(features, [100, 100, 120, 120], output_size=1)[0, 0, 0, 0] == 15
    assert roi_pool(features, [1.2, 1.2, 1.3, 1.3], output_size=2)[0, ..., 0].tolist() == [
        [5, 5], [5, 5]]


@pytest.mark.parametrize("seed", range(6))
def test_random_boxes_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rng.integers(3, 12), rng.integers(3, 12), 2))
    scale = float(rng.choice([1.0, 0.5, 0.125]))
    image = np.array(features.shape[1::-1]) / scale          # width, height in pixels
    points = rng.uniform(-0.1, 1.1, (5, 2, 2)) * image        # two corners per box
    boxes = np.concatenate([points.min(axis=1), points.max(axis=1)], axis=1)
    rows, columns = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    pooled = roi_pool(features, boxes, output_size=(rows, columns), spatial_scale=scale)
    assert pooled.shape == (5, rows, columns, 2)
    for box, got in zip(boxes, pooled):
        np.testing.assert_array_equal(got, brute_force_roi_pool(features, box, rows, columns,
                                                                scale))


@pytest.mark.parametrize("kwargs, match", [
    (dict(features=np.zeros((4, 4)), boxes=[0, 0, 1, 1], output_size=2),
     r"'features' parameter of roi_pool must be a \(height, width, channels\) feature map; "
     r"got shape \(4, 4\)"),
    (dict(features=np.zeros((4, 4, 1)), boxes=[0, 0, 1], output_size=2),
     r"'boxes' parameter of roi_pool must be one box \(4 finite numbers\)"),
    (dict(features=np.zeros((4, 4, 1)), boxes=[2, 0, 1, 1], output_size=2),
     r"'boxes' parameter of roi_pool must have x_min <= x_max"),
    (dict(features=np.zeros((4, 4, 1)), boxes=[0, 0, 1, 1], output_size=0),
     r"'output_size' parameter of roi_pool must be an int >= 1; got 0"),
    (dict(features=np.zeros((4, 4, 1)), boxes=[0, 0, 1, 1], output_size=(2, 2, 2)),
     r"'output_size' parameter of roi_pool must be an int or a pair \(rows, columns\)"),
    (dict(features=np.zeros((4, 4, 1)), boxes=[0, 0, 1, 1], output_size=2, spatial_scale=-1),
     r"'spatial_scale' parameter of roi_pool must be a number in \(0, inf\); got -1"),
])
def test_roi_pool_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        roi_pool(**kwargs)


def test_offsets_by_hand():
    """Anchor: centre (5, 5), 10 x 10. Box: centre (10, 10), 10 x 20. t = (0.5, 0.5, 0,
    log 2) (Ren et al. 2015, eq. 2)."""
    offsets = box_offsets([[0, 0, 10, 10]], [[5, 0, 15, 20]])
    np.testing.assert_allclose(offsets, [[0.5, 0.5, 0.0, np.log(2)]])
    np.testing.assert_allclose(box_offsets([[0, 0, 4, 2]], [[0, 0, 4, 2]]), [[0, 0, 0, 0]])


def test_offsets_round_trip_and_are_scale_free():
    rng = np.random.default_rng(3)
    anchors = np.concatenate([rng.uniform(0, 50, (20, 2)), rng.uniform(60, 100, (20, 2))], 1)
    boxes = np.concatenate([rng.uniform(0, 50, (20, 2)), rng.uniform(60, 100, (20, 2))], 1)
    offsets = box_offsets(anchors, boxes)
    np.testing.assert_allclose(apply_box_offsets(anchors, offsets), boxes, atol=1e-9)
    # the same picture 3 times larger: the same offsets
    np.testing.assert_allclose(box_offsets(3 * anchors, 3 * boxes), offsets, atol=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: box_offsets([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 2, 2]]),
     r"'boxes' parameter of box_offsets must hold one box per anchor \(1\); got 2"),
    (lambda: box_offsets([[0, 0, 0, 1]], [[0, 0, 1, 1]]),
     r"'anchors' parameter of box_offsets must hold boxes with a positive width and height; "
     r"box 0 is \[0.0, 0.0, 0.0, 1.0\]"),
    (lambda: apply_box_offsets([[0, 0, 1, 1]], [[0, 0, 0]]),
     r"'offsets' parameter of apply_box_offsets must be one row of 4 finite numbers per "
     r"anchor \(1, 4\); got shape \(1, 3\)"),
    (lambda: apply_box_offsets([[0, 0, 1, 1]], [[0, 0, np.inf, 0]]),
     r"'offsets' parameter of apply_box_offsets must be one row of 4 finite numbers"),
])
def test_offsets_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
