"""Training curves from a Keras ``History``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from helpers.plots.base import _subplots

__all__ = ["plot_history"]


def plot_history(history_or_dict: Any, *, metrics: Sequence[str] | None = None) -> Any:
    """Draw training curves: one panel per metric, training and validation together.

    Two points do not make a curve: a history of one or two epochs is drawn as bars, each
    with its value written on it.

    Args:
        history_or_dict: the ``History`` that ``fit`` returns, or its ``.history`` dict.
        metrics: metric names to draw (e.g. ``["loss", "accuracy"]``); all by default.

    Returns:
        The figure.

    Raises:
        TypeError: when given neither a ``History`` nor a dict.
        ValueError: when the history is empty or a metric is unknown.

    Example:
        >>> plot_history({"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6]})
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
        series = [(label, np.asarray(history[key], dtype=float))
                  for key, label in ((name, "training"), (f"val_{name}", "validation"))
                  if key in history]
        if max(len(values) for _, values in series) < 3:
            _bars(ax, series)
        else:
            for (label, values), style in zip(series, ("-o", "--s")):
                ax.plot(np.arange(1, len(values) + 1), values, style, markersize=3,
                        label=label)
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set(title=name, xlabel="epoch")
        ax.legend()
    fig.tight_layout()
    return fig


def _bars(ax: Any, series: list[tuple[str, np.ndarray]]) -> None:
    """Training and validation values side by side per epoch, each bar labelled."""
    width = 0.8 / len(series)
    for k, (label, values) in enumerate(series):
        epochs = np.arange(1, len(values) + 1)
        bars = ax.bar(epochs + (k - (len(series) - 1) / 2) * width, values, width,
                      label=label, color=f"C{k}")
        ax.bar_label(bars, fmt="%.3g", fontsize=8)
    ax.set_xticks(np.arange(1, max(len(values) for _, values in series) + 1))
    ax.margins(y=0.15)
