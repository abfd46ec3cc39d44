"""Keras model builders, one module per architecture family, built from ``blocks``.

Every builder shares one signature shape: ``build_x(input_shape, num_classes, *, options...,
name=...)``. Importing this package is cheap: each builder's module (and TensorFlow) is
imported on first use.

Example:
    >>> from helpers.models import build_resnet
    >>> model = build_resnet((64, 64, 3), 10, depth=18)   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module (inside helpers.models) that defines it
_EXPORTS = {
    "build_lenet5": "lenet",
    "build_alexnet": "alexnet",
    "LocalResponseNormalization": "layers",
    "build_vgg": "vgg",
    "build_googlenet": "googlenet",
    "build_resnet": "resnet",
    "build_resnext": "resnet",
    "build_se_resnet": "resnet",
    "build_xception": "xception",
    "build_densenet": "densenet",
    "build_fashion_cnn": "fashion",
    "build_autoencoder": "autoencoders",
    "build_vae": "vae",
    "build_unet": "segmentation",
    "build_fcn": "segmentation",
    "build_localizer": "localization",
    "build_gap_classifier": "cam",
    "transfer_weights": "weights",
    "pretrained": "weights",
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
