"""Keras model builders, one module per architecture family, built from ``blocks``.

Every builder shares one signature shape: ``build_x(input_shape, num_classes, *, options...,
name=...)``. The families' variant tables (``VGG_CONFIGS``, ``RESNET_VARIANTS``, ...) and the
``CATALOG`` of every builder at a small size are exported here too. Importing this package
does not import TensorFlow: each name's module is imported on first use.

Example:
    >>> from helpers.models import RESNET_VARIANTS, build_resnet
    >>> RESNET_VARIANTS[18]
    ('basic', (2, 2, 2, 2))
    >>> build_resnet((32, 32, 3), 10, depth=18).output_shape
    (None, 10)
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module of helpers.models that defines it
_EXPORTS = {
    "build_lenet5": "lenet",
    "build_alexnet": "alexnet",
    "LocalResponseNormalization": "layers",
    "build_vgg": "vgg",
    "VGG_CONFIGS": "vgg",
    "VGG_FILTERS": "vgg",
    "build_googlenet": "googlenet",
    "INCEPTION_FILTERS": "googlenet",
    "build_resnet": "resnet",
    "build_resnext": "resnet",
    "build_se_resnet": "resnet",
    "RESNET_VARIANTS": "resnet",
    "RESNEXT_VARIANTS": "resnet",
    "build_xception": "xception",
    "build_mobilenet": "mobilenet",
    "MOBILENET_BLOCKS": "mobilenet",
    "build_densenet": "densenet",
    "DENSENET_VARIANTS": "densenet",
    "build_fashion_cnn": "fashion",
    "build_autoencoder": "autoencoders",
    "build_vae": "vae",
    "build_unet": "segmentation",
    "build_fcn": "segmentation",
    "build_localizer": "localization",
    "build_yolo": "detection",
    "YoloLoss": "detection",
    "build_gap_classifier": "gap_classifier",
    "build_small_net": "small_nets",
    "SMALL_NET_STYLES": "small_nets",
    "transfer_weights": "weights",
    "pretrained": "weights",
    "PRETRAINED": "weights",
    "PretrainedEntry": "weights",
    "decode_imagenet": "weights",
    "CATALOG": "catalog",
    "CatalogEntry": "catalog",
    "build_entry": "catalog",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'helpers.models' has no attribute {name!r}")
    module = importlib.import_module(f"helpers.models.{_EXPORTS[name]}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
