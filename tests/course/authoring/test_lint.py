"""The authoring lint: each mistake of the rules is named with its file, cell, grade_id and
field; `course release` and `course check` stop on them with exit code 2 and one line per
mistake, writing nothing; every master of the project passes."""

from __future__ import annotations

import re

import nbformat
import pytest

from course.authoring.lint import lint_assignment, lint_notebook
from course.authoring.scaffold import new_assignment, scaffold_notebook
from course.cli import main
from course.workspace import known_assignments

NAME, NOTEBOOK = "demo", "demo_exercises.ipynb"
PATH = f"solutions/{NAME}/{NOTEBOOK}"
# the scaffold's cells: 0 title, 1 setup, 2 instructions, 3 question, 4 answer 'pooled_size',
# 5 test 'test_pooled_size', 6 question, 7 written answer 'explain_pooling'


def _scaffold():
    return scaffold_notebook(NAME, NOTEBOOK, title="Demo")


def _meta(notebook, index: int) -> dict:
    return notebook.cells[index].metadata["nbgrader"]


def _replace(notebook, index: int, old: str, new: str) -> None:
    assert old in notebook.cells[index].source
    notebook.cells[index].source = notebook.cells[index].source.replace(old, new)


def _no_markers(nb):
    _replace(nb, 4, "    ### BEGIN SOLUTION\n", "")
    _replace(nb, 4, "\n    ### END SOLUTION", "")


def _markers_around_signature(nb):
    _replace(nb, 4, "    ### BEGIN SOLUTION\n", "")
    nb.cells[4].source = "### BEGIN SOLUTION\n" + nb.cells[4].source.replace(
        "    ### END SOLUTION", "### END SOLUTION")


def _visible_assert_without_message(nb):
    _replace(nb, 5, "### BEGIN HIDDEN TESTS", "assert pooled_size(6, 3) == 2\n### BEGIN HIDDEN TESTS")


def _computed_hidden_message(nb):
    _replace(nb, 5, "### END HIDDEN TESTS",
             "assert pooled_size(9, 4) == 2, f'pooled_size(9, 4) gave {pooled_size(9, 4)}'\n"
             "### END HIDDEN TESTS")


MISTAKES = {  # mistake: (change of the scaffold, cell, grade_id, field, what the message says)
    "solution cell without markers": (
        _no_markers, 4, "pooled_size", "source",
        "an answer cell without '### BEGIN SOLUTION' / '### END SOLUTION' markers: nbgrader "
        "would replace the whole cell with the stub, so students would lose the function's "
        "signature"),
    "markers around the signature": (
        _markers_around_signature, 4, "pooled_size", "source",
        "line 2, 'def pooled_size(input_size: int, pool_size: int) -> int:', is inside the "
        "solution region"),
    "test cell without points": (
        lambda nb: _meta(nb, 5).pop("points"), 5, "test_pooled_size",
        "metadata.nbgrader.points", "missing: a graded cell must say what it is worth"),
    "test cell worth nothing": (
        lambda nb: _meta(nb, 5).update(points=0), 5, "test_pooled_size",
        "metadata.nbgrader.points", "0 is not a number above 0"),
    "no badge": (
        lambda nb: _replace(nb, 0, nb.cells[0].source.split("\n")[-1], ""), 0, "", "source",
        "the first cell is not a markdown cell with the 'Open In Colab' badge"),
    "badge of another assignment": (
        lambda nb: _replace(nb, 0, "assignments/demo/demo_exercises", "assignments/ps1/ps1_convolution"),
        0, "", "source", "the Colab badge opens"),
    "no setup cell": (
        lambda nb: nb.cells.pop(1), 1, "", "source", "the second cell is not the setup cell"),
    "duplicate grade_id": (
        lambda nb: _meta(nb, 7).update(grade_id="test_pooled_size"), 7, "test_pooled_size",
        "metadata.nbgrader.grade_id", "'test_pooled_size' is also the id of cell 5"),
    "visible assert without a message": (
        _visible_assert_without_message, 5, "test_pooled_size", "source",
        "line 5, 'assert pooled_size(6, 3) == 2': a visible assert without a message"),
    "computed hidden message": (
        _computed_hidden_message, 5, "test_pooled_size", "source",
        "a hidden test's message is computed, so it could show the hidden inputs"),
    "hidden markers that do not pair up": (
        lambda nb: _replace(nb, 5, "### END HIDDEN TESTS", ""), 5, "test_pooled_size", "source",
        "the markers do not pair up: line 5 opens '### BEGIN HIDDEN TESTS' and no line closes it"),
    "solution markers in a test cell": (
        lambda nb: _replace(nb, 5, "# LeNet-5", "### BEGIN SOLUTION\n### END SOLUTION\n# LeNet-5"),
        5, "test_pooled_size", "source", "has '### BEGIN SOLUTION' but the cell is not an answer"),
    "old nbgrader schema": (
        lambda nb: _meta(nb, 5).update(schema_version=2), 5, "test_pooled_size",
        "metadata.nbgrader.schema_version", "Outdated schema version: 2 (expected 3)"),
    "a flag that is not a boolean": (
        lambda nb: _meta(nb, 5).update(locked="yes"), 5, "test_pooled_size",
        "metadata.nbgrader.locked", "nbgrader rejects it: 'yes' is not of type 'boolean'"),
    "markdown graded but not an answer": (
        lambda nb: _meta(nb, 7).update(solution=False), 7, "explain_pooling", "metadata.nbgrader",
        "nbgrader rejects it: Markdown grade cell 'explain_pooling' is not marked as a solution"),
    "test cell that does not parse": (
        lambda nb: _replace(nb, 5, "got = pooled_size(28, 2)", "got = pooled_size(28, 2"), 5,
        "test_pooled_size", "source", "does not parse"),
}


