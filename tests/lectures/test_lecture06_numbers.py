"""The numbers lecture 06 (localisation and detection) shows, against independent references.

The lecture keeps one visible check per section; the rest of its arithmetic is checked here
by hand and by Keras' own shapes and layers (the papers' numbers, YOLO v1's 7 x 7 x 30
output and Faster R-CNN's "roughly 20000" anchors, are computed in the lecture). IoU,
non-max suppression, the YOLO grid and the mean average precision are tested in
``tests/helpers/vision``; ``build_yolo`` and ``YoloLoss`` in
``tests/helpers/models/test_detection.py``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers.arithmetic import receptive_field
from helpers.models import build_yolo
from helpers.vision import iou


def test_the_worked_iou_example():
    """A = (0.1, 0.2, 0.6, 0.7), B = (0.3, 0.4, 0.9, 0.8): overlap 0.3 x 0.3 = 0.09, union
    0.25 + 0.24 - 0.09 = 0.40, IoU 0.225; the same in centre format."""
    a, b = np.array([0.1, 0.2, 0.6, 0.7]), np.array([0.3, 0.4, 0.9, 0.8])
    assert iou(a, b) == pytest.approx(0.09 / 0.40)
    centre = [np.concatenate([(box[:2] + box[2:]) / 2, box[2:] - box[:2]]) for box in (a, b)]
    assert iou(*centre, box_format="center") == pytest.approx(0.225)


@pytest.mark.parametrize("shift, expected", [(2, 4 / 28), (1, 9 / 23)])
def test_exercise_iou_by_hand(shift, expected):
    square = np.array([0, 0, 4, 4])
    assert iou(square, square + shift) == pytest.approx(expected)


def test_quick_question_boxes_twice_as_large_or_shifted_by_half():
    truth = np.array([0.4, 0.4, 0.6, 0.6])
    assert iou(truth, np.array([0.3, 0.3, 0.7, 0.7])) == pytest.approx(1 / 4)
    assert iou(truth, truth + [0.1, 0, 0.1, 0]) == pytest.approx(1 / 3)


def test_about_700_sliding_windows_per_scene():
    """32-pixel windows at stride 4 on a 128-pixel scene and on its half-size level of the
    pyramid: Keras' output size of a 32 x 32 "filter" gives 25 x 25 + 9 x 9 = 706."""
    def positions(side):
        return keras.layers.Conv2D(1, 32, strides=4).compute_output_shape(
            (None, side, side, 1))[1]

    assert (positions(128), positions(64)) == (25, 9)
    assert positions(128) ** 2 + positions(64) ** 2 == 706


def test_small_yolo_grid_and_receptive_field_read_off_the_model():
    """The lecture's 8 x 8 grid and 54-pixel receptive field, from the layers Keras built."""
    yolo = build_yolo((64, 64, 3), 6)
    kernels, strides = [], []
    for layer in yolo.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernels.append(layer.kernel_size[0])
            strides.append(layer.strides[0])
        elif isinstance(layer, keras.layers.MaxPooling2D):
            kernels.append(layer.pool_size[0])
            strides.append(layer.strides[0])
    while kernels and kernels[-1] == 1:                  # the 1 x 1 head adds nothing
        kernels.pop(), strides.pop()
    assert tuple(yolo.output.shape[1:]) == (8, 8, 11)
    assert receptive_field(kernels, strides=strides) == 54


def test_small_yolo_parameters_do_not_depend_on_the_input_size():
    """Fully convolutional (the lecture's exercise 5): grids of 12 and 16, same weights."""
    models = {side: build_yolo((side, side, 3), 6) for side in (64, 96, 128)}
    assert {side: tuple(m.output.shape[1:3]) for side, m in models.items()} == {
        64: (8, 8), 96: (12, 12), 128: (16, 16)}
    assert len({m.count_params() for m in models.values()}) == 1


def test_faster_rcnn_output_layers_have_the_papers_28_thousand_parameters():
    """"Our output layer has 2.8 x 10^4 parameters (512 x (4 + 2) x 9 for VGG-16)": two 1 x 1
    convolutions on 512 channels, 2k scores and 4k offsets for k = 9 anchors, no biases
    counted."""
    features = keras.Input((38, 50, 512))
    scores = keras.layers.Conv2D(2 * 9, 1, use_bias=False)
    offsets = keras.layers.Conv2D(4 * 9, 1, use_bias=False)
    scores(features), offsets(features)
    assert scores.count_params() + offsets.count_params() == 512 * (4 + 2) * 9 == 27_648


def test_fast_rcnn_shared_map_costs_sixteen_windows():
    """The lecture's detector convolutions ("same" 3 x 3, 16/32/64 filters, three 2 x 2
    poolings) on a 32-pixel window, by hand: 32*32*16*27 + 16*16*32*144 + 8*8*64*288; on the
    128-pixel scene each term is 16 times larger. Read off Keras' layers by model_table."""
    from helpers.arithmetic import model_table
    from helpers.models import build_localizer

    by_hand = 32 * 32 * 16 * 27 + 16 * 16 * 32 * 144 + 8 * 8 * 64 * 288
    localizer = build_localizer((32, 32, 3), 6, filters=(16, 32, 64), units=64)
    for side, windows in ((32, 1), (128, 16)):
        image = keras.Input((side, side, 3))
        features = image
        for layer in localizer.layers:
            if layer.name.startswith("block"):
                features = layer.__class__.from_config(layer.get_config())(features)
        assert model_table(keras.Model(image, features)).total_mults == windows * by_hand
