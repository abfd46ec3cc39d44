"""Formulas of convolutional networks, per layer: output sizes, parameters, multiplications,
memory.

Sizes follow Keras: ``padding`` is ``"valid"``, ``"same"`` or an int number of zeros added on
each side (the slides' ``(N - F + 2P) / S + 1``). A ``kernel_size`` given as an int means a
square 2-D kernel; pass a tuple for other shapes or ranks.

Example:
    >>> conv_param_count(3, 256, 256)       # the VGG slide: 3 x 3 x C x C + C for C = 256
    590080
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from helpers._checks import check_bool, check_int, is_int

__all__ = [
    "conv_mult_count", "conv_output_size", "conv_param_count", "dense_param_count",
    "feature_map_bytes", "receptive_field", "separable_conv_param_count",
]

Size = int | tuple[int, ...]

_PADDINGS = ("same", "valid")
_DTYPE_BYTES = {
    "bool": 1, "int8": 1, "uint8": 1, "float8_e4m3fn": 1, "float8_e5m2": 1,
    "int16": 2, "uint16": 2, "float16": 2, "bfloat16": 2,
    "int32": 4, "uint32": 4, "float32": 4,
    "int64": 8, "uint64": 8, "float64": 8, "complex64": 8, "complex128": 16,
}


# ---------------------------------------------------------------------------------------
# argument checks (sklearn-style messages: parameter, function, what is allowed, the value)

def _int(value: Any, name: str, func: str, minimum: int = 1, allowed: str = "") -> int:
    """The shared ``check_int``, except that a value that is no int at all is a TypeError."""
    allowed = allowed or f"an int >= {minimum}"
    if not is_int(value):
        raise TypeError(f"The {name!r} parameter of {func} must be {allowed}; got {value!r}.")
    return check_int(value, param=name, owner=func, minimum=minimum, allowed=allowed)


def _ints(value: Any, name: str, func: str, minimum: int = 1) -> int | tuple[int, ...]:
    """An int stays an int; a non-empty tuple/list of ints becomes a tuple."""
    allowed = f"an int >= {minimum} or a tuple of such ints"
    if isinstance(value, (tuple, list)):
        if not value:
            raise ValueError(f"The {name!r} parameter of {func} must be {allowed}; got {value!r}.")
        return tuple(_int(v, name, func, minimum, allowed) for v in value)
    return _int(value, name, func, minimum, allowed)


def _padding(value: Any, func: str) -> str | int | tuple[int, ...]:
    allowed = f"one of {_PADDINGS}, an int >= 0 or a tuple of such ints"
    if isinstance(value, str):
        if value not in _PADDINGS:
            hint = f" (Keras spells it {value.lower()!r})" if value.lower() in _PADDINGS else ""
            raise ValueError(f"The 'padding' parameter of {func} must be {allowed}; got "
                             f"{value!r}{hint}.")
        return value
    if not (is_int(value) or isinstance(value, (tuple, list))):
        raise TypeError(f"The 'padding' parameter of {func} must be {allowed}; got {value!r}.")
    return _ints(value, "padding", func, minimum=0)


def _broadcast(func: str, **values: Any) -> tuple[int | None, dict[str, tuple]]:
    """Broadcast ints to the length of the tuples; return that rank (None: all ints) and them."""
    ranks = {name: len(v) for name, v in values.items() if isinstance(v, tuple)}
    if len(set(ranks.values())) > 1:
        got = ", ".join(f"{name} has {rank}" for name, rank in ranks.items())
        raise ValueError(f"The tuple parameters of {func} must have the same number of "
                         f"dimensions; got {got}.")
    rank = next(iter(ranks.values()), None)
    return rank, {name: v if isinstance(v, tuple) else (v,) * (rank or 1)
                  for name, v in values.items()}


def _one_size(func: str, n: int, k: int, s: int, p: str | int, d: int, exact: bool) -> int:
    span = d * (k - 1) + 1                          # the dilated kernel's extent
    if p == "same":                                 # Keras pads so that out = ceil(n / s)
        out = -(-n // s)
        padded = n + max((out - 1) * s + span - n, 0)
    else:
        padded = n + 2 * (0 if p == "valid" else p)
        if span > padded:
            raise ValueError(
                f"The 'kernel_size' parameter of {func} is too large for the input: a kernel "
                f"spanning {span} (kernel_size={k}, dilation_rate={d}) does not fit in "
                f"{padded} (input_size={n}, padding={p!r}); use padding='same', more "
                "padding or a smaller kernel.")
        out = (padded - span) // s + 1
    if exact and (padded - span) % s:
        fits = tuple(x for x in range(1, padded - span + 1) if (padded - span) % x == 0)
        raise ValueError(
            f"The 'strides' parameter of {func} does not tile the input (exact=True): a "
            f"kernel spanning {span} at stride {s} over {padded} positions (input_size={n}, "
            f"padding={p!r}) leaves {(padded - span) % s} position(s) at the end uncovered: "
            f"({padded} - {span}) / {s} is not an integer; strides that fit: {fits}.")
    return out


def _output_sizes(func: str, input_size: Any, kernel_size: Any, strides: Any, padding: Any,
                  dilation_rate: Any, exact: bool) -> tuple[int | None, tuple[int, ...]]:
    rank, v = _broadcast(func, input_size=_ints(input_size, "input_size", func),
                         kernel_size=_ints(kernel_size, "kernel_size", func),
                         strides=_ints(strides, "strides", func),
                         dilation_rate=_ints(dilation_rate, "dilation_rate", func),
                         padding=_padding(padding, func))
    return rank, tuple(_one_size(func, *args, exact) for args in zip(
        v["input_size"], v["kernel_size"], v["strides"], v["padding"], v["dilation_rate"]))


def _kernel_volume(kernel_size: Any, func: str, rank: int = 2) -> int:
    kernel = _ints(kernel_size, "kernel_size", func)
    return math.prod(kernel) if isinstance(kernel, tuple) else kernel ** rank


def _check_groups(func: str, groups: Any, in_channels: int, filters: int) -> int:
    groups = _int(groups, "groups", func)
    if in_channels % groups or filters % groups:
        raise ValueError(f"The 'groups' parameter of {func} must divide both "
                         f"in_channels={in_channels} and filters={filters}; got {groups}.")
    return groups


# ---------------------------------------------------------------------------------------
# formulas

def conv_output_size(input_size: Size, kernel_size: Size, strides: Size = 1,
                     padding: str | Size = "valid", dilation_rate: Size = 1,
                     exact: bool = False) -> Size:
    """Spatial output size of a convolution or pooling layer, as Keras computes it.

    ``"valid"``: ``(N - F) // S + 1``; ``"same"``: ``ceil(N / S)``; an int ``P``: ``P`` zeros
    on each side, ``(N - F + 2P) // S + 1``. A dilated kernel spans ``D * (F - 1) + 1``.
    Pooling uses the same formula with ``kernel_size=pool_size`` (and, like Keras,
    ``strides=pool_size`` unless you pool with another stride).

    Args:
        input_size: Input size along one axis (int) or per axis (tuple such as ``(H, W)``).
        kernel_size: Kernel (or pool) size, int or per axis.
        strides: Step between windows (>= 1), int or per axis.
        padding: ``"valid"``, ``"same"`` or zeros per side (int >= 0, or per axis).
        dilation_rate: Spacing between kernel taps, int or per axis.
        exact: If True, raise ValueError when the windows do not tile the (padded) input,
            i.e. ``(N - F + 2P) / S`` is not an integer and input is left uncovered.

    Returns:
        An int when every argument is an int, else a tuple with one size per axis.

    Raises:
        TypeError: A size that is not an int (bools are refused), a padding of another type.
        ValueError: An unknown padding string (case-sensitive: ``"SAME"`` is refused), a
            size < 1, a kernel larger than the unpadded input, or a misfit with ``exact``.

    Example:
        >>> [conv_output_size(7, 3, strides=s) for s in (1, 2)]
        [5, 3]
        >>> conv_output_size(7, 3, strides=3, exact=True)   # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: The 'strides' parameter of conv_output_size does not tile the input ...
        >>> conv_output_size((224, 224), 3, padding=1)   # VGG: 3x3, stride 1, pad 1
        (224, 224)
    """
    func = "conv_output_size"
    check_bool(exact, param="exact", owner=func)
    rank, sizes = _output_sizes(func, input_size, kernel_size, strides, padding,
                                dilation_rate, exact)
    return sizes[0] if rank is None else sizes


def conv_param_count(kernel_size: Size, in_channels: int, filters: int, use_bias: bool = True,
                     *, groups: int = 1) -> int:
    """Weights of a ``Conv2D`` layer: ``F_h * F_w * (C_in / groups) * filters (+ filters)``.

    Example:
        >>> conv_param_count(5, 3, 6)        # six 5x5x3 filters with biases
        456
    """
    func = "conv_param_count"
    in_channels = _int(in_channels, "in_channels", func)
    filters = _int(filters, "filters", func)
    groups = _check_groups(func, groups, in_channels, filters)
    weights = _kernel_volume(kernel_size, func) * (in_channels // groups) * filters
    return weights + (filters if check_bool(use_bias, param="use_bias", owner=func) else 0)


def separable_conv_param_count(kernel_size: Size, in_channels: int, filters: int,
                               depth_multiplier: int = 1, use_bias: bool = True) -> int:
    """Weights of a ``SeparableConv2D``: a depthwise ``F_h x F_w`` filter per input channel
    (times ``depth_multiplier``), then ``filters`` pointwise 1 x 1 filters.

    Example:
        >>> separable_conv_param_count(3, 256, 256)   # vs 590,080 for a 3x3 Conv2D
        68096
    """
    func = "separable_conv_param_count"
    in_channels = _int(in_channels, "in_channels", func)
    filters = _int(filters, "filters", func)
    depth = in_channels * _int(depth_multiplier, "depth_multiplier", func)
    weights = _kernel_volume(kernel_size, func) * depth + depth * filters
    return weights + (filters if check_bool(use_bias, param="use_bias", owner=func) else 0)


def dense_param_count(in_units: int, units: int, use_bias: bool = True) -> int:
    """Weights of a ``Dense`` layer: ``in_units * units (+ units)``.

    Example:
        >>> dense_param_count(256 * 6 * 6, 4096)       # AlexNet FC6: 38M
        37752832
    """
    func = "dense_param_count"
    units = _int(units, "units", func)
    weights = _int(in_units, "in_units", func) * units
    return weights + (units if check_bool(use_bias, param="use_bias", owner=func) else 0)


def conv_mult_count(input_shape: Sequence[int], kernel_size: Size, filters: int,
                    strides: Size = 1, padding: str | Size = "valid", *,
                    dilation_rate: Size = 1, groups: int = 1) -> int:
    """Multiplications of a convolution on one instance: output elements x kernel volume.

    ``input_shape`` is one instance, channels last: ``(H, W, C)`` (any number of spatial
    axes). Each output value is a dot product of ``F_h * F_w * C / groups`` terms.

    Example:
        >>> conv_mult_count((28, 28, 192), 5, 32, padding="same")   # GoogLeNet slide
        120422400
    """
    func = "conv_mult_count"
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 2:
        raise TypeError(f"The 'input_shape' parameter of {func} must be a tuple (spatial "
                        f"sizes..., channels) such as (28, 28, 192); got {input_shape!r}.")
    *spatial, channels = _ints(input_shape, "input_shape", func)
    filters = _int(filters, "filters", func)
    groups = _check_groups(func, groups, channels, filters)
    kernel = _ints(kernel_size, "kernel_size", func)
    if isinstance(kernel, int):
        kernel = (kernel,) * len(spatial)
    _, out = _output_sizes(func, tuple(spatial), kernel, strides, padding, dilation_rate,
                           exact=False)
    return math.prod(out) * filters * math.prod(kernel) * (channels // groups)


def _dtype_bytes(dtype: Any) -> int | None:
    """Bytes per value of a dtype given as a string, numpy/TensorFlow dtype or numpy type."""
    name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or dtype
    return _DTYPE_BYTES.get(str(name))


def feature_map_bytes(shape: Size, dtype: Any = "float32") -> int:
    """Bytes taken by a tensor of ``shape`` (prepend the batch size for a whole batch).

    Example:
        >>> feature_map_bytes((150, 100, 200))           # deck 001: 11.4 MB per instance
        12000000
    """
    func = "feature_map_bytes"
    size = _dtype_bytes(dtype)
    if size is None:
        raise ValueError(f"The 'dtype' parameter of {func} must be one of "
                         f"{tuple(_DTYPE_BYTES)}; got {dtype!r}.")
    if isinstance(shape, (tuple, list)) and None in shape:
        raise TypeError(f"The 'shape' parameter of {func} must hold ints only; got {shape!r}. "
                        "Drop the batch axis (None) or replace it by the batch size.")
    dims = _ints(shape, "shape", func)
    return math.prod(dims if isinstance(dims, tuple) else (dims,)) * size


def receptive_field(kernel_sizes: Sequence[Size], strides: Sequence[Size] | None = None) -> Size:
    """Receptive field of the last of stacked layers on the input: ``1 + sum((F_i - 1) *
    S_1 * ... * S_(i-1))``. Pooling layers count as kernels with their pool size.

    Args:
        kernel_sizes: One kernel size per layer, first layer first (ints or tuples).
        strides: One stride per layer (default: all 1).

    Example:
        >>> receptive_field([3, 3]), receptive_field([3, 3, 3])   # deck 003: 5x5 and 7x7
        (5, 7)
    """
    func = "receptive_field"
    if isinstance(kernel_sizes, (str, bytes)) or not isinstance(kernel_sizes, Sequence) \
            or not kernel_sizes:
        raise TypeError(f"The 'kernel_sizes' parameter of {func} must be a non-empty list of "
                        f"kernel sizes, one per layer; got {kernel_sizes!r}.")
    if strides is None:
        strides = [1] * len(kernel_sizes)
    elif isinstance(strides, (str, bytes)) or not isinstance(strides, Sequence) \
            or len(strides) != len(kernel_sizes):
        raise ValueError(f"The 'strides' parameter of {func} must be a list with one stride "
                         f"per kernel ({len(kernel_sizes)}); got {strides!r}.")
    layers = [_ints(k, "kernel_sizes", func) for k in kernel_sizes]
    steps = [_ints(s, "strides", func) for s in strides]
    rank, v = _broadcast(func, **{f"kernel_sizes[{i}]": k for i, k in enumerate(layers)},
                         **{f"strides[{i}]": s for i, s in enumerate(steps)})
    fields = []
    for axis in range(rank or 1):
        field, jump = 1, 1
        for i in range(len(layers)):
            field += (v[f"kernel_sizes[{i}]"][axis] - 1) * jump
            jump *= v[f"strides[{i}]"][axis]
        fields.append(field)
    return fields[0] if rank is None else tuple(fields)
