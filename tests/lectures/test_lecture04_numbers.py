"""The numbers lecture 04 (ResNet and beyond) shows, against independent references.

The lecture keeps one visible check per section; the rest of its claims are checked here
against Keras' own layers and counts, ``keras.applications`` and the papers' published
values.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from scipy import special

from helpers.arithmetic import model_table, receptive_field
from helpers.models import (
    CATALOG,
    DENSENET_VARIANTS,
    RESNET_VARIANTS,
    build_entry,
    build_googlenet,
    build_resnet,
    build_small_net,
)
from helpers.models.blocks import residual_unit, resnext_block


def conv_weights(model: keras.Model) -> int:
    return sum(layer.count_params() for layer in model.layers
               if isinstance(layer, keras.layers.Conv2D))


def unit_model(input_shape: tuple, **options) -> keras.Model:
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, residual_unit(inputs, **options))


def test_googlenet_auxiliary_heads_start_near_ln_10():
    model = build_googlenet((96, 96, 3), 10, aux_classifiers=True)
    images = np.random.default_rng(0).uniform(size=(8, 96, 96, 3)).astype("float32")
    heads = model(images, training=False)
    losses = [float(keras.losses.sparse_categorical_crossentropy(np.arange(8), p).numpy().mean())
              for p in heads]
    assert len(heads) == 3 and all(abs(loss - np.log(10)) < 0.5 for loss in losses)


def test_fitnets_thin_deep_stack_has_a_quarter_of_the_weights_and_sees_three_times_further():
    wide = keras.layers.Conv2D(512, 3)
    wide.build((None, 16, 16, 512))
    thin = keras.layers.Conv2D(128, 3)
    thin.build((None, 16, 16, 128))
    assert round(wide.count_params() / (4 * thin.count_params())) == 4
    assert receptive_field([3] * 4) == 9 == 3 * receptive_field([3])


def test_a_residual_unit_is_not_a_highway_with_open_gates():
    """Highway: H T + x (1 - T). T = 1 closes the carry (output H); the residual unit keeps
    both paths on (output H + x)."""
    x, transformed = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])
    def highway(gate):
        return transformed * gate + x * (1 - gate)
    np.testing.assert_array_equal(highway(1.0), transformed)
    np.testing.assert_array_equal(highway(0.0), x)
    assert not any(np.allclose(highway(gate), transformed + x) for gate in np.linspace(0, 1, 11))


def test_basic_and_bottleneck_blocks_match_keras_layer_counts():
    def count(kernel, channels_in, filters):
        layer = keras.layers.Conv2D(filters, kernel, use_bias=False)
        layer.build((None, 56, 56, channels_in))
        return layer.count_params()
    basic = unit_model((56, 56, 64), filters=64, kind="basic", use_bias=False, name="b")
    bottleneck = unit_model((56, 56, 256), filters=64, kind="bottleneck", use_bias=False,
                            name="n")
    assert conv_weights(basic) == 2 * count(3, 64, 64) == 73_728
    assert conv_weights(bottleneck) == (count(1, 256, 64) + count(3, 64, 64)
                                        + count(1, 64, 256)) == 69_632
    assert model_table(bottleneck).total_mults < model_table(basic).total_mults == 56 * 56 * 73_728


@pytest.mark.slow
def test_projection_shortcuts_match_keras_applications_resnet50():
    """ResNet-50 has one 1x1 projection per stage (option B of He et al.): stride 1 in stage
    2 (64 -> 256 maps), stride 2 in stages 3-5."""
    theirs = keras.applications.ResNet50(weights=None)
    shapes = {2: (56, 56, 64), 3: (56, 56, 256), 4: (28, 28, 512), 5: (14, 14, 1024)}
    for stage, shape in shapes.items():
        filters, strides = 64 * 2 ** (stage - 2), 1 if stage == 2 else 2
        ours = unit_model(shape, filters=filters, kind="bottleneck", strides=strides,
                          name=f"conv{stage}_block1")
        mine = ours.get_layer(f"conv{stage}_block1_shortcut_conv")
        keras_layer = theirs.get_layer(f"conv{stage}_block1_0_conv")
        assert (mine.kernel.shape, mine.strides, mine.output.shape[1:]) == (
            keras_layer.kernel.shape, keras_layer.strides, keras_layer.output.shape[1:])
        assert ours.count_params() == sum(layer.count_params() for layer in theirs.layers
                                          if layer.name.startswith(f"conv{stage}_block1_"))
    assert sum(layer.name.endswith("_0_conv") for layer in theirs.layers) == 4


@pytest.mark.slow
def test_resnet34_has_batch_norm_after_every_conv_and_no_dropout():
    model = build_resnet(depth=34)
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(isinstance(model.get_layer(name.removesuffix("_conv") + "_bn"),
                          keras.layers.BatchNormalization) for name in convs)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)


def test_resnet_variant_names_count_their_weight_layers():
    for depth, (kind, units) in RESNET_VARIANTS.items():
        assert 1 + (2 if kind == "basic" else 3) * sum(units) + 1 == depth


def test_stochastic_depth_saves_a_quarter_of_resnet110():
    """Huang et al. 2016: p_l decays linearly to 0.5 over L = 54 blocks: "25% speedup"."""
    blocks = 54
    survival = 1 - np.arange(1, blocks + 1) / blocks * 0.5
    assert round(1 - survival.mean(), 2) == 0.25


def test_separable_convolution_counts_match_keras():
    regular = keras.layers.Conv2D(256, 3)
    regular.build((None, 28, 28, 256))
    separable = keras.layers.SeparableConv2D(256, 3)
    separable.build((None, 28, 28, 256))
    assert (regular.count_params(), separable.count_params()) == (590_080, 68_096)


@pytest.mark.slow
def test_densenet121_ends_with_1024_features_like_keras_applications():
    blocks = DENSENET_VARIANTS[121]
    assert 1 + 2 * sum(blocks) + (len(blocks) - 1) + 1 == 121
    maps = 64
    for i, layers_in_block in enumerate(blocks):
        maps += 32 * layers_in_block
        maps = maps // 2 if i < len(blocks) - 1 else maps
    theirs = keras.applications.DenseNet121(weights=None, include_top=False,
                                            input_shape=(64, 64, 3))
    assert maps == theirs.output.shape[-1] == 1024


def test_resnext_block_has_the_papers_weight_count():
    inputs = keras.Input((56, 56, 256))
    block = keras.Model(inputs, resnext_block(inputs, 256, cardinality=32, bottleneck_width=4,
                                              name="x"))
    assert conv_weights(block) == 32 * (256 * 4 + 3 * 3 * 4 * 4 + 4 * 256) == 70_144


def test_squeeze_excitation_adds_the_papers_2_5_million_to_resnet50():
    def se_parameters(channels, ratio=16):
        squeeze, excite = keras.layers.Dense(channels // ratio), keras.layers.Dense(channels)
        squeeze.build((None, channels))
        excite.build((None, channels // ratio))
        return squeeze.count_params() + excite.count_params()
    kind, units = RESNET_VARIANTS[50]
    extra = sum(count * se_parameters(4 * width) for count, width in zip(units, (64, 128, 256, 512)))
    assert round(extra / 1e6, 1) == 2.5           # Hu et al. 2018: "~2.5 million"


def test_search_space_sizes_and_costs():
    assert round(math.log10((4 * 4 * 4) ** 15)) == 27
    cells = math.prod(math.comb(i + 2, 2) * 7 ** 2 for i in range(4))
    assert round(math.log10(cells)) == 9
    assert round(math.log10(3150 / 4)) == 3       # AmoebaNet-B against DARTS, GPU days


def test_a_one_hot_alpha_keeps_exactly_one_operation_of_a_mixed_edge():
    """ENAS in the lecture: alpha = 0 for the kept operation, -1e9 for the others."""
    alpha = np.where(np.arange(5) == 2, 0.0, -1e9).astype("float32")
    mixing = np.asarray(keras.ops.softmax(alpha))
    np.testing.assert_array_equal(mixing, np.eye(5, dtype="float32")[2])


def test_exercise_8_one_reinforce_step_by_hand():
    """Uniform policy over 5, sampled index 2, reward 0.80, baseline 0.70, learning rate 5: the
    logits become 5 * 0.1 * (onehot - 0.2); scipy's softmax gives 0.292 and 0.177."""
    logits = 5 * (0.80 - 0.70) * (np.eye(5)[2] - 0.2)
    probabilities = special.softmax(logits)
    assert round(probabilities[2], 3) == 0.292 and round(probabilities[0], 3) == 0.177


