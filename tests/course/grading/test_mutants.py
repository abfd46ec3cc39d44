"""course.grading.mutants: each mistake written by hand, made once, only inside the solution."""

from __future__ import annotations

import ast

import pytest

from course.grading.mutants import MISTAKES, mutants_of_source


def solution(body: str, before: str = "", after: str = "") -> str:
    """A code answer cell: ``body`` inside the solution markers of a function."""
    lines = [before, "def f(x, kernel, n, k, padding):", "    ### BEGIN SOLUTION"]
    lines += ["    " + line for line in body.split("\n")]
    lines += ["    ### END SOLUTION", after]
    return "\n".join(lines)


def made(source: str) -> dict[str, str]:
    """Mistake name -> the mutated function body (normalised by ast)."""
    return {m.mistake.name: ast.unparse(ast.parse(m.source)) for m in mutants_of_source(source)}


def body_of(text: str) -> str:
    return ast.unparse(ast.parse(solution(text)))


@pytest.mark.parametrize("body, name, wrong", [
    ("return (n - k) // 2 + 1", "off-by-one", "return (n - k) // 2"),
    ("return x >= 0", "boundary", "return x > 0"),
    ("return x < 0", "boundary", "return x <= 0"),
    ("y = conv(x, padding='valid')\nreturn y", "padding", "y = conv(x, padding='same')\nreturn y"),
    ("return x.sum(axis=-1)", "axis", "return x.sum(axis=-2)"),
    ("return x.sum(axis=0)", "axis", "return x.sum(axis=1)"),
    ("return x @ kernel + bias", "no-bias", "return x @ kernel"),
    ("return Dense(3, use_bias=True)", "no-bias", "return Dense(3, use_bias=False)"),
    ("return Dense(3, activation='relu')", "no-activation", "return Dense(3, activation=None)"),
    ("return (x * kernel).sum()", "transposed", "return (x * kernel.swapaxes(0, 1)).sum()"),
    ("return (n - k) // 2", "division", "return (n - k) / 2"),
    ("return x.max(axis=(0, 1))", "reduction", "return x.mean(axis=(0, 1))"),
    ("return x * 2", "constant", "return 0"),
])
def test_each_mistake_as_written_by_hand(body, name, wrong):
    assert made(solution(body))[name] == body_of(wrong)


def test_a_mistake_is_made_once_at_its_first_place():
    mutated = made(solution("a = n + 1\nb = k + 1\nreturn a * b"))["off-by-one"]
    assert mutated == body_of("a = n\nb = k + 1\nreturn a * b")


def test_code_outside_the_solution_is_never_changed():
    source = solution("return n", before="LIMIT = 10 - 1\nassert 3 >= 2", after="print(5 // 2)")
    assert set(made(source)) == {"constant"}
    assert all("10 - 1" in m.source and "3 >= 2" in m.source and "5 // 2" in m.source
               for m in mutants_of_source(source))


def test_counts_and_constants_are_not_kernels():
    assert "transposed" not in made(solution("return conv(x, filters, kernel_size)"))


def test_a_cell_python_cannot_parse_has_no_mutant():
    assert list(mutants_of_source(solution("return (n -"))) == []


def test_magics_do_not_stop_the_mutants():
    source = "%matplotlib inline\n" + solution("return n - 1")
    assert "off-by-one" in made(source)


def test_every_mistake_is_named_and_described():
    names = [mistake.name for mistake in MISTAKES]
    assert len(set(names)) == len(names) and all(mistake.what for mistake in MISTAKES)
