"""Every builder at a small input, in one table: used by the lectures' comparison table,
``benchmarks/models.py`` and the model tests, so they all agree on what "small" means.

Each entry: builder name, keyword arguments for a small configuration that trains quickly on
a CPU, and the kind of output (``"classifier"``, ``"image"``, ``"multi"``, ``"vae"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CatalogEntry", "CATALOG", "build_entry"]


@dataclass(frozen=True)
class CatalogEntry:
    key: str
    builder: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    output: str = "classifier"


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry("lenet5", "build_lenet5", dict(input_shape=(32, 32, 1), num_classes=10)),
    CatalogEntry("alexnet", "build_alexnet", dict(input_shape=(67, 67, 3), num_classes=10)),
    CatalogEntry("vgg11", "build_vgg", dict(input_shape=(32, 32, 3), num_classes=10, depth=11)),
    CatalogEntry("vgg16", "build_vgg", dict(input_shape=(32, 32, 3), num_classes=10, depth=16)),
    CatalogEntry("googlenet", "build_googlenet", dict(input_shape=(64, 64, 3), num_classes=10)),
    CatalogEntry("resnet18", "build_resnet", dict(input_shape=(32, 32, 3), num_classes=10, depth=18)),
    CatalogEntry("resnet50", "build_resnet", dict(input_shape=(32, 32, 3), num_classes=10, depth=50)),
    CatalogEntry("se_resnet18", "build_se_resnet", dict(input_shape=(32, 32, 3), num_classes=10, depth=18)),
    CatalogEntry("resnext50", "build_resnext", dict(input_shape=(32, 32, 3), num_classes=10, depth=50, cardinality=8)),
    CatalogEntry("xception", "build_xception", dict(input_shape=(71, 71, 3), num_classes=10)),
    CatalogEntry("densenet121", "build_densenet", dict(input_shape=(32, 32, 3), num_classes=10, depth=121)),
    CatalogEntry("fashion_cnn", "build_fashion_cnn", dict(input_shape=(28, 28, 1), num_classes=10)),
    CatalogEntry("autoencoder_dense", "build_autoencoder", dict(input_shape=(28, 28, 1), kind="dense"), "image"),
    CatalogEntry("autoencoder_conv", "build_autoencoder", dict(input_shape=(28, 28, 1), kind="conv"), "image"),
    CatalogEntry("vae", "build_vae", dict(input_shape=(28, 28, 1), latent_dim=2), "vae"),
    CatalogEntry("unet", "build_unet", dict(input_shape=(32, 32, 3), num_classes=3, base_filters=16), "image"),
    CatalogEntry("fcn", "build_fcn", dict(input_shape=(32, 32, 3), num_classes=3), "image"),
    CatalogEntry("localizer", "build_localizer", dict(input_shape=(32, 32, 3), num_classes=3), "multi"),
    CatalogEntry("gap_classifier", "build_gap_classifier", dict(input_shape=(32, 32, 3), num_classes=6)),
)


def build_entry(entry: CatalogEntry):
    """Build the Keras model of one catalog entry."""
    import helpers.models as models

    return getattr(models, entry.builder)(**entry.kwargs)
