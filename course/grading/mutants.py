"""Realistic mistakes, applied to a master's solutions: the mutants ``course check --mutants``
grades to measure whether the tests catch what students get wrong.

Each :class:`Mistake` rewrites one node of a solution region (``### BEGIN SOLUTION`` ...
``### END SOLUTION``) through :mod:`ast`: a forgotten ``+ 1``, ``>`` for ``>=``, the other
padding, the wrong axis, no bias, no activation, a transposed kernel, ``/`` for ``//``, the
mean for the max, a constant returned. A mutant is one mistake at its first place in one code
answer cell; the code outside the region is unchanged (re-written by :func:`ast.unparse`).

Example:
    >>> [m.mistake.name for m in mutants_of_source("### BEGIN SOLUTION\\nreturn n - k + 1\\n"
    ...                                              "### END SOLUTION")]   # doctest: +SKIP
    ['off-by-one']
"""

from __future__ import annotations

import ast
import copy
import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from course.authoring.lint import SOLUTION
from course.grading.integrity import strip_magics

__all__ = ["MISTAKES", "Mistake", "Mutant", "mutants_of_source"]

_SWAPPED_COMPARISONS = {ast.GtE: ast.Gt, ast.Gt: ast.GtE, ast.LtE: ast.Lt, ast.Lt: ast.LtE}
_SWAPPED_PADDINGS = {"same": "valid", "valid": "same"}
_SWAPPED_REDUCTIONS = {"max": "mean", "mean": "max", "sum": "mean", "amax": "mean"}
_KERNEL_NAMES = frozenset({"kernel", "kernels", "weights", "w"})  # arrays, not counts


def _is_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == 1


