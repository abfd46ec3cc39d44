"""Argument checks shared by the whole package, with scikit-learn style messages.

Private. Each ``check_*`` takes the value received, ``param`` (the parameter's name) and
``owner`` (the function, builder or block), returns the value (converted to a Python number
where it says so) and otherwise raises a ValueError (TypeError for ``check_bool``) whose
message names the parameter, the owner, what is allowed and the value received.

Example:
    >>> check_int(0, param="epochs", owner="fit", allowed="a positive int")
    Traceback (most recent call last):
    ...
    ValueError: The 'epochs' parameter of fit must be a positive int; got 0.
"""

from __future__ import annotations

from collections.abc import Collection
from numbers import Integral, Real
from typing import Any

__all__ = [
    "POOLINGS", "check_bool", "check_choice", "check_classifier_options", "check_input_shape",
    "check_int", "check_name", "check_num_classes", "check_number", "check_sizes", "is_int",
]


def is_int(value: Any) -> bool:
    """Return whether ``value`` is an int (NumPy's integers too), but not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_int(value: Any, *, param: str, owner: str, minimum: int = 1,
              allowed: str | None = None) -> int:
    """Check an int >= ``minimum``; ``allowed`` rewords "an int >= {minimum}" in the message."""
    if not is_int(value) or value < minimum:
        allowed = allowed or f"an int >= {minimum}"
        raise ValueError(f"The '{param}' parameter of {owner} must be {allowed}; got {value!r}.")
    return int(value)


def check_bool(value: Any, *, param: str, owner: str) -> bool:
    """Check a bool (a TypeError otherwise)."""
    if not isinstance(value, bool):
        raise TypeError(f"The '{param}' parameter of {owner} must be a bool; got {value!r}.")
    return value


def check_choice(value: Any, *, param: str, owner: str, allowed: Collection[Any]) -> Any:
    """Check one of ``allowed``; a bool matches only a bool (``1`` is not ``True``)."""
    if not any(isinstance(value, bool) == isinstance(choice, bool) and value == choice
               for choice in allowed):
        raise ValueError(
            f"The '{param}' parameter of {owner} must be one of {tuple(allowed)!r}; "
            f"got {value!r}."
        )
    return value


#: ``pooling`` of the keras.applications-style classifiers when ``include_top=False``.
POOLINGS = (None, "avg", "max")


def check_input_shape(input_shape: Any, *, owner: str, min_size: int = 1, hint: str = "",
                      unknown_sides: bool = False, divisible_by: int = 1,
                      why: str = "") -> tuple[Any, Any, int]:
    """Check ``(height, width, channels)``: positive ints, height and width >= ``min_size``.

    ``unknown_sides`` lets height and width be ``None`` (a fully convolutional model);
    ``hint`` is appended to the message when the image is too small. Known sides must be
    divisible by ``divisible_by``, which the message writes as ``why`` when given (e.g.
    ``"2 ** len(filters) = 8 (each stage halves them)"``).
    """
    allowed = "(height, width, channels) of positive ints"
    if unknown_sides:
        allowed += " (height and width may be None)"
    if min_size > 1:
        allowed += f" with height and width >= {min_size}"
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = ()
    if len(shape) != 3 or not all((is_int(side) and side > 0)
                                  or (side is None and unknown_sides and axis < 2)
                                  for axis, side in enumerate(shape)):
        raise ValueError(
            f"The 'input_shape' parameter of {owner} must be {allowed}; got {input_shape!r}."
        )
    if any(side < min_size for side in shape[:2] if side is not None):
        raise ValueError(
            f"The 'input_shape' parameter of {owner} must be {allowed} (smaller inputs "
            f"shrink to nothing in its downsamplings); got {input_shape!r}.{hint}"
        )
    if any(side % divisible_by for side in shape[:2] if side is not None):
        raise ValueError(
            f"The 'input_shape' parameter of {owner} must have height and width divisible by "
            f"{why or divisible_by}; got {input_shape!r}."
        )
    return tuple(None if side is None else int(side) for side in shape)


def check_num_classes(num_classes: Any, *, owner: str) -> int:
    """Check a number of classes (an int >= 1)."""
    return check_int(num_classes, param="num_classes", owner=owner)


def check_number(value: Any, *, param: str, owner: str, interval: str) -> float:
    """Check a real number in ``interval``, written as in the message, e.g. ``"[0, 1)"``."""
    low, high = (float(bound) for bound in interval[1:-1].split(","))
    inside = isinstance(value, Real) and not isinstance(value, bool) and (
        (low < value if interval[0] == "(" else low <= value)
        and (value < high if interval[-1] == ")" else value <= high))
    if not inside:
        raise ValueError(
            f"The '{param}' parameter of {owner} must be a number in {interval}; got {value!r}."
        )
    return float(value)


def check_name(name: Any, *, owner: str) -> str:
    """Check a block's ``name``, the prefix of its layer names: a non-empty str."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"The 'name' parameter of {owner} must be a non-empty str (the prefix "
                         f"of every layer name); got {name!r}.")
    return name


def check_sizes(values: Any, *, param: str, owner: str) -> tuple[int, ...]:
    """Check a non-empty sequence of positive ints (layer widths, filter counts); a tuple."""
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
    """Check the options of a keras.applications-style classifier.

    Returns:
        ``(input_shape, num_classes)`` as Python ints; ``num_classes`` is checked only with
        the top.
    """
    shape = check_input_shape(input_shape, owner=owner, min_size=min_size, hint=f" {hint}")
    if check_bool(include_top, param="include_top", owner=owner):
        num_classes = check_num_classes(num_classes, owner=owner)
    check_choice(pooling, param="pooling", owner=owner, allowed=POOLINGS)
    return shape, num_classes
