"""Building blocks of the course's CNNs: small functions that take a tensor and return one.

Every block names its layers from a ``name`` prefix, so ``model.summary()`` reads like the
paper's table (``stage2_block1_1_conv``, ...). One module per family: ``core``, ``residual``
(ResNet, ResNeXt, squeeze-and-excitation), ``inception`` (GoogLeNet, Xception), ``mobile``
(MobileNet), ``dense``.

Example:
    >>> import keras
    >>> from helpers.models.blocks import conv_bn_act, residual_unit
    >>> inputs = keras.Input((32, 32, 3))
    >>> x = conv_bn_act(inputs, 64, 3, name="stem")
    >>> x = residual_unit(x, 64, kind="bottleneck", name="stage2_block1")
    >>> tuple(x.shape)
    (None, 32, 32, 256)
"""

from helpers.models.blocks.core import BN_EPSILON, classifier_head, conv_bn_act
from helpers.models.blocks.dense import dense_block, transition_block
from helpers.models.blocks.inception import inception_module, separable_conv_block
from helpers.models.blocks.mobile import depthwise_separable_block
from helpers.models.blocks.residual import residual_unit, resnext_block, squeeze_excite

__all__ = [
    "BN_EPSILON",
    "classifier_head",
    "conv_bn_act",
    "dense_block",
    "depthwise_separable_block",
    "inception_module",
    "residual_unit",
    "resnext_block",
    "separable_conv_block",
    "squeeze_excite",
    "transition_block",
]
