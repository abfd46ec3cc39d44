"""FitNets' student, hint regressor, softened targets and distillation loss.

References: the student's parameters written out from its design (a 3x3 convolution from C to
F maps has ``9*C*F + F`` weights), SciPy's softmax for the softened targets, and the
distillation loss computed by hand in NumPy from Hinton et al.'s formula.
"""

from __future__ import annotations

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow's import, so it comes first)
import keras
import numpy as np
import pytest
from scipy.special import log_softmax, softmax

from helpers.models.distillation import (
    GUIDED_LAYER,
    DistillationLoss,
    build_hint_model,
    build_thin_deep_net,
    soften,
)


def conv3x3(channels: int, filters: int) -> int:
    return 9 * channels * filters + filters


def student_parameters(widths: tuple[int, int, int], depth: int, classes: int = 10) -> int:
    total, channels = 0, 1
    for filters in widths:
        for _ in range(depth):
            total, channels = total + conv3x3(channels, filters), filters
    return total + channels * classes + classes


@pytest.mark.parametrize("widths, depth", [((16, 16, 32), 3), ((8, 16, 32), 2), ((4, 4, 4), 1)])
def test_student_parameters_match_the_design_written_out(widths, depth):
    model = build_thin_deep_net(widths=widths, depth=depth)
    assert model.count_params() == student_parameters(widths, depth)
    assert model.output_shape == (None, 10)
    assert model.get_layer(GUIDED_LAYER).output.shape == (None, 7, 7, widths[1])
    assert len({layer.name for layer in model.layers}) == len(model.layers)


def test_hint_model_shares_the_students_layers_and_adds_a_1x1_regressor():
    student = build_thin_deep_net()
    hinted = build_hint_model(student, 32)
    assert hinted.output_shape == (None, 7, 7, 32)
    below = keras.Model(student.input, student.get_layer(GUIDED_LAYER).output).count_params()
    assert hinted.count_params() == below + 16 * 32 + 32          # 1x1 conv, 16 -> 32 maps
    assert hinted.get_layer("stage1_conv1") is student.get_layer("stage1_conv1")


def test_soften_equals_softmax_of_the_logits_over_t():
    logits = np.random.default_rng(0).normal(scale=5.0, size=(20, 10))
    for temperature in (1.0, 4.0, 10.0):
        expected = softmax(logits / temperature, axis=1)
        np.testing.assert_allclose(soften(softmax(logits, axis=1), temperature), expected,
                                   rtol=1e-5, atol=1e-7)


def test_distillation_loss_matches_hinton_computed_by_hand():
    rng = np.random.default_rng(1)
    student_logits = rng.normal(scale=3.0, size=(16, 10)).astype("float32")
    labels = rng.integers(0, 10, size=16)
    soft = softmax(rng.normal(scale=3.0, size=(16, 10)) / 4.0, axis=1)
    one_hot = np.eye(10)[labels]
    hard = -log_softmax(student_logits.astype("float64"), axis=1)[np.arange(16), labels]
    distilled = -(soft * log_softmax(student_logits / 4.0, axis=1)).sum(axis=1)
    expected = np.mean(0.1 * hard + 0.9 * 16.0 * distilled)
    loss = DistillationLoss(temperature=4.0, hard_weight=0.1)
    got = float(loss(np.concatenate([one_hot, soft], axis=1).astype("float32"), student_logits))
    assert got == pytest.approx(expected, rel=1e-5)


def test_distillation_loss_survives_a_config_round_trip():
    loss = DistillationLoss(temperature=2.0, hard_weight=0.5)
    again = DistillationLoss.from_config(loss.get_config())
    assert (again.temperature, again.hard_weight) == (2.0, 0.5)


@pytest.mark.parametrize("call, match", [
    (lambda: soften([[0.5, 0.5]], 0), "'temperature' parameter of soften"),
    (lambda: DistillationLoss(temperature=-1.0), "'temperature' parameter of DistillationLoss"),
    (lambda: DistillationLoss(hard_weight=1.5), "'hard_weight' parameter of DistillationLoss"),
    (lambda: build_thin_deep_net(widths=(8, 16)), "'widths' parameter of build_thin_deep_net"),
    (lambda: build_thin_deep_net(depth=0), "'depth' parameter of build_thin_deep_net"),
    (lambda: build_hint_model(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), 8),
     "'student' parameter of build_hint_model"),
    (lambda: build_hint_model(build_thin_deep_net(), 0),
     "'hint_channels' parameter of build_hint_model"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
