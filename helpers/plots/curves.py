"""Training curves from a Keras ``History``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from helpers.plots.base import _subplots

__all__ = ["plot_history"]


def plot_history(history_or_dict: Any, *, metrics: Sequence[str] | None = None) -> Any:
    """Draw training curves: one panel per metric, training and validation together.

    Args:
        history_or_dict: the ``History`` that ``fit`` returns, or its ``.history`` dict.
        metrics: metric names to draw (e.g. ``["loss", "accuracy"]``); all by default.

    Returns:
        The figure.

    Raises:
        TypeError: when given neither a ``History`` nor a dict.
        ValueError: when the history is empty or a metric is unknown.

    Example:
        >>> plot_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
        <Figure size 450x350 with 1 Axes>
    """
    history = getattr(history_or_dict, "history", history_or_dict)
    if not isinstance(history, Mapping):
        raise TypeError("The 'history_or_dict' parameter of plot_history must be a keras "
                        f"History or a dict of lists; got {type(history_or_dict).__name__}.")
    available = [key for key in history if not str(key).startswith("val_")]
    if not available or not all(len(values) for values in history.values()):
        raise ValueError("The 'history_or_dict' parameter of plot_history holds no values; "
                         f"got keys {list(history)}. Train for at least one epoch.")
    if metrics is None:
        metrics = sorted(available, key=lambda key: key != "loss")
    elif isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in available]
    if unknown or not metrics:
        raise ValueError(f"The 'metrics' parameter of plot_history must name metrics among "
                         f"{tuple(available)}; got {list(metrics)!r}.")
    fig, axes = _subplots(1, len(metrics), (4.5 * len(metrics), 3.5))
    for ax, name in zip(axes, metrics):
        for key, label, style in ((name, "training", "-o"), (f"val_{name}", "validation",
                                                              "--s")):
            if key in history:
                values = np.asarray(history[key], dtype=float)
                ax.plot(np.arange(1, len(values) + 1), values, style, markersize=3,
                        label=label)
        ax.set(title=name, xlabel="epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    fig.tight_layout()
    return fig