def weight_depth(model: keras.Model) -> int:
    """Weight layers on the longest input-to-output path (an encoder-decoder: the sum)."""
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if nested:
        return sum(weight_depth(part) for part in nested)
    weights = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D,
               keras.layers.SeparableConv2D, keras.layers.DepthwiseConv2D,
               keras.layers.Conv2DTranspose, keras.layers.Dense)
    producer = {id(t): layer for layer in model.layers for t in keras.tree.flatten(layer.output)}
    depth = {}                                   # model.layers come in topological order
    for layer in model.layers:
        inputs = ([] if isinstance(layer, keras.layers.InputLayer)
                  else keras.tree.flatten(layer.input))
        before = max((depth[producer[id(t)].name] for t in inputs), default=0)
        depth[layer.name] = before + isinstance(layer, weights)
    return max(depth[producer[id(t)].name] for t in model.outputs)


@pytest.mark.slow
def test_catalog_depths_are_the_names():
    """Counted as the papers count depth: a shortcut adds none; SE-ResNet-18's SE blocks add
    two dense layers to each of its 8 residual branches; Xception is 36 convolutions + 1."""
    names = {"lenet5": 5, "alexnet": 8, "vgg11": 11, "vgg16": 16, "googlenet": 22,
             "resnet18": 18, "resnet50": 50, "resnext50": 50, "densenet121": 121,
             "xception": 36 + 1, "se_resnet18": 18 + 2 * 8}
    entries = {entry.key: entry for entry in CATALOG if entry.key in names}
    assert {key: weight_depth(build_entry(entry)) for key, entry in entries.items()} == names


