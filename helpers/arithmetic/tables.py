"""``model_table``: one row per layer of any Keras model, with its cost and memory.

Duck-typed: it reads layer attributes and never imports TensorFlow.

Example:
    >>> model_table(model)          # doctest: +SKIP
    name   type    output shape   params   mults   activation bytes
    ...
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from helpers._checks import check_bool
from helpers.arithmetic.formulas import _dtype_bytes

__all__ = ["LayerRow", "ModelTable", "model_table"]


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`ModelTable`.

    Attributes:
        name: Layer name; a layer of a nested sub-model is named ``"outer/inner"``.
        type: The layer's class name.
        output_shape: Keras' output shape with the batch axis (``None``); a tuple of shapes
            for a layer with several outputs; None if the layer was never called on a
            symbolic input (e.g. inside a subclassed model).
        params: Weights, from the layer's own ``count_params()``.
        mults: Multiplications for one instance (0 for layers without a known formula;
            None when the output shape is unknown).
        activation_bytes: Bytes of the layer's outputs for one instance (None if unknown).
    """

    name: str
    type: str
    output_shape: Any
    params: int
    mults: int | None
    activation_bytes: int | None


@dataclass(frozen=True, repr=False)
class ModelTable(Sequence):
    """Per-layer cost of a Keras model: a sequence of :class:`LayerRow` with totals.

    Index it by position or by layer name; print it, or end a notebook cell with it.

    Example:
        >>> table = model_table(model)                # doctest: +SKIP
        >>> table["conv"].mults, table.total_params   # doctest: +SKIP
        (225000000, 15200)
    """

    name: str
    rows: tuple[LayerRow, ...]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: int | slice | str) -> LayerRow | tuple[LayerRow, ...]:
        if isinstance(key, str):
            for row in self.rows:
                if row.name == key:
                    return row
            raise KeyError(f"No layer named {key!r} in model {self.name!r}; layers: "
                           f"{[row.name for row in self.rows]}.")
        return self.rows[key]

    @property
    def total_params(self) -> int:
        """Sum of the rows' parameters (equals ``model.count_params()``)."""
        return sum(row.params for row in self.rows)

    @property
    def total_mults(self) -> int | None:
        """Multiplications for one instance (None if a row's count is unknown)."""
        return _total(row.mults for row in self.rows)

    @property
    def total_activation_bytes(self) -> int | None:
        """Bytes of every layer's output for one instance (None if a row's size is unknown)."""
        return _total(row.activation_bytes for row in self.rows)

    def _cells(self) -> tuple[tuple[str, ...], list[tuple[str, ...]], tuple[str, ...]]:
        header = ("Layer (type)", "Output shape", "Params", "Mults", "Activations")
        body = [(f"{r.name} ({r.type})", _format_shape(r.output_shape), _format_int(r.params),
                 _format_int(r.mults), _format_bytes(r.activation_bytes)) for r in self.rows]
        total = ("Total", "", _format_int(self.total_params), _format_int(self.total_mults),
                 _format_bytes(self.total_activation_bytes))
        return header, body, total

    def to_string(self) -> str:
        """The table as fixed-width text."""
        header, body, total = self._cells()
        widths = [max(len(line[i]) for line in [header, total, *body]) for i in range(5)]

        def line(cells):
            return "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
        rule = "-" * len(line(header))
        return "\n".join([f'Model: "{self.name}"', line(header), rule,
                          *map(line, body), rule, line(total)])

    __str__ = to_string
    __repr__ = to_string

    def _repr_html_(self) -> str:
        header, body, total = self._cells()

        def row(cells, tag="td"):
            return "<tr>" + "".join(
                f'<{tag} style="text-align:{"left" if i < 2 else "right"}">'
                f"{html.escape(c)}</{tag}>" for i, c in enumerate(cells)) + "</tr>"
        return (f"<table><caption>{html.escape(self.name)}</caption>"
                f"<thead>{row(header, 'th')}</thead><tbody>{''.join(map(row, body))}</tbody>"
                f"<tfoot>{row(total, 'th')}</tfoot></table>")


def _total(values: Any) -> int | None:
    values = list(values)
    return None if None in values else sum(values)


def _format_shape(shape: Any) -> str:
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], tuple):
        return ", ".join(map(_format_shape, shape))
    return "(" + ", ".join(map(str, shape)) + ")"


