"""The assignments: committed student versions in sync with the masters, well-formed nbgrader
sources, and `course check` (solution = full marks, blank = 0, half-done strictly between)
for every assignment.

The checks are the expensive part (each grades three notebooks, TensorFlow for ps2-ps4); each
runs once, in its own test class so that ``pytest -n 2 --dist loadscope`` spreads them over the
workers.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.cli import main
from course.grading.check import HALF_DONE_RULE, CheckResult, format_table, half_done
from course.grading.outcome import Outcome
from course.release import expected_badge, expected_setup
from course.workspace import known_assignments, master_notebook

ASSIGNMENTS = ("ps1", "ps2", "ps3", "ps4")
TENSORFLOW = ("ps2", "ps3", "ps4")
# (max score, half-done score): the half-done version keeps the 1st, 3rd ... solution cells.
EXPECTED = {"ps1": (13, 6), "ps2": (10, 6), "ps3": (9, 2), "ps4": (10, 3)}


def _master(assignment: str):
    return nbformat.read(master_notebook(assignment), as_version=4)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _regions(source: str, begin: str, end: str) -> list[str]:
    """The lines inside every begin/end region of a cell."""
    lines, inside, found = source.split("\n"), False, []
    for line in lines:
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line)
    return found


def test_the_four_assignments_exist():
    assert tuple(known_assignments()) == ASSIGNMENTS
    assert sorted(p.name for p in paths.ASSIGNMENTS.iterdir() if not p.name.startswith(".")) == list(ASSIGNMENTS)


# --------------------------------------------------------------------- release in sync
@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """Every assignment released again, into a temporary folder, through the CLI."""
    root = tmp_path_factory.mktemp("release")
    code = main(["release", "--out", str(root / "assignments"), "--workspace", str(root / "workspace")])
    assert code == 0
    return root / "assignments"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_student_version_matches_a_fresh_release(regenerated, assignment):
    committed = sorted(p.relative_to(paths.ASSIGNMENTS) for p in (paths.ASSIGNMENTS / assignment).rglob("*"))
    fresh = sorted(p.relative_to(regenerated) for p in (regenerated / assignment).rglob("*"))
    assert committed == fresh, "run `course release` and commit assignments/"
    for relative in fresh:
        if (regenerated / relative).is_file():
            assert (paths.ASSIGNMENTS / relative).read_bytes() == (regenerated / relative).read_bytes(), (
                f"assignments/{relative} differs from a fresh release: run `course release` and commit it")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_has_no_solution_and_no_hidden_test(assignment):
    master = _master(assignment)
    (student_path,) = (paths.ASSIGNMENTS / assignment).glob("*.ipynb")
    student = nbformat.read(student_path, as_version=4)
    text = student_path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    secret, public = set(), set()
    for cell in master.cells:
        inside = False
        for line in cell.source.split("\n"):
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                inside = False
            else:
                (secret if inside else public).add(line.strip())
    shown = {line.strip() for cell in student.cells for line in cell.source.split("\n")}
    leaked = sorted(line for line in (secret - public) & shown if len(line) > 12)
    assert not leaked, leaked
    students = {_meta(cell)["grade_id"]: cell for cell in student.cells if _meta(cell)}
    for cell in master.cells:
        if _meta(cell).get("solution"):  # signature and docstring survive, the body is a stub
            head = cell.source.split("    ### BEGIN SOLUTION")[0]
            stub = students[_meta(cell)["grade_id"]].source
            assert stub.startswith(head) and "    # YOUR CODE HERE\n    raise NotImplementedError()" in stub
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


# --------------------------------------------------------------------- master notebooks
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_follows_the_course_layout(assignment):
    path = master_notebook(assignment)
    assert re.fullmatch(rf"{assignment}_[a-z_]+\.ipynb", path.name)
    master = _master(assignment)
    first, setup = master.cells[0], master.cells[1]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert expected_badge(assignment, path.name) in first.source
    assert setup.source == expected_setup(setup.source)
    assert ("helpers.setup()" in setup.source) == (assignment in TENSORFLOW)
    # TensorFlow only after `import helpers` (it keeps TensorFlow's log off stderr)
    before_setup = first.source + setup.source.split("import helpers")[0]
    assert "tensorflow" not in before_setup and "keras" not in before_setup
    for cell in master.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit masters without outputs"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_nbgrader_metadata(assignment):
    master = _master(assignment)
    graded = [cell for cell in master.cells if _meta(cell).get("grade")]
    solutions = [cell for cell in master.cells if _meta(cell).get("solution")]
    assert len(graded) >= 4 and len(solutions) >= 4
    ids = [_meta(cell)["grade_id"] for cell in master.cells if _meta(cell)]
    assert len(ids) == len(set(ids))
    for cell in master.cells:
        meta = _meta(cell)
        if meta:
            assert meta["schema_version"] == 3
    assert sum(_meta(cell)["points"] for cell in graded) == EXPECTED[assignment][0]
    for cell in graded:
        assert cell.cell_type == "code" and _meta(cell)["locked"] and _meta(cell)["points"] > 0
        assert "BEGIN HIDDEN TESTS" in cell.source, "every test cell also has hidden tests"
    for cell in solutions:
        # markers inside the function body: the signature and docstring survive the release
        assert cell.source.startswith("def ")
        begin = next(line for line in cell.source.split("\n") if "BEGIN SOLUTION" in line)
        assert begin.startswith("    ### BEGIN SOLUTION")
        assert '"""' in cell.source.split("### BEGIN SOLUTION")[0], "a docstring before the solution"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_tests_never_copy_the_solution(assignment):
    """Tests compare with independent references, so no solution line appears in a test."""
    master = _master(assignment)
    solution_lines = {line.strip() for cell in master.cells
                      for line in _regions(cell.source, "BEGIN SOLUTION", "END SOLUTION")
                      if len(line.strip()) > 25}
    for cell in master.cells:
        if _meta(cell).get("grade"):
            copied = [line for line in cell.source.split("\n") if line.strip() in solution_lines]
            assert not copied, copied


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


# --------------------------------------------------------------------- course check
def _check(assignment: str, tmp_path: Path, capsys) -> None:
    code = main(["check", assignment, "--workspace", str(tmp_path / "check"), "--workers", "1",
                 "--no-progress"])
    table = capsys.readouterr().out
    total, half = EXPECTED[assignment]
    row = next(line for line in table.splitlines() if line.startswith(assignment))
    assert row.split() == [assignment, str(total), "0", str(half), str(total), "ok"], table
    assert code == 0, table


class TestCheckPs1:
    def test_course_check(self, tmp_path, capsys):
        _check("ps1", tmp_path, capsys)


class TestCheckPs2:
    def test_course_check(self, tmp_path, capsys):
        _check("ps2", tmp_path, capsys)


class TestCheckPs3:
    def test_course_check(self, tmp_path, capsys):
        _check("ps3", tmp_path, capsys)


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
