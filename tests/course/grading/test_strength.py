"""course.grading.strength: mutants caught by visible, hidden or no tests; flaky tests across
seeds; on a small master whose answers are known by hand."""

from __future__ import annotations

import nbformat
import pytest

from course.grading import strength
from course.grading.execution import SandboxSettings
from course.grading.feedback import HIDDEN_NOTE
from course.grading.strength import TAG, check_strength, format_strength


def answer(grade_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.nbgrader = {"grade_id": grade_id, "solution": True, "grade": False,
                              "locked": False, "schema_version": 3}
    return cell


def graded_test(grade_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.nbgrader = {"grade_id": grade_id, "solution": False, "grade": True,
                              "locked": True, "points": 1, "schema_version": 3}
    return cell


def master() -> nbformat.NotebookNode:
    """``is_adult``: the boundary only a hidden test checks; ``half``: tests on even numbers
    only, so '/' for '//' goes unseen; ``seeded``: a test that depends on the seed."""
    return nbformat.v4.new_notebook(cells=[
        answer("is_adult", "def is_adult(age):\n    ### BEGIN SOLUTION\n"
                           "    return age >= 18\n    ### END SOLUTION"),
        graded_test("test_is_adult", "assert is_adult(30) and not is_adult(3)\n"
                              "### BEGIN HIDDEN TESTS\nassert is_adult(18)\n"
                              "### END HIDDEN TESTS"),
        answer("half", "def half(n):\n    ### BEGIN SOLUTION\n    return n // 2\n"
                       "    ### END SOLUTION"),
        graded_test("test_half", "assert half(4) == 2 and half(10) == 5"),
        graded_test("test_seeded", "import os\nassert int(os.environ.get('COURSE_SEED', '0')) % 2 == 0"),
    ])


def test_the_testing_notebook_runs_each_student_view_before_its_test_cell():
    cells = strength.testing_notebook(master()).cells
    assert [cell.metadata.get(TAG) for cell in cells] == [
        None, {"test": "test_is_adult", "visible": True},
        {"test": "test_is_adult", "visible": False}, None,
        {"test": "test_half", "visible": True}, {"test": "test_seeded", "visible": True}]
    assert cells[1].source == "assert is_adult(30) and not is_adult(3)\n" + HIDDEN_NOTE
    assert "is_adult(18)" in cells[2].source


@pytest.mark.slow
def test_mutants_and_seeds_of_a_master_known_by_hand(tmp_path):
    folder = tmp_path / "solutions" / "toy"
    folder.mkdir(parents=True)
    nbformat.write(master(), folder / "toy.ipynb")
    report = check_strength("toy", SandboxSettings(sandbox=False, cell_timeout=30),
                            mutants=True, seeds=2, workers=2, solutions=tmp_path / "solutions")
    assert report.solution.failed == frozenset()
    caught = {(r.cell, r.mutant.mistake.name): (r.caught_by, sorted(r.run.failed))
              for r in report.mutants}
    assert caught == {
        ("is_adult", "boundary"): ("hidden", ["test_is_adult"]),     # 18 is not > 18
        ("is_adult", "constant"): ("visible", ["test_is_adult"]),    # 0 is not truthy
        ("half", "division"): ("none", []),                           # 4 / 2 == 2
        ("half", "constant"): ("visible", ["test_half"]),
    }
    assert report.flaky == ["test_seeded"]                            # passes under 0, not 1
    text = format_strength(report)
    assert "toy mutants: 4 — caught by visible tests 2, only by hidden tests 1, by none 1" in text
    assert "toy seeds 0, 1: flaky tests: test_seeded" in text
