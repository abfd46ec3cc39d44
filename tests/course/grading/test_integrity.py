"""Rebuilding a submission from the master, and the output rules of test cells.

The master is the committed student version of ps1 (``assignments/ps1``); every expectation
is stated from its nbgrader metadata (grade ids, cell types, order), not from the code under
test.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from course import paths
from course.grading.integrity import (
    REDACTED,
    cell_role,
    hidden_test_lines,
    rebuild_from_master,
    redact_hidden_tests,
    sanitize_test_outputs,
)

MASTER = nbformat.read(paths.ASSIGNMENTS / "ps1" / "ps1_convolution.ipynb", as_version=4)


def _gid(cell):
    return (cell.metadata.get("nbgrader") or {}).get("grade_id")


def _layout(nb):
    """(grade_id or source, cell type) of every cell: what the grader will run, in order."""
    return [(_gid(c) or c.source, c.cell_type) for c in nb.cells]


TESTS = [_gid(c) for c in MASTER.cells if cell_role(c) == "test"]
ANSWERS = [_gid(c) for c in MASTER.cells if cell_role(c) == "answer"]


def _submitted():
    return copy.deepcopy(MASTER)


def test_untouched_submission_needs_no_repair():
    rebuilt, repairs = rebuild_from_master(MASTER, _submitted())
    assert repairs == [] and _layout(rebuilt) == _layout(MASTER)
    assert {c.metadata["course_origin"] for c in rebuilt.cells} == {"master", "student"}
    assert [cell_role(c) for c in rebuilt.cells if _gid(c) in ANSWERS] == ["answer"] * len(ANSWERS)


def test_deleted_edited_and_duplicated_tests_come_back_once():
    nb = _submitted()
    tests = [c for c in nb.cells if cell_role(c) == "test"]
    nb.cells.remove(tests[0])                               # deleted
    tests[1].source = "pass"                                # edited
    twin = copy.deepcopy(tests[2])
    twin.source, twin["id"] = "pass", "twin"
    nb.cells.insert(0, twin)                                # duplicated (an edited copy)
    rebuilt, repairs = rebuild_from_master(MASTER, nb)
    assert _layout(rebuilt) == _layout(MASTER)
    assert [c.source for c in rebuilt.cells if cell_role(c) == "test"] == [
        c.source for c in MASTER.cells if cell_role(c) == "test"]
    assert f"test cell {TESTS[0]!r} was missing: restored" in repairs
    assert f"test cell {TESTS[2]!r} appeared 2 times: kept one" in repairs


def test_markdown_and_reordered_cells_are_graded_as_the_master_says():
    nb = _submitted()
    for cell in nb.cells:
        if _gid(cell) == TESTS[0]:
            cell.cell_type = "markdown"
        if _gid(cell) == ANSWERS[0]:
            cell.cell_type = "markdown"
    tests = [c for c in nb.cells if cell_role(c) == "test"]
    nb.cells = tests + [c for c in nb.cells if c not in tests]           # tests first
    rebuilt, repairs = rebuild_from_master(MASTER, nb)
    assert _layout(rebuilt) == _layout(MASTER)
    assert f"answer cell {ANSWERS[0]!r} was markdown: graded as code" in repairs
    assert "instructor cells were reordered: graded in the master's order" in repairs


def test_students_own_cells_stay_and_forged_metadata_goes():
    nb = _submitted()
    index = next(i for i, c in enumerate(nb.cells) if _gid(c) == ANSWERS[1])
    helper = nbformat.v4.new_code_cell("def helper():\n    return 1")
    forged = nbformat.v4.new_code_cell("pass")
    forged.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 100,
                                   "locked": True, "solution": False, "schema_version": 3}
    nb.cells[index + 1:index + 1] = [helper, forged]
    rebuilt, repairs = rebuild_from_master(MASTER, nb)
    sources = [c.source for c in rebuilt.cells]
    position = sources.index(helper.source)
    assert _gid(rebuilt.cells[position - 1]) == ANSWERS[1]      # still right after its answer
    assert "bonus" not in {_gid(c) for c in rebuilt.cells}
    assert "cell with unknown grade_id 'bonus': kept as ordinary code" in repairs


def test_edited_instructor_code_runs_as_written_then_the_students_version():
    free = [c for c in MASTER.cells if c.cell_type == "code" and cell_role(c) == "free"]
    if not free:
        pytest.skip("the master has no unlocked code cell")
    nb = _submitted()
    mine = next(c for c in nb.cells if c.get("id") == free[0]["id"])
    mine.source = "import types\nnp = types.SimpleNamespace()"
    rebuilt, _ = rebuild_from_master(MASTER, nb)
    position = next(i for i, c in enumerate(rebuilt.cells) if c.source == free[0].source)
    assert cell_role(rebuilt.cells[position]) == "master"
    assert rebuilt.cells[position + 1].source == mine.source
    assert cell_role(rebuilt.cells[position + 1]) == "free"


def test_a_failed_test_keeps_no_execute_result():
    cell = nbformat.v4.new_code_cell("check(x)")
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "1000"},
                                    execution_count=1)
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])
    cell.outputs = [result, error]
    sanitize_test_outputs(cell, "error")
    assert [o.output_type for o in cell.outputs] == ["error"]
    cell.outputs = [copy.deepcopy(result)]
    sanitize_test_outputs(cell, "error")                          # reply failed, no error output
    assert [o.output_type for o in cell.outputs] == ["error"]


def test_execute_result_is_kept_only_when_the_test_ends_with_an_expression():
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "0.5"},
                                    execution_count=1)
    statement = nbformat.v4.new_code_cell("assert check(x)")
    statement.outputs = [copy.deepcopy(result)]
    sanitize_test_outputs(statement, "ok")
    assert statement.outputs == []
    expression = nbformat.v4.new_code_cell("score(x)")
    expression.outputs = [copy.deepcopy(result)]
    sanitize_test_outputs(expression, "ok")
    assert [o.output_type for o in expression.outputs] == ["execute_result"]


def test_hidden_test_lines_are_redacted_from_outputs():
    master = nbformat.read(paths.SOLUTIONS / "ps1" / "ps1_convolution.ipynb", as_version=4)
    lines = hidden_test_lines(master)
    assert lines and all(len(line) >= 8 for line in lines)
    secret = lines[0]
    cell = nbformat.v4.new_code_cell("print(In[-1])")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"a\n  {secret}\nb\n"),
                    nbformat.v4.new_output("error", ename="AssertionError", evalue=secret,
                                           traceback=[f"----> 3 {secret}"])]
    assert redact_hidden_tests(cell, lines)
    assert cell.outputs[0].text == f"a\n{REDACTED}\nb\n"
    assert secret not in str(cell.outputs)