@pytest.mark.parametrize("style, depth", [("lenet5", 5), ("alexnet", 8), ("vgg", 9),
                                          ("googlenet", 3 + 2 * 2 + 1), ("resnet", 8),
                                          ("densenet", 1 + 2 * (2 + 2) + 1 + 1)])
def test_small_nets_keep_their_familys_layout(style, depth):
    """The side-by-side nets: LeNet-5's 5 and AlexNet's 8 weight layers; VGG's 6 convolutions
    and 3 dense layers; 3 stem convolutions, 2 inception modules (2 deep) and the classifier;
    ResNet's stem, 3 basic units and classifier; DenseNet's stem, 4 two-convolution layers, the
    transition and the classifier."""
    assert weight_depth(build_small_net(style=style)) == depth



@pytest.mark.slow
def test_inception_resnet_v2_has_55_9_million_parameters_and_40_scaled_residual_additions():
    """Szegedy et al. 2017: residual inception modules scaled by 0.17, 0.1 and 0.2 by stage
    (1 for the last); the Keras applications table: 55.9 million parameters."""
    model = keras.applications.InceptionResNetV2(weights=None)
    scales = [layer.get_config()["scale"] for layer in model.layers
              if isinstance(layer.get_config().get("scale"), float)]   # (BN's is a bool)
    assert round(model.count_params() / 1e6, 1) == 55.9
    assert len(scales) == 40 and sorted(set(scales)) == [0.1, 0.17, 0.2, 1.0]
