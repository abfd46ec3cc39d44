"""helpers.vision: IoU, non-max suppression, class activation maps and Grad-CAM.

References: hand-computed cases, pixel counting on rasterised boxes, TensorFlow's own
``tf.image.non_max_suppression``, and CAM/Grad-CAM identities computed by hand from a model's
weights.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import helpers  # noqa: F401  (quiet TensorFlow before it is imported)
from helpers.vision import class_activation_map, grad_cam, iou, non_max_suppression

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


# --- class activation maps -----------------------------------------------------------------


def _tiny_cam_model(activation=None) -> keras.Model:
    """4x4x1 input; f_1 = x, f_2 = -x (a 1x1 conv); GAP; Dense(2) with known weights."""
    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(2, 1, use_bias=False, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(2, activation=activation, name="dense")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("conv").set_weights([np.array([[[[1.0, -1.0]]]])])
    model.get_layer("dense").set_weights([np.array([[1.0, 0.0], [0.5, 2.0]]),
                                          np.array([0.1, -0.3])])
    return model


def test_cam_equals_the_hand_computation():
    model = _tiny_cam_model(activation="softmax")
    image = np.arange(16, dtype="float32").reshape(4, 4, 1) / 10
    x = image[..., 0]
    # M_0 = 1 * x + 0.5 * (-x) = 0.5 x;  M_1 = 0 * x + 2 * (-x) = -2 x.
    np.testing.assert_allclose(class_activation_map(model, image, class_index=0, normalize=False),
                               0.5 * x, rtol=1e-6)
    np.testing.assert_allclose(class_activation_map(model, image, class_index=1, normalize=False),
                               -2 * x, rtol=1e-6)
    normalized = class_activation_map(model, image, class_index=1)
    np.testing.assert_allclose(normalized, (x.max() - x) / (x.max() - x.min()), rtol=1e-6)
    # Scores: S_0 = 0.5 mean(x) + 0.1 > S_1 = -2 mean(x) - 0.3, so None picks class 0.
    np.testing.assert_allclose(class_activation_map(model, image, normalize=False), 0.5 * x,
                               rtol=1e-6)
    constant = class_activation_map(model, np.ones((4, 4, 1)), class_index=0)
    np.testing.assert_array_equal(constant, np.zeros((4, 4)))


def test_cam_average_is_the_logit_minus_the_bias():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((12, 12, 3))
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv1")(inputs)
    x = keras.layers.Conv2D(5, 3, name="conv2")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(4, bias_initializer="random_normal")(x))
    images = np.random.default_rng(0).random((3, 12, 12, 3), dtype="float32")
    logits = np.asarray(model(images))
    bias = np.asarray(model.layers[-1].bias)
    for c in range(4):
        maps = class_activation_map(model, images, class_index=c, conv_layer="conv2",
                                    normalize=False)
        assert maps.shape == (3, 8, 8)
        np.testing.assert_allclose(maps.mean(axis=(1, 2)), logits[:, c] - bias[c], rtol=1e-4,
                                   atol=1e-5)
    single = class_activation_map(model, images[1], class_index=2)
    np.testing.assert_allclose(single, class_activation_map(model, images, class_index=2)[1])
    assert single.min() == 0.0 and single.max() == 1.0


def test_cam_works_with_a_nested_base_model():
    base = keras.Sequential([keras.Input((10, 10, 3)), keras.layers.Conv2D(4, 3)], name="base")
    inputs = keras.Input((10, 10, 3))
    x = keras.layers.GlobalAveragePooling2D()(base(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    image = np.random.default_rng(0).random((10, 10, 3), dtype="float32")
    assert class_activation_map(model, image, conv_layer="base").shape == (8, 8)


def _flatten_model() -> keras.Model:
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, name="conv")(inputs)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="dense")(x))


@pytest.mark.parametrize(
    "model, kwargs, error, match",
    [
        (_flatten_model, {}, ValueError,
         r"feed its Dense layer 'dense' from a GlobalAveragePooling2D layer; got Flatten"),
        (lambda: keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 1)]), {},
         ValueError, r"must end in a Dense layer"),
        (_tiny_cam_model, dict(class_index=2), ValueError,
         r"'class_index' parameter of class_activation_map must be None or an int in \[0, 2\); "
         r"got 2"),
        (_tiny_cam_model, dict(conv_layer="gap"), ValueError,
         r"'conv_layer' parameter .* feeds the global average pooling \('conv'\); got 'gap'"),
        (lambda: "resnet", {}, TypeError, r"must be a keras.Model; got str"),
    ],
)
def test_cam_bad_arguments(model, kwargs, error, match):
    with pytest.raises(error, match=match):
        class_activation_map(model(), np.ones((4, 4, 1)), **kwargs)


def test_cam_rejects_an_image_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"'image' parameter .* shape \(4, 4, 1\) or a batch"):
        class_activation_map(_tiny_cam_model(), np.ones((5, 5, 1)))


# --- Grad-CAM ------------------------------------------------------------------------------


def test_grad_cam_generalises_cam():
    # Selvaraju et al., section 3.1: for conv -> GAP -> Dense, alpha_k = w_k^c / (H' W'), so
    # Grad-CAM = ReLU(M_c) / (H' W'). The final softmax is skipped (pre-activation score).
    model = _tiny_cam_model(activation="softmax")
    image = (np.arange(16, dtype="float32").reshape(4, 4, 1) - 7.5) / 10
    for c in (0, 1):
        cam = class_activation_map(model, image, class_index=c, normalize=False)
        gradcam = grad_cam(model, image, class_index=c, conv_layer="conv", normalize=False)
        np.testing.assert_allclose(gradcam, np.maximum(cam, 0) / 16, rtol=1e-5, atol=1e-7)
    top = grad_cam(model, image, class_index=0)
    assert top.max() == pytest.approx(1.0) and top.min() == 0.0


def test_grad_cam_of_a_flatten_dense_head_by_hand():
    keras.utils.set_random_seed(2)
    model = _flatten_model()
    image = np.random.default_rng(0).random((6, 6, 2), dtype="float32")
    extractor = keras.Model(model.inputs[0], model.get_layer("conv").output)
    features = np.asarray(extractor(image[None]))[0]
    kernel = np.asarray(model.get_layer("dense").kernel).reshape(4, 4, 3, 2)  # Flatten order
    alpha = kernel[..., 1].mean(axis=(0, 1))  # d(score_1)/d f_k(x, y) = kernel entry
    expected = np.maximum(features @ alpha, 0)
    np.testing.assert_allclose(grad_cam(model, image, class_index=1, normalize=False), expected,
                               rtol=1e-5, atol=1e-6)
    assert grad_cam(model, image).shape == (4, 4)  # last 4-D layer found automatically


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(conv_layer="nope"), r"'conv_layer' parameter of grad_cam must name a layer"),
        (dict(conv_layer="dense"), r"must name a layer with a 4-D output"),
        (dict(class_index=-1), r"'class_index' parameter of grad_cam"),
    ],
)
def test_grad_cam_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        grad_cam(_flatten_model(), np.ones((6, 6, 2)), **kwargs)


def test_grad_cam_needs_a_feature_map():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"must have a layer with a 4-D output"):
        grad_cam(model, np.ones(5))
