"""One table over every builder of the zoo (``helpers.models.CATALOG``).

For each entry, at its small configuration: the model builds; its output shape follows from
the entry's input shape and class count (per output kind); layer names are unique, nested
sub-models included; ``count_params()`` equals the sum of its layers' counts and
``helpers.arithmetic.model_table``'s total; and one training step on a random batch of two
gives a finite loss and changes every trainable weight.

Output kinds (the catalog's ``output`` field):
    classifier: ``(num_classes,)`` class probabilities summing to 1.
    image: a map ``(H', W', C)``, ``C = num_classes`` (per-position class probabilities) or,
        without classes, the input's channels (a reconstruction). ``H' x W'`` is the input's,
        except the FCN whose 32x32 window gives one cell (``FCN_CELLS``).
    multi: the deck's classification + localisation, outputs ``{"class": (num_classes,),
        "box": (4,)}``.
    grid: a single-shot detector's ``(H / 8, W / 8, 5 + num_classes)`` grid (three poolings).
    vae: a reconstruction of the input's shape; the model brings its own loss.
"""

from __future__ import annotations

import gc

import helpers  # noqa: F401  # isort: skip  (quiets TensorFlow's import, so it comes first)
import keras
import numpy as np
import pytest

from helpers.arithmetic import model_table
from helpers.models import CATALOG, build_entry
from helpers.models.catalog import training_batch

BATCH = 2
FCN_CELLS = {"fcn": (1, 1)}  # build_fcn's default window_size is 32, the entry's input side


def all_layers(model) -> list:
    """Every layer, nested sub-models' layers included (depth first)."""
    found = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(all_layers(layer))
    return found


def output_shapes(model) -> dict[str, tuple]:
    outputs = model.output
    if isinstance(outputs, dict):
        return {key: tuple(value.shape) for key, value in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return {str(i): tuple(value.shape) for i, value in enumerate(outputs)}
    return {"0": tuple(outputs.shape)}


def expected_shapes(entry) -> dict[str, tuple]:
    height, width, channels = entry.kwargs["input_shape"]
    classes = entry.kwargs.get("num_classes")
    if entry.output == "classifier":
        return {"0": (None, classes)}
    if entry.output == "image":
        cells = FCN_CELLS.get(entry.key, (height, width))
        return {"0": (None, *cells, classes or channels)}
    if entry.output == "multi":
        return {"class": (None, classes), "box": (None, 4)}
    if entry.output == "vae":
        return {"0": (None, height, width, channels)}
    if entry.output == "grid":
        return {"0": (None, height // 8, width // 8, 5 + classes)}
    raise AssertionError(f"unknown output kind {entry.output!r} of catalog entry {entry.key!r}")


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(7)


def test_catalog_keys_are_unique_and_cover_every_builder():
    from helpers import models

    keys = [entry.key for entry in CATALOG]
    assert len(keys) == len(set(keys))
    builders = {name for name in models.__all__ if name.startswith("build_")} - {"build_entry"}
    assert builders <= {entry.builder.__name__ for entry in CATALOG}


@pytest.mark.slow
@pytest.mark.parametrize("entry", CATALOG, ids=[entry.key for entry in CATALOG])
def test_catalog_entry(entry, rng):
    keras.utils.clear_session(free_memory=True)
    model = build_entry(entry)

    assert output_shapes(model) == expected_shapes(entry)

    names = [layer.name for layer in all_layers(model)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"layer names used twice: {duplicates}"

    total = model.count_params()
    assert total == sum(layer.count_params() for layer in model.layers)
    assert total == model_table(model).total_params

    compile_args, x, y = training_batch(entry, model, BATCH, rng)
    # eagerly: tracing a graph for a single step costs far more than the step itself
    model.compile(optimizer=keras.optimizers.SGD(0.1), run_eagerly=True, **compile_args)
    before = [np.array(w) for w in model.trainable_weights]
    logs = model.train_on_batch(x, y, return_dict=True)
    assert np.isfinite(logs["loss"])
    unchanged = [
        w.path
        for w, old in zip(model.trainable_weights, before)
        if np.array_equal(np.array(w), old)
    ]
    assert not unchanged, f"weights not updated by one training step: {unchanged}"
    del model
    gc.collect()
