"""`course check` on every assignment (solution = full marks, blank = 0, half-done strictly
between), its half-done rule and its verdict.

The checks are the expensive part (each grades three notebooks, TensorFlow for ps2-ps4); each
runs once, in its own test class so that ``pytest -n 2 --dist loadscope`` spreads them over the
workers.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course.cli import main
from course.grading.check import HALF_DONE_RULE, CheckResult, format_table, half_done
from course.grading.outcome import Outcome
from course.workspace import master_notebook

# (max score, half-done score): the half-done version keeps the 1st, 3rd ... solution cells.
EXPECTED = {"ps1": (13, 6), "ps2": (10, 6), "ps3": (9, 2), "ps4": (10, 3)}


def _master(assignment: str):
    return nbformat.read(master_notebook(assignment), as_version=4)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_half_done_rule_clears_every_second_solution_cell():
    master = _master("ps1")
    version = half_done(master)
    solution_ids = [_meta(cell)["grade_id"] for cell in master.cells if _meta(cell).get("solution")]
    cleared = [_meta(cell)["grade_id"] for cell in version.cells
               if _meta(cell).get("solution") and "raise NotImplementedError()" in cell.source]
    assert cleared == solution_ids[1::2]
    assert "1st, 3rd" in HALF_DONE_RULE
    for cell in version.cells:
        if _meta(cell).get("grade_id") in cleared:
            assert cell.source.startswith("def ") and "BEGIN SOLUTION" not in cell.source
            assert "    # YOUR CODE HERE\n    raise NotImplementedError()" in cell.source


def _check(assignment: str, tmp_path: Path, capsys) -> None:
    code = main(["check", assignment, "--workspace", str(tmp_path / "check"), "--workers", "1",
                 "--no-progress"])
    table = capsys.readouterr().out
    total, half = EXPECTED[assignment]
    row = next(line for line in table.splitlines() if line.startswith(assignment))
    assert row.split() == [assignment, str(total), "0", str(half), str(total), "ok"], table
    assert code == 0, table


@pytest.mark.slow
class TestCheckPs1:
    def test_course_check(self, tmp_path, capsys):
        _check("ps1", tmp_path, capsys)


@pytest.mark.slow
class TestCheckPs2:
    def test_course_check(self, tmp_path, capsys):
        _check("ps2", tmp_path, capsys)


@pytest.mark.slow
class TestCheckPs3:
    def test_course_check(self, tmp_path, capsys):
        _check("ps3", tmp_path, capsys)


@pytest.mark.slow
class TestCheckPs4:
    def test_course_check(self, tmp_path, capsys):
        _check("ps4", tmp_path, capsys)


def _outcome(student: str, score: float, status: str = "graded") -> Outcome:
    return Outcome(student, "ps1", score, 13, status, "failed: test_x" if score < 13 else "")


@pytest.mark.parametrize("scores, problem", [
    ((13, 0, 6), None),
    ((12, 0, 6), "solution scored 12 of 13"),
    ((13, 2, 6), "blank scored 2, not 0 (a test cell passes without any student code)"),
    ((13, 0, 13), "half-done scored 13, not strictly between 0 and 13"),
    ((13, 0, 0), "half-done scored 0, not strictly between 0 and 13"),
])
def test_check_verdict(scores, problem):
    result = CheckResult("ps1", *(_outcome(student, score) for student, score
                                   in zip(("solution", "blank", "half-done"), scores)))
    assert result.ok == (problem is None)
    assert [p for p in result.problems if problem and p.startswith(problem)] or problem is None
    table = format_table([result])
    assert table.splitlines()[1].split()[-1] == ("ok" if problem is None else "FAILED")


def test_check_reports_a_submission_that_did_not_run():
    result = CheckResult("ps1", _outcome("solution", 0, "timeout"), _outcome("blank", 0),
                         _outcome("half-done", 6))
    assert not result.ok and result.problems[0].startswith("solution: timeout")
