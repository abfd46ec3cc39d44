"""Arithmetic of convolutional networks: output sizes, parameters, multiplications, memory.

Pure Python (it never imports TensorFlow), so a notebook can check a slide's numbers at
once. ``formulas`` holds the per-layer formulas, ``tables`` the per-model table.

Example:
    >>> conv_output_size(7, 3, strides=2)   # 7 x 7 input, 3 x 3 filter, stride 2
    3
"""

from helpers.arithmetic.formulas import (
    conv_mult_count,
    conv_output_size,
    conv_param_count,
    dense_param_count,
    feature_map_bytes,
    receptive_field,
    separable_conv_param_count,
)
from helpers.arithmetic.tables import LayerRow, ModelTable, model_table

__all__ = [
    "LayerRow", "ModelTable", "conv_mult_count", "conv_output_size", "conv_param_count",
    "dense_param_count", "feature_map_bytes", "model_table", "receptive_field",
    "separable_conv_param_count",
]
