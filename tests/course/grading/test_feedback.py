"""Feedback pages never show a hidden test (the cell's source and its tracebacks are cut), and
name what each test checks."""

from __future__ import annotations

import nbformat
import pytest

from course.grading.feedback import HIDDEN_NOTE, describe_test_cell, hide_hidden_tests


def test_hide_hidden_tests_keeps_visible_lines_and_shortens_tracebacks():
    cell = nbformat.v4.new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 4  # secret\n"
                                     "### END HIDDEN TESTS")
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="",
                                           traceback=["---> 3 assert f(3) == 4  # secret"])]
    assert hide_hidden_tests(cell)
    assert cell.source == f"assert f(1) == 2\n{HIDDEN_NOTE}"
    assert cell.outputs[0]["traceback"] == ["AssertionError: "]
    assert not hide_hidden_tests(nbformat.v4.new_code_cell("x = 1"))


@pytest.mark.parametrize(("source", "description"), [
    ("# Deck 004: max pooling with 2x2 filters and stride 2 gives [[6, 8], [3, 4]].\nx = 1",
     "Deck 004: max pooling with 2x2 filters and stride 2 gives [[6, 8], [3, 4]]."),
    ('"""Checks conv2d against SciPy\'s correlate2d."""\nassert True',
     "Checks conv2d against SciPy's correlate2d."),
    ('\n"""\nThe output size at stride 2.\n\nMore.\n"""\nassert True',
     "The output size at stride 2."),
    ("x = np.arange(12.0)\n# a comment later", ""),
    ("### BEGIN HIDDEN TESTS\n# secret: f(3) == 4\n### END HIDDEN TESTS", ""),
])
def test_a_test_cell_is_described_by_its_leading_comment_or_docstring(source, description):
    assert describe_test_cell(source) == description
