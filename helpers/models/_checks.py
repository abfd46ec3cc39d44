"""Argument checks shared by the model builders and blocks, with scikit-learn style messages.

Private: builders call these first, so a bad argument fails with a message that names the
parameter, the value received and what is allowed, before any layer is created. ``owner`` is
the builder or block whose parameter it is. The generic ``check_int`` comes from
``helpers._checks``, shared with the rest of the package.
"""

from __future__ import annotations

from collections.abc import Collection
from numbers import Real
from typing import Any

from helpers._checks import check_int, is_int

__all__ = [
    "POOLINGS", "check_choice", "check_classifier_options", "check_fraction",
    "check_input_shape", "check_int", "check_name", "check_num_classes", "check_rate",
    "check_sizes",
]

#: ``pooling`` of the keras.applications-style classifiers when ``include_top=False``.
POOLINGS = (None, "avg", "max")


def check_input_shape(
    input_shape: Any, *, owner: str, min_size: int = 1, hint: str = ""
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
    if shape is None or len(shape) != 3 or not all(is_int(side) and side > 0 for side in shape):
        raise ValueError(
            f"The 'input_shape' parameter of {owner} must be {allowed}; got {input_shape!r}."
        )
    if min(shape[:2]) < min_size:
        raise ValueError(
            f"The 'input_shape' parameter of {owner} must be {allowed} (smaller inputs "
            f"shrink to nothing in its downsamplings); got {input_shape!r}.{hint}"
        )
    return tuple(int(side) for side in shape)


def check_num_classes(num_classes: Any, *, owner: str) -> int:
    """Return ``num_classes`` when it is an int >= 1, else raise ValueError."""
    return check_int(num_classes, param="num_classes", owner=owner)


def check_choice(value: Any, *, param: str, owner: str, allowed: Collection[Any]) -> Any:
    """Return ``value`` when it is one of ``allowed``, else raise ValueError listing them."""
    if isinstance(value, bool) or value not in allowed:
        raise ValueError(
            f"The '{param}' parameter of {owner} must be one of {tuple(allowed)!r}; "
            f"got {value!r}."
        )
    return value


def check_rate(value: Any, *, param: str, owner: str) -> float:
    """Return a dropout rate in [0, 1), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ValueError(
            f"The '{param}' parameter of {owner} must be a number in [0, 1); got {value!r}."
        )
    return float(value)


def check_fraction(value: Any, *, param: str, owner: str) -> float:
    """Return a fraction in (0, 1] (e.g. DenseNet's compression), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value <= 1:
        raise ValueError(
            f"The '{param}' parameter of {owner} must be a number in (0, 1]; got {value!r}."
        )
    return float(value)


def check_name(name: Any, *, owner: str) -> str:
    """Return a block's ``name`` (the prefix of its layer names) when it is a non-empty str."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"The 'name' parameter of {owner} must be a non-empty str (the prefix "
                         f"of every layer name); got {name!r}.")
    return name


def check_sizes(values: Any, *, param: str, owner: str) -> tuple[int, ...]:
    """Return a non-empty sequence of positive ints (layer widths, filter counts) as a tuple."""
    try:
        sizes = tuple(values)
    except TypeError:
        sizes = ()
    if not sizes or not all(is_int(v) and v > 0 for v in sizes):
        raise ValueError(f"The '{param}' parameter of {owner} must be a non-empty sequence of "
                         f"positive ints; got {values!r}.")
    return tuple(int(v) for v in sizes)


def check_classifier_options(input_shape: Any, num_classes: Any, include_top: Any,
                             pooling: Any, *, owner: str, min_size: int,
                             hint: str) -> tuple[tuple[int, int, int], Any]:
    """Validate the options every keras.applications-style classifier shares; return the input
    shape and the number of classes as Python ints (NumPy integers are accepted).

    ``num_classes`` is only checked (and may be anything) when ``include_top`` is False.
    """
    shape = check_input_shape(input_shape, owner=owner, min_size=min_size, hint=f" {hint}")
    if not isinstance(include_top, bool):
        raise TypeError(f"The 'include_top' parameter of {owner} must be a bool; "
                        f"got {include_top!r}.")
    if include_top:
        num_classes = check_num_classes(num_classes, owner=owner)
    check_choice(pooling, param="pooling", owner=owner, allowed=POOLINGS)
    return shape, num_classes
