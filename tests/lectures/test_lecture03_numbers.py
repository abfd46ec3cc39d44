"""The numbers lecture 03 (LeNet to GoogLeNet) shows, against independent references.

The lecture keeps one visible check per section; the rest of its claims are checked here
against Keras' own layers and counts, TensorFlow's LRN, SciPy and the papers' published
values. The slides' per-layer arithmetic (LeNet-5 and AlexNet tables, the inception module's
854M and 358M operations, VGG's 590k and 1.6M) is checked in ``tests/helpers/arithmetic``
(``TestSlideNumbers``).
"""

from __future__ import annotations

from itertools import pairwise

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import signal

from helpers.arithmetic import receptive_field
from helpers.models import (
    INCEPTION_FILTERS,
    RESNET_VARIANTS,
    LocalResponseNormalization,
    build_alexnet,
    build_googlenet,
    build_lenet5,
)


def built_count(layer: keras.layers.Layer, input_shape: tuple) -> int:
    """Parameters of a fresh Keras layer built on ``input_shape``: the reference count."""
    layer.build(input_shape)
    return layer.count_params()


def test_lenet5_counts_keras_layers_and_the_papers_60_000():
    lenet = build_lenet5()
    references = {"C1": built_count(keras.layers.Conv2D(6, 5), (None, 32, 32, 1)),
                  "C3": built_count(keras.layers.Conv2D(16, 5), (None, 14, 14, 6)),
                  "C5": built_count(keras.layers.Conv2D(120, 5), (None, 5, 5, 16)),
                  "F6": built_count(keras.layers.Dense(84), (None, 120)),
                  "Out": built_count(keras.layers.Dense(10), (None, 84))}
    assert {name: lenet.get_layer(name).count_params() for name in references} == references
    assert lenet.count_params() == sum(references.values()) == 61_706
    # LeCun et al. 1998: C3 has 1,516 trainable parameters (60 of its 96 map pairs
    # connected), S2 and S4 one coefficient and one bias per map, the RBF output no bias.
    paper = references | {"C3": 60 * 5 * 5 + 16, "S2": 6 * 2, "S4": 16 * 2, "Out": 84 * 10}
    assert paper["C3"] == 1_516 and round(sum(paper.values()), -4) == 60_000


@pytest.mark.slow
def test_alexnet_has_5_conv_3_dense_650_000_units_and_61m_on_two_gpus():
    alexnet = build_alexnet()
    convs = [layer for layer in alexnet.layers if isinstance(layer, keras.layers.Conv2D)]
    dense = [layer for layer in alexnet.layers if isinstance(layer, keras.layers.Dense)]
    assert (len(convs), len(dense)) == (5, 3)          # 8 learned layers, 7 hidden
    units = sum(int(np.prod(layer.output.shape[1:])) for layer in convs + dense)
    assert abs(units - 650_000) / 650_000 < 0.02       # "7 hidden layers, 650,000 units"
    grouped = {"C3": (keras.layers.Conv2D(256, 5, groups=2), (None, 27, 27, 96)),
               "C6": (keras.layers.Conv2D(384, 3, groups=2), (None, 13, 13, 384)),
               "C7": (keras.layers.Conv2D(256, 3, groups=2), (None, 13, 13, 384))}
    two_gpus = alexnet.count_params() - sum(
        alexnet.get_layer(name).count_params() - built_count(layer, shape)
        for name, (layer, shape) in grouped.items())
    assert alexnet.count_params() == 62_378_344 and two_gpus == 60_965_224   # "61 million"


@pytest.mark.parametrize("r, depth_radius, k, alpha", [
    (5, 2, 2.0, 1e-4),        # Krizhevsky et al. 2012, section 3.3: n = 5, k = 2, alpha = 1e-4
    (2, 1, 1.0, 0.00002),     # the slide's r = 2 with Geron's k and alpha
])
def test_lrn_matches_tensorflow(r, depth_radius, k, alpha):
    maps = np.random.default_rng(0).uniform(0, 50, size=(2, 4, 4, 16)).astype("float32")
    layer = LocalResponseNormalization(r=r, k=k, alpha=alpha, beta=0.75)
    expected = tf.nn.local_response_normalization(maps, depth_radius=depth_radius, bias=k,
                                                  alpha=alpha, beta=0.75)
    np.testing.assert_allclose(layer(maps), expected, rtol=1e-5)


def test_lrn_inhibits_the_neighbours_of_a_strong_map():
    position = np.full((1, 1, 1, 7), 1.0, "float32")
    position[..., 3] = 10.0
    out = np.asarray(LocalResponseNormalization(r=2, k=1.0, alpha=0.05, beta=0.75)(position))
    assert out[0, 0, 0, 2] == out[0, 0, 0, 4] < 0.3 < 0.9 < out[0, 0, 0, 0]


def test_stacked_3x3_receptive_fields_measured_with_scipy():
    spread, widths = np.zeros((15, 15)), []
    spread[7, 7] = 1
    for _ in range(3):
        spread = signal.correlate2d(spread, np.ones((3, 3)), mode="same")
        rows = np.flatnonzero(spread.any(axis=1))
        widths.append(int(rows[-1] - rows[0] + 1))
    assert widths == [receptive_field([3] * n) for n in (1, 2, 3)] == [3, 5, 7]


@pytest.mark.slow
def test_googlenet_has_22_layers_and_9_times_fewer_parameters_than_alexnet():
    googlenet = build_googlenet()
    convs = [layer for layer in googlenet.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(INCEPTION_FILTERS) == 9 and len(convs) == 3 + 6 * 9     # 6 convs per module
    assert 3 + 2 * len(INCEPTION_FILTERS) + 1 == 22                    # on the longest path
    assert googlenet.get_layer("inception5b_concat").output.shape[1:] == (7, 7, 1024)
    top = googlenet.get_layer("predictions").count_params()
    assert top == built_count(keras.layers.Dense(1000), (None, 1024))
    assert 8 < 62_378_344 / googlenet.count_params() < 13


def test_imagenet_winners_improve_every_year_and_resnet_beats_the_human_error():
    """Top-5 errors (%) of the ILSVRC classification winners (the ML topic 15 deck) and
    ResNet-152's depth from the course's variant table."""
    winners = {"AlexNet": 15.4, "ZFNet": 11.2, "GoogLeNet": 6.7, "ResNet": 3.57,
               "Trimps-Soushen": 2.99, "SENet": 2.251}  # the slide: "CUImage"
    assert all(later < earlier for earlier, later in pairwise(winners.values()))
    assert winners["ResNet"] < 5.1 < winners["GoogLeNet"]     # Russakovsky et al. 2015
    kind, units = RESNET_VARIANTS[152]
    assert kind == "bottleneck" and 1 + 3 * sum(units) + 1 == 152
