"""The claims lecture 04b (The architectures compared) makes about its six small nets.

The lecture trains the nets and shows their measured accuracies (nbval runs it); what its text
says about their designs is checked here, from Keras' own layers: counts of parameters from
``count_params()``, multiplications from each layer's kernel and output shape. Their
per-layer arithmetic against the written-out designs is in
``tests/helpers/models/test_small_nets.py``.
"""

from __future__ import annotations

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow's import, so it comes first)
import keras
import pytest
import tensorflow as tf
from scipy import stats

from helpers.models import SMALL_NET_STYLES, build_small_net

DENSE_TOPPED = ("alexnet", "vgg")                     # flatten, then wide dense layers
GLOBAL_POOLED = ("googlenet", "resnet", "densenet")   # global average pooling, one classifier


def multiplications(model: keras.Model) -> int:
    """Multiplications per image of the convolutions and dense layers, nested models included."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += multiplications(layer)
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            kernel_height, kernel_width = layer.kernel_size
            channels = layer.input.shape[-1] // layer.groups
            total += height * width * kernel_height * kernel_width * channels * layer.filters
        elif isinstance(layer, keras.layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return total


def dense_parameters(model: keras.Model) -> int:
    return sum(dense_parameters(layer) if isinstance(layer, keras.Model)
               else layer.count_params() * isinstance(layer, keras.layers.Dense)
               for layer in model.layers)


@pytest.fixture(scope="module")
def nets() -> dict[str, dict[str, int]]:
    """Each style's parameters, dense-layer parameters and multiplications per image."""
    found = {}
    for style in SMALL_NET_STYLES:
        model = build_small_net(style=style)
        found[style] = {"parameters": model.count_params(), "dense": dense_parameters(model),
                        "multiplications": multiplications(model)}
    return found


def test_the_six_nets_span_more_than_an_order_of_magnitude_in_size_and_cost(nets):
    assert len(nets) == 6
    for axis in ("parameters", "multiplications"):
        values = [net[axis] for net in nets.values()]
        assert max(values) > 10 * min(values), axis


def test_dense_topped_nets_hold_most_weights_in_dense_layers_global_pooled_nets_few(nets):
    """The reading of the chart, and exercise 3: AlexNet-style about 85%, ResNet-style < 1%."""
    share = {style: net["dense"] / net["parameters"] for style, net in nets.items()}
    assert all(share[style] > 0.5 for style in DENSE_TOPPED)
    assert all(share[style] < 0.05 for style in GLOBAL_POOLED)
    assert round(share["alexnet"], 2) == 0.85 and share["resnet"] < 0.01


def test_densenet_style_is_13_times_smaller_than_alexnet_style_but_as_costly(nets):
    """The first quick question: far fewer weights, about as many multiplications."""
    alexnet, densenet = nets["alexnet"], nets["densenet"]
    assert round(alexnet["parameters"] / densenet["parameters"]) == 13
    assert 0.8 < densenet["multiplications"] / alexnet["multiplications"] < 1.25


def test_global_pooled_nets_use_each_weight_most_often(nets):
    """Exercise 2: tens to over a hundred multiplications per weight for the global-pooled
    nets, about ten or fewer for LeNet- and AlexNet-style."""
    uses = {style: net["multiplications"] / net["parameters"] for style, net in nets.items()}
    assert all(uses[style] < 10.5 for style in ("lenet5", "alexnet"))
    assert all(uses[style] > 30 for style in GLOBAL_POOLED) and max(uses.values()) > 100


@pytest.mark.parametrize("accuracy, test_images, points", [
    (0.90, 10_000, 0.3),      # MNIST's official test digits
    (0.85, 500, 1.6),         # the course's Fashion-MNIST subset
])
def test_standard_error_of_a_test_accuracy(accuracy, test_images, points):
    """The reading's "about ±0.3 points" and "±1.6 points": binomial standard errors."""
    standard_error = stats.binom(test_images, accuracy).std() / test_images
    assert round(100 * standard_error, 1) == points


def test_the_fast_budget_is_about_100_steps():
    """6,000 digits in batches of 128 for 2 epochs, counted as tf.data batches them."""
    steps = 2 * len(tf.data.Dataset.range(6_000).batch(128))
    assert steps == 94 and round(steps, -2) == 100


# FitNets: the teacher (the VGG-style net), the student and the stages' shapes and loss

TEMPERATURE, HARD_WEIGHT = 4.0, 0.1     # the lecture's distillation settings


def test_fitnets_student_is_thinner_deeper_and_smaller_than_its_teacher():
    """The lecture's table: the student's and the teacher's parameters, from count_params(),
    "about a tenth"; nine convolutions in a row against the teacher's six, 8 to 32 maps
    against 16 to 64 and dense layers of 256 units."""
    from helpers.models.distillation import build_thin_deep_net

    teacher, student = build_small_net(style="vgg"), build_thin_deep_net()
    teacher_convs = [layer for layer in teacher.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(teacher_convs) == 6 and max(layer.filters for layer in teacher_convs) == 64
    student_convs = [layer for layer in student.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(student_convs) == 9 and max(layer.filters for layer in student_convs) == 32
    # written out: 3x3 convolutions 1-8-8-8, 8-16-16-16, 16-32-32-32, then 32 -> 10 logits
    widths = [1, 8, 8, 8, 16, 16, 16, 32, 32, 32]
    design = sum(9 * c * f + f for c, f in zip(widths, widths[1:])) + 32 * 10 + 10
    assert student.count_params() == design == 30_522
    assert teacher.count_params() == 287_866
    assert round(teacher.count_params() / student.count_params()) == 9     # about a tenth


def test_fitnets_hint_and_guided_layers_have_the_shapes_the_lecture_prints():
    from helpers.models.distillation import GUIDED_LAYER, build_hint_model, build_thin_deep_net

    teacher, student = build_small_net(style="vgg"), build_thin_deep_net()
    hint = teacher.get_layer("block2_pool").output.shape
    assert hint == (None, 7, 7, 32)
    assert student.get_layer(GUIDED_LAYER).output.shape == (None, 7, 7, 16)
    regressor = build_hint_model(student, hint[-1]).get_layer("regressor")
    assert regressor.kernel.shape == (1, 1, 16, 32)           # "a 1x1 convolution, 16 -> 32"


def test_distillation_gradient_is_hintons_t_squared_keeps_the_soft_term_as_large():
    """d loss / d z = w (softmax(z) - y) + (1 - w) T (softmax(z / T) - soft), computed by hand
    in NumPy: the T**2 factor cancels the 1 / T**2 of the softened term's gradient."""
    import numpy as np
    from scipy.special import softmax

    from helpers.models.distillation import DistillationLoss

    rng = np.random.default_rng(0)
    logits = rng.normal(scale=2.0, size=(4, 10)).astype("float32")
    one_hot = np.eye(10, dtype="float32")[rng.integers(0, 10, size=4)]
    soft = softmax(rng.normal(scale=2.0, size=(4, 10)) / TEMPERATURE, axis=1).astype("float32")
    variable = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = DistillationLoss(TEMPERATURE, HARD_WEIGHT)(
            np.concatenate([one_hot, soft], axis=1), variable)
    gradient = tape.gradient(loss, variable).numpy() * len(logits)     # the loss is a mean
    expected = (HARD_WEIGHT * (softmax(logits, axis=1) - one_hot)
                + (1 - HARD_WEIGHT) * TEMPERATURE
                * (softmax(logits / TEMPERATURE, axis=1) - soft))
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)
