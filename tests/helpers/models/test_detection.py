"""helpers.models.build_yolo and YoloLoss.

References: Keras' own parameter count of the same layers assembled by hand, and YOLO v1's
loss written out in NumPy from the paper's formula.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers.models import YoloLoss, build_yolo


def test_output_is_the_grid_of_objectness_box_and_class_probabilities():
    model = build_yolo((64, 64, 3), 6)
    assert model.output.shape == (None, 8, 8, 11)
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    out = model.predict(np.random.default_rng(0).random((2, 64, 64, 3)), verbose=0)
    assert out.min() >= 0 and out[..., :5].max() <= 1
    np.testing.assert_allclose(out[..., 5:].sum(axis=-1), 1.0, rtol=1e-5)


def test_parameter_count_matches_the_same_layers_assembled_by_hand():
    reference = keras.Sequential([keras.Input((48, 48, 3))])
    for filters in (8, 16):
        reference.add(keras.layers.Conv2D(filters, 3, padding="same"))
        reference.add(keras.layers.MaxPooling2D(2))
    for _ in range(2):
        reference.add(keras.layers.Conv2D(32, 3, padding="same"))
    reference.add(keras.layers.Conv2D(5 + 4, 1))        # box and classes: one 1x1 conv's worth
    model = build_yolo((48, 48, 3), 4, filters=(8, 16), head_filters=32)
    assert model.output.shape == (None, 12, 12, 9)
    assert model.count_params() == reference.count_params()


def _loss_by_hand(y_true, y_pred, coord=5.0, noobj=0.5):
    total = np.zeros(len(y_true))
    for n in range(len(y_true)):
        for row in range(y_true.shape[1]):
            for col in range(y_true.shape[2]):
                t, p = y_true[n, row, col], y_pred[n, row, col]
                if t[0] == 1:
                    total[n] += coord * ((t[1] - p[1]) ** 2 + (t[2] - p[2]) ** 2)
                    total[n] += coord * ((np.sqrt(t[3]) - np.sqrt(p[3])) ** 2
                                         + (np.sqrt(t[4]) - np.sqrt(p[4])) ** 2)
                    total[n] += (1 - p[0]) ** 2 + np.sum((t[5:] - p[5:]) ** 2)
                else:
                    total[n] += noobj * p[0] ** 2
    return total.mean()


@pytest.mark.parametrize("coord, noobj", [(5.0, 0.5), (1.0, 1.0)])
def test_loss_is_yolo_v1s_sum_squared_error(coord, noobj):
    rng = np.random.default_rng(1)
    y_true = np.zeros((3, 4, 4, 8), "float32")
    for n, row, col in [(0, 1, 2), (0, 3, 3), (2, 0, 0)]:
        y_true[n, row, col, :5] = [1, *rng.random(4)]
        y_true[n, row, col, 5 + rng.integers(3)] = 1
    y_pred = rng.random((3, 4, 4, 8)).astype("float32")
    loss = YoloLoss(coord_weight=coord, no_object_weight=noobj)
    assert float(loss(y_true, y_pred)) == pytest.approx(_loss_by_hand(y_true, y_pred, coord,
                                                                      noobj), rel=1e-5)
    assert float(loss(y_true, y_true)) == pytest.approx(0.0, abs=1e-6)
    assert YoloLoss.from_config(loss.get_config()).coord_weight == coord


@pytest.mark.parametrize("call, match", [
    (lambda: build_yolo((60, 60, 3), 6), r"'input_shape' parameter of build_yolo must have "
                                         r"height and width divisible by 2 \*\* len\(filters\) "
                                         r"= 8"),
    (lambda: build_yolo((64, 64, 3), 0), r"'num_classes' parameter of build_yolo must be"),
    (lambda: build_yolo((64, 64, 3), 6, filters=()), r"'filters' parameter of build_yolo"),
    (lambda: build_yolo((64, 64, 3), 6, head_filters=0), r"'head_filters' parameter"),
    (lambda: YoloLoss(coord_weight=-1.0), r"'coord_weight' parameter of YoloLoss must be a "
                                          r"number in \[0, inf\); got -1.0"),
])
def test_bad_arguments_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()