def _format_int(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _format_bytes(value: int | None) -> str:
    if value is None:
        return "?"
    if value < 1024:
        return f"{value} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"


def _tensors(value: Any) -> list:
    """Flatten a layer's output structure (tensor, list, tuple or dict) into tensors."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    return [value] if hasattr(value, "shape") else []


def _first(layer: Any, attribute: str) -> list | None:
    """The tensors of the layer's first call (``layer.output`` / ``layer.input``)."""
    try:
        return _tensors(getattr(layer, attribute))
    except (AttributeError, ValueError):         # never called on a symbolic input
        return None


def _shape(tensor: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _elements(tensors: list | None) -> int | None:
    """Values per instance (batch axis dropped); None if a size is unknown."""
    if not tensors:
        return None
    shapes = [_shape(t)[1:] for t in tensors]
    return None if any(None in s for s in shapes) else sum(math.prod(s) for s in shapes)


def _mults(layer: Any, kinds: set[str], outputs: list | None) -> int | None:
    """Multiplications of the layer types we know, from their kernels' shapes."""
    known = {"BaseSeparableConv", "BaseDepthwiseConv", "BaseConvTranspose", "BaseConv",
             "Dense"}
    if not kinds & known:
        return 0
    try:
        if "BaseConvTranspose" in kinds:         # each input value meets F_h*F_w*filters
            inputs = _elements(_first(layer, "input"))
            return None if inputs is None else inputs * math.prod(layer.kernel.shape[:-1])
        out = _elements(outputs)
        if out is None:
            return None
        if "BaseSeparableConv" in kinds:         # depthwise then pointwise, per position
            positions = out // int(layer.pointwise_kernel.shape[-1])
            return positions * (math.prod(layer.depthwise_kernel.shape)
                                + math.prod(layer.pointwise_kernel.shape))
        if "BaseDepthwiseConv" in kinds:         # one F_h x F_w filter per output channel
            return out * math.prod(layer.kernel.shape[:-2])
        if "BaseConv" in kinds:                  # F_h x F_w x C_in/groups per output value
            return out * math.prod(layer.kernel.shape[:-1])
        return out * int(layer.kernel.shape[0])  # Dense: one dot product per output value
    except (AttributeError, TypeError, ValueError):   # e.g. a quantized kernel
        return None


def _rows(model: Any, prefix: str, expand_nested: bool) -> list[LayerRow]:
    rows = []
    for layer in model.layers:
        kinds = {cls.__name__ for cls in type(layer).__mro__}
        if "InputLayer" in kinds:
            continue
        name = prefix + layer.name
        outputs = _first(layer, "output")
        shapes = None if outputs is None else tuple(_shape(t) for t in outputs)
        shape = shapes[0] if shapes and len(shapes) == 1 else shapes
        if "Model" in kinds and hasattr(layer, "layers"):
            inner = _rows(layer, name + "/", expand_nested)
            if expand_nested:
                rows.extend(inner)
                continue
            mults = _total(r.mults for r in inner)
            size = _total(r.activation_bytes for r in inner)
        else:
            mults = _mults(layer, kinds, outputs)
            sizes = [(_elements([t]), _dtype_bytes(getattr(t, "dtype", None)))
                     for t in outputs or []]
            size = None if not sizes or any(None in s for s in sizes) else \
                sum(n * b for n, b in sizes)
        params = layer.count_params() if getattr(layer, "built", True) else 0
        rows.append(LayerRow(name, type(layer).__name__, shape, params, mults, size))
    return rows


def model_table(model: Any, *, expand_nested: bool = True) -> ModelTable:
    """Tabulate a built Keras model: per layer, output shape, parameters, multiplications and
    activation memory for one instance, with totals.

    Multiplications are counted for convolutions (groups included), depthwise, separable and
    transposed convolutions and ``Dense``; other layers count 0. A layer called several times
    is one row, costed for its first call. Layers whose output shape Keras does not record
    (those of a subclassed model) show "?", and the totals they enter are None.

    Args:
        model: A built Keras model (Sequential, functional or subclassed).
        expand_nested: If True (default) the layers of a nested sub-model are listed as
            ``"outer/inner"`` rows; if False the sub-model is one row whose multiplications
            and activation bytes are those of its layers. Totals are the same either way.

    Returns:
        The :class:`ModelTable`.

    Raises:
        TypeError: when ``model`` is not a Keras model or ``expand_nested`` not a bool.
        ValueError: when the model is not built.

    Example:
        >>> table = model_table(model)                      # doctest: +SKIP
        >>> table.total_params == model.count_params()      # doctest: +SKIP
        True
    """
    func = "model_table"
    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        raise TypeError(f"The 'model' parameter of {func} must be a Keras model; got an "
                        f"object of type {type(model).__name__}.")
    if not getattr(model, "built", True):
        raise ValueError(f"The 'model' parameter of {func} must be a built model; got the "
                         f"unbuilt model {model.name!r}. Start it with keras.Input(shape) "
                         "or call model.build(input_shape) first.")
    check_bool(expand_nested, param="expand_nested", owner=func)
    return ModelTable(str(getattr(model, "name", "model")),
                      tuple(_rows(model, "", expand_nested)))
