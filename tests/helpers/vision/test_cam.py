"""helpers.vision's class activation maps and Grad-CAM.

References: CAM and Grad-CAM identities computed by hand from a model's weights.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import helpers  # noqa: F401  (quiet TensorFlow before it is imported)
from helpers.vision import class_activation_map, grad_cam

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


def _tiny_conv_head_model() -> keras.Model:
    """_tiny_cam_model with keras.applications.MobileNet's head: the pooled map kept 1x1, a
    1x1 Conv2D classifier (the same weights), then Reshape and a softmax Activation."""
    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(2, 1, use_bias=False, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="gap")(x)
    x = keras.layers.Dropout(0.5)(x)
    x = keras.layers.Conv2D(2, 1, name="classifier")(x)
    x = keras.layers.Reshape((2,), name="logits")(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax", name="predictions")(x))
    model.get_layer("conv").set_weights([np.array([[[[1.0, -1.0]]]])])
    model.get_layer("classifier").set_weights([np.array([[[[1.0, 0.0], [0.5, 2.0]]]]),
                                               np.array([0.1, -0.3])])
    return model


def test_cam_and_grad_cam_of_a_1x1_convolution_head_by_hand():
    model = _tiny_conv_head_model()
    image = (np.arange(16, dtype="float32").reshape(4, 4, 1) - 7.5) / 10
    x = image[..., 0]
    for c, expected in ((0, 0.5 * x), (1, -2 * x)):  # as in test_cam_equals_the_hand_computation
        cam = class_activation_map(model, image, class_index=c, normalize=False)
        np.testing.assert_allclose(cam, expected, rtol=1e-6, atol=1e-7)
        # the score is the softmax's input (the logits), so Grad-CAM = ReLU(M_c) / (H' W')
        np.testing.assert_allclose(grad_cam(model, image, class_index=c, normalize=False),
                                   np.maximum(expected, 0) / 16, rtol=1e-5, atol=1e-7)
    # the default feature layer is the 4x4 map, not the classifier's 1x1 output
    assert grad_cam(model, image).shape == (4, 4)
    with pytest.raises(ValueError, match=r"feeds the global average pooling \('conv'\)"):
        class_activation_map(model, image, conv_layer="classifier")


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
        (lambda: keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3)]), {},
         ValueError, r"must end in a Dense layer"),
        (lambda: keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 1)]), {},
         ValueError, r"must feed its Conv2D layer .* from a GlobalAveragePooling2D layer; got "
                     r"the model input"),
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
