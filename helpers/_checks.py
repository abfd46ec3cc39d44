"""Argument checks shared by the whole package, with scikit-learn style messages.

Private: a public function calls these first, so a bad argument fails, before any work is
done, with a message naming the parameter, its owner (the function, builder or block), what
is allowed and the value received, e.g.
"The 'epochs' parameter of fit must be a positive int; got 0."
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
    """Return ``value`` as a Python int when it is an int >= ``minimum``.

    Args:
        value: the argument received.
        param: the parameter's name.
        owner: the function (or builder, or block) whose parameter it is.
        minimum: the smallest allowed value.
        allowed: how the message words what is allowed; ``"an int >= {minimum}"`` when None.

    Raises:
        ValueError: when ``value`` is not an int or is below ``minimum``.

    Example:
        >>> check_int(0, param="epochs", owner="fit", allowed="a positive int")
        Traceback (most recent call last):
        ...
        ValueError: The 'epochs' parameter of fit must be a positive int; got 0.
    """
    if not is_int(value) or value < minimum:
        allowed = allowed or f"an int >= {minimum}"
        raise ValueError(f"The '{param}' parameter of {owner} must be {allowed}; got {value!r}.")
    return int(value)


def check_bool(value: Any, *, param: str, owner: str) -> bool:
    """Return ``value`` when it is a bool, else raise TypeError."""
    if not isinstance(value, bool):
        raise TypeError(f"The '{param}' parameter of {owner} must be a bool; got {value!r}.")
    return value


def check_choice(value: Any, *, param: str, owner: str, allowed: Collection[Any]) -> Any:
    """Return ``value`` when it is one of ``allowed``, else raise ValueError listing them.

    A bool matches only a bool (``1`` is not ``True``, ``True`` is not ``1``).

    Example:
        >>> check_choice("SAME", param="padding", owner="f", allowed=("same", "valid"))
        Traceback (most recent call last):
        ...
        ValueError: The 'padding' parameter of f must be one of ('same', 'valid'); got 'SAME'.
    """
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
                      unknown_sides: bool = False) -> tuple[Any, Any, int]:
    """Return ``input_shape`` as ``(height, width, channels)`` of positive ints.

    Args:
        input_shape: the argument received.
        owner: the builder whose parameter it is.
        min_size: the smallest height and width the builder's downsamplings allow.
        hint: a sentence appended to the message when the image is too small.
        unknown_sides: height and width may be ``None`` (a fully convolutional model).

    Returns:
        ``(height, width, channels)`` as Python ints (``None`` sides kept).

    Raises:
        ValueError: when it is not three positive ints, or the image is too small.
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
    return tuple(None if side is None else int(side) for side in shape)


def check_num_classes(num_classes: Any, *, owner: str) -> int:
    """Return ``num_classes`` when it is an int >= 1, else raise ValueError."""
    return check_int(num_classes, param="num_classes", owner=owner)


def check_number(value: Any, *, param: str, owner: str, interval: str) -> float:
    """Return ``value`` as a float when it is a real number in ``interval``.

    Args:
        value: the argument received.
        param: the parameter's name.
        owner: the function whose parameter it is.
        interval: the allowed interval as written in the message, e.g. ``"[0, 1)"``.

    Raises:
        ValueError: when ``value`` is not a number (bools are refused) or lies outside.

    Example:
        >>> check_number(1.5, param="alpha", owner="show_heatmap", interval="[0, 1]")
        Traceback (most recent call last):
        ...
        ValueError: The 'alpha' parameter of show_heatmap must be a number in [0, 1]; got 1.5.
    """
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
    """Check the options of a keras.applications-style classifier.

    Returns:
        ``(input_shape, num_classes)`` as Python ints; ``num_classes`` is checked only with
        the top (without it, it is returned as received).

    Raises:
        ValueError: for a bad ``input_shape``, ``num_classes`` or ``pooling``.
        TypeError: when ``include_top`` is not a bool.
    """
    shape = check_input_shape(input_shape, owner=owner, min_size=min_size, hint=f" {hint}")
    if check_bool(include_top, param="include_top", owner=owner):
        num_classes = check_num_classes(num_classes, owner=owner)
    check_choice(pooling, param="pooling", owner=owner, allowed=POOLINGS)
    return shape, num_classes
