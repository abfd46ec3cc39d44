"""`course check` on every assignment of solutions/ (solution = every automatic point and no
cell that raises, blank = 0, half-done strictly between), its half-done rule, its verdict and
its table (automatic and manual points apart); a renamed master; no traceback. `make test`
runs the masters only here (not with nbval too).

The checks are the expensive part (each grades three notebooks, TensorFlow for most); each
assignment found in solutions/ gets a test class of its own, so that ``pytest -n 2 --dist
loadscope`` spreads them over the workers, and adding an assignment needs no change here.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course.cli import main
from course.grading.check import (
    HALF_DONE_RULE,
    CheckResult,
    cell_errors,
    format_table,
    half_done,
)
from course.grading.outcome import Outcome
from course.workspace import known_assignments, master_notebook


def _master(assignment: str):
    return nbformat.read(master_notebook(assignment), as_version=4)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_half_done_rule_clears_every_second_code_answer_cell():
    master = _master("ps1")
    version = half_done(master)
    solution_ids = [_meta(cell)["grade_id"] for cell in master.cells
                    if _meta(cell).get("solution") and cell.cell_type == "code"]
    cleared = [_meta(cell)["grade_id"] for cell in version.cells
               if _meta(cell).get("solution") and "raise NotImplementedError()" in cell.source]
    assert cleared == solution_ids[1::2]
    assert "1st, 3rd" in HALF_DONE_RULE
    for cell in version.cells:
        if _meta(cell).get("grade_id") in cleared:
            assert cell.source.startswith("def ") and "BEGIN SOLUTION" not in cell.source
            assert "    # YOUR CODE HERE\n    raise NotImplementedError()" in cell.source


def test_half_done_leaves_written_answers_alone():
    master = _master("ps1")
    written = nbformat.v4.new_markdown_cell("A model answer.", metadata={"nbgrader": {
        "grade": True, "solution": True, "locked": False, "points": 1, "grade_id": "why",
        "schema_version": 3, "task": False}})
    master.cells.insert(6, written)   # after the first code answer: it must not shift the rule
    version = half_done(master)
    assert version.cells[6].source == "A model answer."
    codes = [cell for cell in version.cells if _meta(cell).get("solution") and cell.cell_type == "code"]
    assert "NotImplementedError" not in codes[0].source and "NotImplementedError" in codes[1].source


def _check(assignment: str, tmp_path: Path, capsys) -> None:
    code = main(["check", assignment, "--workspace", str(tmp_path / "check"), "--workers", "1",
                 "--no-progress"])
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if line.startswith(assignment))
    _, solution, blank, half, auto, manual, verdict = row.split()
    assert (solution, blank, verdict) == (auto, "0", "ok"), table
    assert half == "-" or 0 < float(half) < float(auto), table
    assert code == 0, table


def _check_class(assignment: str) -> type:
    @pytest.mark.slow
    class TestCheck:
        def test_course_check(self, tmp_path, capsys):
            _check(assignment, tmp_path, capsys)

    TestCheck.__name__ = TestCheck.__qualname__ = f"TestCheck_{assignment}"
    return TestCheck


for _assignment in known_assignments():   # one class per assignment: see the module docstring
    globals()[f"TestCheck_{_assignment}"] = _check_class(_assignment)


def _outcome(student: str, score: float, status: str = "graded", total: float = 13) -> Outcome:
    return Outcome(student, "ps1", score, total, status, "failed: test_x" if score < total else "")


@pytest.mark.parametrize("scores, problem", [
    ((13, 0, 6), None),
    ((12, 0, 6), "solution scored 12 of the 13 automatic points"),
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


def test_manual_points_are_reported_apart_and_never_fail_the_check():
    """A written answer worth 3 points: the solution scores the 5 automatic points of 8."""
    outcomes = [_outcome("solution", 5, total=8), _outcome("blank", 0, total=8),
                _outcome("half-done", 5, total=8)]
    result = CheckResult("ps5", *outcomes, manual_max=3, half_done_applies=False)
    assert result.ok, result.problems
    assert format_table([result]).splitlines()[:2] == [
        "assignment   solution  blank  half-done  auto  manual  result",
        "ps5                 5      0          -     5       3  ok"]
    short = CheckResult("ps5", _outcome("solution", 4, total=8), *outcomes[1:], manual_max=3,
                        half_done_applies=False)
    assert short.problems == ["solution scored 4 of the 5 automatic points (failed: test_x)"]


def test_check_reports_a_submission_that_did_not_run():
    result = CheckResult("ps1", _outcome("solution", 0, "timeout"), _outcome("blank", 0),
                         _outcome("half-done", 6))
    assert not result.ok and result.problems[0].startswith("solution: timeout")


def test_an_assignment_that_could_not_be_prepared_is_one_line():
    absent = [_outcome(version, 0, "crashed", total=0) for version in ("solution", "blank", "half-done")]
    result = CheckResult("ps1", *absent, error="not checked: nbgrader said no; fix the master")
    assert result.problems == ["not checked: nbgrader said no; fix the master"]
    assert format_table([result]).splitlines()[1].split() == ["ps1", "-", "-", "-", "-", "-", "FAILED"]


def _graded(tmp_path: Path, cells) -> Path:
    path = tmp_path / "graded.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def _code(source: str, ename: str | None = None, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    if ename:
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue="x", traceback=[])]
    return cell


def test_cell_errors_names_the_cells_that_raised_except_test_cells(tmp_path):
    path = _graded(tmp_path, [
        nbformat.v4.new_markdown_cell("# Demo"),
        _code("import numpy"),
        _code("plot(...)", "NameError"),                                    # cell 3: a demo
        _code("def f(): ...", "SyntaxError", solution=True, grade=False),   # cell 4: an answer
        _code("assert f() == 1", "AssertionError", grade=True, solution=False, points=1),
    ])
    assert cell_errors(path) == ("cell 3: NameError", "cell 4: SyntaxError")
    assert cell_errors(tmp_path / "absent.ipynb")[0].startswith(
        "the graded notebook absent.ipynb (unreadable:")


def test_a_solution_whose_demonstration_cell_raised_fails_the_check():
    outcomes = [_outcome(student, score) for student, score
                in (("solution", 13), ("blank", 0), ("half-done", 6))]
    result = CheckResult("ps1", *outcomes, solution_errors=("cell 3: NameError",))
    assert result.problems == [
        "solution: cell 3: NameError raised (every cell of the master must run)"]
    assert format_table([result]).splitlines()[1].split()[-1] == "FAILED"


@pytest.mark.slow
def test_course_check_fails_a_master_whose_demonstration_cell_raises(scratch_course, capsys):
    """Graded end to end (sandbox): the tests pass, but a cell after them crashes."""
    from course.authoring.scaffold import new_assignment

    path = new_assignment("demo")
    master = nbformat.read(path, as_version=4)
    master.cells.append(nbformat.v4.new_code_cell("1 / 0   # a demonstration that crashes"))
    nbformat.write(master, path)
    assert main(["check", "demo", "--no-progress", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert (f"demo: solution: cell {len(master.cells)}: ZeroDivisionError raised (every cell of "
            "the master must run)") in out, out


def test_course_check_prints_one_line_not_a_traceback(scratch_course, capsys, monkeypatch):
    """Whatever breaks while an assignment is prepared, the check says so in one line."""
    from course.authoring.scaffold import new_assignment
    from course.grading import check

    def broken(*args, **kwargs):
        raise RuntimeError("the gradebook is locked by another program\nTraceback (most recent ...")

    new_assignment("demo")
    monkeypatch.setattr(check, "record_master", broken)
    assert main(["check", "demo", "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "\n  demo: not checked: RuntimeError: the gradebook is locked by another program; the " \
           "check's workspace is disposable: run again with a fresh --workspace\n" in out


def test_course_grade_stops_on_a_master_that_breaks_a_rule(scratch_course, capsys):
    from course.authoring.scaffold import new_assignment

    path = new_assignment("demo")
    master = nbformat.read(path, as_version=4)
    del master.cells[5].metadata["nbgrader"]["points"]
    nbformat.write(master, path)
    (scratch_course / "subs" / "alice").mkdir(parents=True)
    nbformat.write(master, scratch_course / "subs" / "alice" / path.name)
    code = main(["grade", "demo", str(scratch_course / "subs"), "--out",
                 str(scratch_course / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        "course grade: error: 1 authoring mistake in the masters, nothing was graded:",
        f"  {path}: cell 5 'test_pooled_size' (code), metadata.nbgrader.points: missing: a graded "
        "cell must say what it is worth (nbgrader's validation fails otherwise). Fix: set the "
        "cell's points, e.g. 1 (JupyterLab: Nbgrader > Create Assignment shows each cell's type, "
        "ID and points)."]
    assert not (scratch_course / "out").exists() and not (scratch_course / ".grading").exists()