def _int_value(node: ast.AST) -> int | None:
    """The value of an int literal, negative ones included (``-1``), else ``None``."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int):
        return -node.operand.value
    return None


def _drop_one(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and _is_one(
            node.right):
        return node.left
    return None


def _boundary(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(
            node.ops[0]) in _SWAPPED_COMPARISONS:
        return ast.Compare(node.left, [_SWAPPED_COMPARISONS[type(node.ops[0])]()],
                           node.comparators)
    return None


def _padding(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Constant) and node.value in _SWAPPED_PADDINGS:
        return ast.Constant(_SWAPPED_PADDINGS[node.value])
    return None


def _keyword(name: str, change: Callable[[ast.AST], ast.AST | None]
             ) -> Callable[[ast.AST], ast.AST | None]:
    """A mistake on the value of keyword argument ``name`` of a call."""
    def apply(node: ast.AST) -> ast.AST | None:
        if not isinstance(node, ast.Call):
            return None
        for position, keyword in enumerate(node.keywords):
            new = change(keyword.value) if keyword.arg == name else None
            if new is not None:
                keywords = list(node.keywords)
                keywords[position] = ast.keyword(name, new)
                return ast.Call(node.func, node.args, keywords)
        return None
    return apply


def _other_axis(value: ast.AST) -> ast.AST | None:
    axis = _int_value(value)
    return None if axis is None else ast.Constant(axis + 1 if axis >= 0 else axis - 1)


def _no_bias(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        added = node.right
        name = getattr(added, "id", None) or getattr(added, "attr", None) or getattr(
            getattr(added, "value", None), "id", "")
        if "bias" in name or name in ("b", "biases"):
            return node.left
    return _keyword("use_bias", lambda value: ast.Constant(False) if isinstance(
        value, ast.Constant) and value.value is True else None)(node)


def _transposed(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and (
            node.id.lower() in _KERNEL_NAMES):
        return ast.Call(ast.Attribute(node, "swapaxes", ast.Load()),
                        [ast.Constant(0), ast.Constant(1)], [])
    return None


def _true_division(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
        return ast.BinOp(node.left, ast.Div(), node.right)
    return None


def _reduction(node: ast.AST) -> ast.AST | None:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _SWAPPED_REDUCTIONS):
        func = ast.Attribute(node.func.value, _SWAPPED_REDUCTIONS[node.func.attr], ast.Load())
        return ast.Call(func, node.args, node.keywords)
    return None


def _constant_return(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Return) and node.value is not None and not isinstance(
            node.value, ast.Constant):
        return ast.Return(ast.Constant(0))
    return None


@dataclass(frozen=True)
class Mistake:
    """One kind of mistake: its name, what the student did, and how to make it.

    Args:
        name: a short name (``off-by-one``).
        what: the mistake in words.
        apply: a node made wrong, or ``None`` where the mistake does not apply.
    """

    name: str
    what: str
    apply: Callable[[ast.AST], ast.AST | None]


MISTAKES = (
    Mistake("off-by-one", "a '+ 1' or '- 1' forgotten", _drop_one),
    Mistake("boundary", "'>' for '>=' (or '<' for '<=', and back)", _boundary),
    Mistake("padding", "'same' padding for 'valid' (and back)", _padding),
    Mistake("axis", "the wrong axis", _keyword("axis", _other_axis)),
    Mistake("no-bias", "the bias left out", _no_bias),
    Mistake("no-activation", "the activation left out",
            _keyword("activation", lambda value: None if isinstance(value, ast.Constant) and (
                value.value is None) else ast.Constant(None))),
    Mistake("transposed", "the kernel transposed (rows for columns)", _transposed),
    Mistake("division", "'/' for '//'", _true_division),
    Mistake("reduction", "the mean for the max or the sum (and back)", _reduction),
    Mistake("constant", "a constant returned", _constant_return),
)


@dataclass(frozen=True)
class Mutant:
    """A cell's source with one mistake in its solution region.

    Args:
        mistake: the mistake made.
        line: the line of the cell it was made on (1-based).
        source: the whole cell, mistake included.
        change: the lines that differ, as ``-`` (the solution) and ``+`` (the mutant) lines of
            the cell re-written by :func:`ast.unparse`, indentation left out.
    """

    mistake: Mistake
    line: int
    source: str
    change: tuple[str, ...] = ()


def _solution_lines(source: str) -> list[tuple[int, int]]:
    """The (first, last) line numbers inside each solution region of a cell."""
    begin, end = SOLUTION
    regions, start = [], None
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            start = number + 1
        elif end in line and start is not None:
            regions.append((start, number - 1))
            start = None
    return regions


class _FirstSite(ast.NodeTransformer):
    """Replace the first node inside the regions that ``mistake`` applies to."""

    def __init__(self, mistake: Mistake, regions: list[tuple[int, int]]) -> None:
        self.mistake, self.regions, self.line = mistake, regions, 0

    def visit(self, node: ast.AST) -> ast.AST:
        if not self.line:
            line = getattr(node, "lineno", 0)
            if any(first <= line <= last for first, last in self.regions):
                new = self.mistake.apply(node)
                if new is not None:
                    self.line = line
                    return ast.copy_location(new, node)
        return self.generic_visit(node)


def mutants_of_source(source: str) -> Iterator[Mutant]:
    """One :class:`Mutant` per mistake that applies to the solution regions of ``source``.

    Args:
        source: a code answer cell's source (IPython magics allowed: they are not mutated).

    Yields:
        The mutants, in the order of :data:`MISTAKES`; none for a cell Python cannot parse.
    """
    regions = _solution_lines(source)
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return
    original = ast.unparse(tree).split("\n")
    for mistake in MISTAKES:
        finder = _FirstSite(mistake, regions)
        mutated = ast.unparse(ast.fix_missing_locations(finder.visit(copy.deepcopy(tree))))
        if finder.line:
            change = tuple(line[0] + line[1:].strip() for line in difflib.unified_diff(
                original, mutated.split("\n"), n=0, lineterm="")
                if line[:1] in "-+" and line[:3] not in ("---", "+++"))
            yield Mutant(mistake, finder.line, mutated, change)
