"""Provenance: which data and weights a run used, appended as JSON lines for ``course build``.

When ``COURSE_PROVENANCE_FILE`` names a file, every ``load_dataset`` call (and every
pretrained model that calls :func:`record_weights`) appends one JSON object to it, on a line
of its own. ``course build``'s worker sets the variable for each lecture's kernel and stores
the records in that lecture's manifest entry. Without the variable nothing is written.

Records:

* ``{"kind": "dataset", "name": "mnist", "data": "real subset", "returned": "mnist",
  "n_train": 2000, "n_test": 500, "source": "..."}``; ``data`` is one of ``DATA_KINDS``;
* ``{"kind": "weights", "name": "mobilenet", "weights": "ImageNet", "source": "..."}``;
  ``weights`` is one of ``WEIGHT_KINDS``.

Example:
    >>> record_weights("mobilenet", "ImageNet", source="the Keras cache")   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from typing import Any

from helpers._checks import check_choice

__all__ = ["DATA_KINDS", "ENV_VAR", "WEIGHT_KINDS", "record_dataset", "record_weights"]

ENV_VAR = "COURSE_PROVENANCE_FILE"
#: What a dataset record's ``data`` says: the published set (perhaps ``n_train`` of it), a
#: real subset of it, a stand-in for it, or generated images.
DATA_KINDS = ("full", "real subset", "stand-in", "generated")
#: What a weights record's ``weights`` says.
WEIGHT_KINDS = ("ImageNet", "random")


def _append(record: dict[str, Any]) -> None:
    path = os.environ.get(ENV_VAR)
    if path:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record, sort_keys=True) + "\n")


def record_dataset(name: str, data: str, *, returned: str, n_train: int, n_test: int,
                   source: str) -> None:
    """Record that a dataset was used (when ``COURSE_PROVENANCE_FILE`` is set).

    Args:
        name: the dataset asked for, e.g. ``"mnist"``.
        data: one of ``DATA_KINDS``.
        returned: the dataset returned (a stand-in's name, or ``name``).
        n_train: training images returned.
        n_test: test images returned.
        source: where the images came from (a folder, a download, a generator).

    Raises:
        ValueError: when ``data`` is not one of ``DATA_KINDS``.
    """
    check_choice(data, param="data", owner="record_dataset", allowed=DATA_KINDS)
    _append({"kind": "dataset", "name": name, "data": data, "returned": returned,
             "n_train": int(n_train), "n_test": int(n_test), "source": source})


def record_weights(name: str, weights: str, *, source: str) -> None:
    """Record that a pretrained model was built (when ``COURSE_PROVENANCE_FILE`` is set).

    Args:
        name: the model, e.g. ``"mobilenet"``.
        weights: one of ``WEIGHT_KINDS``: ``"ImageNet"`` when the real weights loaded,
            ``"random"`` when they could not.
        source: where the weights came from, or why they are random.

    Raises:
        ValueError: when ``weights`` is not one of ``WEIGHT_KINDS``.

    Example:
        >>> record_weights("resnet50", "random", source="offline")   # doctest: +SKIP
    """
    check_choice(weights, param="weights", owner="record_weights", allowed=WEIGHT_KINDS)
    _append({"kind": "weights", "name": name, "weights": weights, "source": source})
