"""Argument checks shared by the model builders, with scikit-learn style messages.

Private: builders call these first, so a bad argument fails with a message that names the
parameter, the value received and what is allowed, before any layer is created.
"""

from __future__ import annotations

from collections.abc import Collection
from numbers import Integral, Real
from typing import Any

__all__ = [
    "check_choice", "check_input_shape", "check_int", "check_num_classes", "check_rate",
    "check_sizes",
]


def _is_int(value: Any) -> bool:
    """An int (NumPy's integers too, e.g. from ``x_train.shape``), but not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_input_shape(
    input_shape: Any, *, builder: str, min_size: int = 1, hint: str = ""
) -> tuple[int, int, int]:
    """Return ``input_shape`` as ``(height, width, channels)`` of positive ints.

    Raises ValueError when it is not a 3-sequence of positive ints or when height or width is
    below ``min_size`` (the smallest side the builder's downsamplings allow).
    """
    allowed = "(height, width, channels) of positive ints"
    if min_size > 1:
        allowed += f" with height and width >= {min_size}"
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or len(shape) != 3 or not all(_is_int(side) and side > 0 for side in shape):
        raise ValueError(
            f"The 'input_shape' parameter of {builder} must be {allowed}; got {input_shape!r}."
        )
    if min(shape[:2]) < min_size:
        raise ValueError(
            f"The 'input_shape' parameter of {builder} must be {allowed} (smaller inputs "
            f"shrink to nothing in its downsamplings); got {input_shape!r}.{hint}"
        )
    return tuple(int(side) for side in shape)


def check_num_classes(num_classes: Any, *, builder: str) -> int:
    """Return ``num_classes`` when it is an int >= 1, else raise ValueError."""
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(
            f"The 'num_classes' parameter of {builder} must be an int >= 1; got {num_classes!r}."
        )
    return int(num_classes)


def check_choice(value: Any, *, param: str, builder: str, allowed: Collection[Any]) -> Any:
    """Return ``value`` when it is one of ``allowed``, else raise ValueError listing them."""
    if isinstance(value, bool) or value not in allowed:
        raise ValueError(
            f"The '{param}' parameter of {builder} must be one of {tuple(allowed)!r}; "
            f"got {value!r}."
        )
    return value


def check_rate(value: Any, *, param: str, builder: str) -> float:
    """Return a dropout rate in [0, 1), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ValueError(
            f"The '{param}' parameter of {builder} must be a number in [0, 1); got {value!r}."
        )
    return float(value)


def check_int(value: Any, *, param: str, builder: str, minimum: int = 1) -> int:
    """Return ``value`` as an int when it is an int >= ``minimum``, else raise ValueError."""
    if not _is_int(value) or value < minimum:
        raise ValueError(
            f"The '{param}' parameter of {builder} must be an int >= {minimum}; got {value!r}."
        )
    return int(value)


def check_sizes(values: Any, *, param: str, builder: str) -> tuple[int, ...]:
    """Return a non-empty sequence of positive ints (layer widths, filter counts) as a tuple."""
    try:
        sizes = tuple(values)
    except TypeError:
        sizes = ()
    if not sizes or not all(_is_int(v) and v > 0 for v in sizes):
        raise ValueError(f"The '{param}' parameter of {builder} must be a non-empty sequence of "
                         f"positive ints; got {values!r}.")
    return tuple(int(v) for v in sizes)
