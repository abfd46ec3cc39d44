"""Feedback pages never show a hidden test: the cell's source and its tracebacks are cut."""

from __future__ import annotations

import nbformat

from course.grading.feedback import HIDDEN_NOTE, hide_hidden_tests


def test_hide_hidden_tests_keeps_visible_lines_and_shortens_tracebacks():
    cell = nbformat.v4.new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 4  # secret\n"
                                     "### END HIDDEN TESTS")
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="",
                                           traceback=["---> 3 assert f(3) == 4  # secret"])]
    assert hide_hidden_tests(cell)
    assert cell.source == f"assert f(1) == 2\n{HIDDEN_NOTE}"
    assert cell.outputs[0]["traceback"] == ["AssertionError: "]
    assert not hide_hidden_tests(nbformat.v4.new_code_cell("x = 1"))