def test_the_scaffold_passes_the_lint():
    assert lint_notebook(_scaffold(), assignment=NAME, path=PATH) == []


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_names_its_cell_and_field(mistake):
    change, cell, grade_id, field, problem = MISTAKES[mistake]
    notebook = _scaffold()
    change(notebook)
    found = lint_notebook(notebook, assignment=NAME, path=PATH)
    assert len(found) == 1, "\n".join(map(str, found))
    (found,) = found
    assert (found.path, found.cell, found.grade_id, found.field) == (PATH, cell, grade_id, field)
    assert problem in found.problem, found.problem
    assert found.fix
    where = f"{PATH}: cell {cell}" + (f" '{grade_id}'" if grade_id else "")
    assert str(found).startswith(where) and f", {field}: " in str(found)
    assert str(found).count("\n") == 0


def test_hidden_asserts_need_no_message_but_visible_ones_do():
    notebook = _scaffold()
    _replace(notebook, 5, "### END HIDDEN TESTS", "assert pooled_size(9, 4) == 2\n### END HIDDEN TESTS")
    assert lint_notebook(notebook, assignment=NAME, path=PATH) == []


def _write_master(solutions, folder: str, name: str, notebook=None) -> None:
    (solutions / folder).mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook or _scaffold(), solutions / folder / name)


def test_folder_mistakes(tmp_path):
    solutions = tmp_path / "solutions"
    _write_master(solutions, "ps5", "ps5_a.ipynb", scaffold_notebook("ps5", "ps5_a.ipynb", title="A"))
    _write_master(solutions, "ps5", "ps5_b.ipynb", scaffold_notebook("ps5", "ps5_b.ipynb", title="B"))
    (two,) = lint_assignment("ps5", solutions=solutions)
    assert two.field == "folder" and two.cell is None
    assert two.problem.startswith("holds 2 notebooks (ps5_a.ipynb, ps5_b.ipynb); an assignment "
                                  "is one notebook: each student sends one file per assignment")
    assert "folder of its own" in two.fix

    _write_master(solutions, "ps6", NOTEBOOK)   # a copy of another assignment's notebook
    found = lint_assignment("ps6", solutions=solutions)
    assert [m.field for m in found] == ["file name", "source"]
    assert "'demo_exercises.ipynb', not after its assignment 'ps6'" in found[0].problem
    assert "ps6_<topic>.ipynb" in found[0].fix
    assert "opens" in found[1].problem and found[1].cell == 0

    (solutions / "ps7").mkdir()
    (solutions / "ps7" / "ps7_a.ipynb").write_text("{not json")
    (broken,) = lint_assignment("ps7", solutions=solutions)
    assert broken.field == "file" and broken.problem.startswith("not a readable notebook")

    _write_master(solutions, "PS 8", "PS 8_a.ipynb")
    assert lint_assignment("PS 8", solutions=solutions)[0].field == "folder name"


# --------------------------------------------------------------------------- the commands
def _master_with_three_mistakes(scratch_course) -> None:
    path = new_assignment(NAME, title="Demo")
    notebook = nbformat.read(path, as_version=4)
    for mistake in ("solution cell without markers", "test cell without points",
                    "visible assert without a message"):
        MISTAKES[mistake][0](notebook)
    nbformat.write(notebook, path)


@pytest.mark.parametrize("command", ["release", "check"])
def test_release_and_check_stop_with_one_line_per_mistake(scratch_course, capsys, command):
    _master_with_three_mistakes(scratch_course)
    code = main([command, NAME])
    out, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    action = "nothing was released" if command == "release" else "nothing was checked"
    assert lines[0] == f"course {command}: error: 3 authoring mistakes in the masters, {action}:"
    assert len(lines) == 4, err
    assert f"{NAME}/{NOTEBOOK}: cell 4 'pooled_size' (code), source: " in lines[1]
    assert all(f"{NAME}/{NOTEBOOK}: cell 5 'test_pooled_size' (code), " in line
               for line in lines[2:])
    assert "Traceback" not in out + err
    assert not any((scratch_course / "assignments").iterdir())
    assert not (scratch_course / ".grading").exists()


def test_release_of_every_folder_reports_a_folder_with_two_notebooks(scratch_course, capsys):
    new_assignment(NAME, title="Demo")
    nbformat.write(_scaffold(), scratch_course / "solutions" / NAME / "demo_copy.ipynb")
    assert main(["release"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"solutions/demo/, folder: holds 2 notebooks \(demo_copy.ipynb, "
                     r"demo_exercises.ipynb\); an assignment is one notebook", err), err
    # named explicitly, to a command that does not lint (grade), the reason is given too
    empty = scratch_course / "subs" / "alice"
    empty.mkdir(parents=True)
    assert main(["grade", NAME, str(empty.parent), "--out", str(scratch_course / "out")]) == 2
    assert "demo/ holds 2 notebooks" in capsys.readouterr().err


# ----------------------------------------------------------------------- the project's masters
@pytest.mark.parametrize("assignment", known_assignments())
def test_every_master_of_the_project_passes_the_lint(assignment):
    assert [str(mistake) for mistake in lint_assignment(assignment)] == []

