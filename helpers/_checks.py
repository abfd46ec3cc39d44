"""Argument checks shared by the whole package, with scikit-learn style messages.

Private: a public function calls these first, so a bad argument fails with a message that
names the parameter, the function, what is allowed and the value received, e.g.
"The 'epochs' parameter of fit must be a positive int; got 0."
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

__all__ = ["check_int", "is_int"]


def is_int(value: Any) -> bool:
    """An int (NumPy's integers too, e.g. from ``x_train.shape``), but not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_int(value: Any, *, param: str, owner: str, minimum: int = 1,
              allowed: str | None = None) -> int:
    """Return ``value`` as a Python int when it is an int >= ``minimum``, else raise ValueError.

    Args:
        value: the argument received.
        param: the parameter's name.
        owner: the function (or builder, or block) whose parameter it is.
        minimum: the smallest allowed value.
        allowed: how the message words what is allowed; ``"an int >= {minimum}"`` when None.

    Example:
        >>> check_int(3, param="depth", owner="build_unet")
        3
        >>> check_int(0, param="epochs", owner="fit", allowed="a positive int")
        Traceback (most recent call last):
        ...
        ValueError: The 'epochs' parameter of fit must be a positive int; got 0.
    """
    if not is_int(value) or value < minimum:
        allowed = allowed or f"an int >= {minimum}"
        raise ValueError(f"The '{param}' parameter of {owner} must be {allowed}; got {value!r}.")
    return int(value)
