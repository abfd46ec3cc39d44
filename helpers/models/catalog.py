"""Every builder at a small input, in one table (``CATALOG``).

The lectures' comparison table, ``benchmarks/models.py`` and the model tests all read it, so
they agree on what "small" means: a configuration that trains quickly on a CPU.

Example:
    >>> from helpers.models import CATALOG, build_entry
    >>> entry = CATALOG[0]
    >>> entry.key, build_entry(entry).output_shape
    ('lenet5', (None, 10))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from helpers.models.alexnet import build_alexnet
from helpers.models.autoencoders import build_autoencoder
from helpers.models.densenet import build_densenet
from helpers.models.detection import YoloLoss, build_yolo
from helpers.models.fashion import build_fashion_cnn
from helpers.models.gap_classifier import build_gap_classifier
from helpers.models.googlenet import build_googlenet
from helpers.models.lenet import build_lenet5
from helpers.models.localization import build_localizer
from helpers.models.mobilenet import build_mobilenet
from helpers.models.resnet import build_resnet, build_resnext, build_se_resnet
from helpers.models.segmentation import build_fcn, build_unet
from helpers.models.small_nets import SMALL_NET_STYLES, build_small_net
from helpers.models.vae import build_vae
from helpers.models.vgg import build_vgg
from helpers.models.xception import build_xception

__all__ = ["CATALOG", "CatalogEntry", "build_entry", "training_batch"]


@dataclass(frozen=True)
class CatalogEntry:
    """One builder at a small configuration.

    Attributes:
        key: a unique name, e.g. ``"resnet18"``.
        builder: the builder function.
        kwargs: its keyword arguments.
        output: the kind of output: ``"classifier"`` (class probabilities), ``"image"`` (a
            map of the input's size), ``"multi"`` (class and box), ``"grid"`` (a detector's
            S x S x (5 + C) grid) or ``"vae"``.
    """

    key: str
    builder: Callable[..., keras.Model]
    kwargs: dict[str, Any] = field(default_factory=dict)
    output: str = "classifier"


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry("lenet5", build_lenet5, dict(input_shape=(32, 32, 1), num_classes=10)),
    CatalogEntry("alexnet", build_alexnet, dict(input_shape=(67, 67, 3), num_classes=10)),
    CatalogEntry("vgg11", build_vgg, dict(input_shape=(32, 32, 3), num_classes=10, depth=11)),
    CatalogEntry("vgg16", build_vgg, dict(input_shape=(32, 32, 3), num_classes=10, depth=16)),
    CatalogEntry("googlenet", build_googlenet, dict(input_shape=(64, 64, 3), num_classes=10)),
    CatalogEntry("resnet18", build_resnet, dict(input_shape=(32, 32, 3), num_classes=10, depth=18)),
    CatalogEntry("resnet50", build_resnet, dict(input_shape=(32, 32, 3), num_classes=10, depth=50)),
    CatalogEntry("se_resnet18", build_se_resnet, dict(input_shape=(32, 32, 3), num_classes=10, depth=18)),
    CatalogEntry("resnext50", build_resnext, dict(input_shape=(32, 32, 3), num_classes=10, depth=50, cardinality=8)),
    CatalogEntry("xception", build_xception, dict(input_shape=(71, 71, 3), num_classes=10)),
    CatalogEntry("mobilenet", build_mobilenet, dict(input_shape=(32, 32, 3), num_classes=10, alpha=0.25)),
    CatalogEntry("densenet121", build_densenet, dict(input_shape=(32, 32, 3), num_classes=10, depth=121)),
    CatalogEntry("fashion_cnn", build_fashion_cnn, dict(input_shape=(28, 28, 1), num_classes=10)),
    CatalogEntry("autoencoder_dense", build_autoencoder, dict(input_shape=(28, 28, 1), kind="dense"), "image"),
    CatalogEntry("autoencoder_conv", build_autoencoder, dict(input_shape=(28, 28, 1), kind="conv"), "image"),
    CatalogEntry("vae", build_vae, dict(input_shape=(28, 28, 1), latent_dim=2), "vae"),
    CatalogEntry("unet", build_unet, dict(input_shape=(32, 32, 3), num_classes=3, base_filters=16), "image"),
    CatalogEntry("fcn", build_fcn, dict(input_shape=(32, 32, 3), num_classes=3), "image"),
    CatalogEntry("localizer", build_localizer, dict(input_shape=(32, 32, 3), num_classes=3), "multi"),
    CatalogEntry("yolo", build_yolo, dict(input_shape=(64, 64, 3), num_classes=6), "grid"),
    CatalogEntry("gap_classifier", build_gap_classifier, dict(input_shape=(32, 32, 3), num_classes=6)),
    *(CatalogEntry(f"small_{style}", build_small_net, dict(input_shape=(28, 28, 1), num_classes=10, style=style))
      for style in SMALL_NET_STYLES),
)


def build_entry(entry: CatalogEntry) -> keras.Model:
    """Build the Keras model of one catalog entry."""
    return entry.builder(**entry.kwargs)


def training_batch(entry: CatalogEntry, model: keras.Model, batch_size: int,
                   rng: np.random.Generator) -> tuple[dict[str, Any], Any, Any]:
    """Return the compile arguments and a random batch ``(x, y)`` for one training step.

    Args:
        entry: the catalog entry.
        model: its built model (an image output's size is read from it).
        batch_size: examples in the batch.
        rng: the NumPy generator the batch is drawn from.

    Returns:
        ``(compile_kwargs, x, y)``: the loss for the entry's kind of output (none for the
        VAE, which brings its own), images in [0, 1] and matching random targets.

    Example:
        >>> entry = CATALOG[0]
        >>> kwargs, x, y = training_batch(entry, build_entry(entry), 2, np.random.default_rng(0))
        >>> kwargs, x.shape, y.shape
        ({'loss': 'sparse_categorical_crossentropy'}, (2, 32, 32, 1), (2,))
    """
    x = rng.uniform(0, 1, size=(batch_size, *entry.kwargs["input_shape"])).astype("float32")
    classes = entry.kwargs.get("num_classes")
    sparse = "sparse_categorical_crossentropy"
    if entry.output == "classifier":
        return {"loss": sparse}, x, rng.integers(0, classes, size=(batch_size,))
    if entry.output == "image" and classes:
        cells = tuple(model.output.shape[1:3])
        return {"loss": sparse}, x, rng.integers(0, classes, size=(batch_size, *cells))
    if entry.output == "image":
        return {"loss": "mse"}, x, x
    if entry.output == "multi":
        boxes = np.sort(rng.uniform(0, 1, size=(batch_size, 4)), axis=-1).astype("float32")
        y = {"class": rng.integers(0, classes, size=(batch_size,)), "box": boxes}
        return {"loss": {"class": sparse, "box": "mse"}}, x, y
    if entry.output == "grid":
        target = rng.uniform(0, 1, size=(batch_size, *model.output.shape[1:])).astype("float32")
        target[..., 0] = target[..., 0] > 0.8                      # objectness: 0 or 1
        return {"loss": YoloLoss()}, x, target
    return {}, x, None  # vae: the model's own loss (reconstruction + KL)
