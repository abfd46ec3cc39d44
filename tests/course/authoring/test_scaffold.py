"""`course new NAME`: a master that follows every rule, releases at once, and checks at once
(solution = every automatic point, blank = 0, the written answer left to a person)."""

from __future__ import annotations

import re

import nbformat
import pytest

from course.authoring.lint import expected_badge, lint_assignment
from course.cli import main
from course.release import expected_setup

NAME, NOTEBOOK = "demo", "demo_exercises.ipynb"


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_course_new_writes_a_master_that_follows_the_rules(scratch_course, capsys):
    assert main(["new", NAME]) == 0
    assert f"`course release {NAME} && course check {NAME}`" in capsys.readouterr().out
    path = scratch_course / "solutions" / NAME / NOTEBOOK
    assert [p.name for p in path.parent.iterdir()] == [NOTEBOOK]
    master = nbformat.read(path, as_version=4)
    nbformat.validate(master)
    assert lint_assignment(NAME) == []
    first, setup = master.cells[0], master.cells[1]
    assert first.source.startswith("# ") and expected_badge(NAME, NOTEBOOK) in first.source
    assert setup.source == expected_setup(setup.source)
    roles = [(cell.cell_type, _meta(cell).get("grade_id"), _meta(cell).get("solution", False),
              _meta(cell).get("grade", False), _meta(cell).get("points")) for cell in master.cells
             if _meta(cell).get("solution") or _meta(cell).get("grade")]
    assert roles == [("code", "pooled_size", True, False, None),          # the answer
                     ("code", "test_pooled_size", False, True, 2),        # its tests
                     ("markdown", "explain_pooling", True, True, 1)]      # graded by hand
    test = next(cell for cell in master.cells if _meta(cell).get("grade_id") == "test_pooled_size")
    visible, hidden = test.source.split("### BEGIN HIDDEN TESTS")
    assert "assert got == 14, (f\"pooled_size(28, 2) returned {got!r}" in visible
    assert "### END HIDDEN TESTS" in hidden and "test_pooled_size_hidden:" in hidden
    assert all(cell.get("outputs", []) == [] for cell in master.cells)


@pytest.mark.parametrize("args, message", [
    (["PS 5"], r"The 'NAME' parameter of course new must be lower-case letters, digits and '_', "
               r"starting with a letter \(e.g. ps5\); got 'PS 5'."),
    (["5ps"], r"got '5ps'"),
    (["ps5", "--topic", "Pooling!"], r"The '--topic' parameter of course new must be lower-case "
                                     r"letters and '_' \(e.g. pooling\); got 'Pooling!'."),
    (["ps5", "--title", " "], r"The '--title' parameter of course new must not be empty."),
])
def test_course_new_bad_input(scratch_course, capsys, args, message):
    assert main(["new", *args]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not any((scratch_course / "solutions").iterdir())


def test_course_new_never_overwrites_an_assignment(scratch_course, capsys):
    assert main(["new", NAME]) == 0
    path = scratch_course / "solutions" / NAME / NOTEBOOK
    before = path.read_bytes()
    assert main(["new", NAME, "--topic", "other"]) == 2
    assert "The assignment 'demo' exists already" in capsys.readouterr().err
    assert path.read_bytes() == before and len(list(path.parent.iterdir())) == 1


def test_course_new_then_release(scratch_course, capsys):
    assert main(["new", NAME]) == 0 and main(["release", NAME]) == 0
    assert f"released {NAME} -> " in capsys.readouterr().out
    student = nbformat.read(scratch_course / "assignments" / NAME / NOTEBOOK, as_version=4)
    text = (scratch_course / "assignments" / NAME / NOTEBOOK).read_text()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "test_pooled_size_hidden", "Pooling keeps"):
        assert marker not in text
    answer = next(cell for cell in student.cells if _meta(cell).get("grade_id") == "pooled_size")
    assert answer.source.startswith("def pooled_size(input_size: int, pool_size: int) -> int:")
    assert answer.source.endswith("    # YOUR CODE HERE\n    raise NotImplementedError()")
    written = next(cell for cell in student.cells if _meta(cell).get("grade_id") == "explain_pooling")
    assert written.source == "YOUR ANSWER HERE"


@pytest.mark.slow
def test_course_new_release_check(scratch_course, capsys):
    """The acceptance test of `course new`: release and check pass right after it."""
    assert main(["new", NAME]) == 0
    assert main(["release", NAME]) == 0
    code = main(["check", NAME, "--workers", "1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    row = next(line for line in out.splitlines() if line.startswith(NAME))
    # solution, blank, half-done (one code answer: none), automatic points, manual points
    assert row.split() == [NAME, "2", "0", "-", "2", "1", "ok"], out
    assert "manual: points graded by hand" in out
