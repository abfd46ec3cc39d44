"""A master that changes after grading: a test edited, one added, one removed. `course
release` and `course grade` work (nbgrader alone refuses: "Cannot add or remove cells"),
every submission is regraded against the new master, the manual grades and comments of
unchanged cells are kept, those of changed cells are dropped and named, and no grade row is
lost, whether the student is in the new SUBMISSIONS or was graded in an earlier run."""

from __future__ import annotations

import copy
import csv
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from course import paths
from course.authoring.scaffold import new_assignment
from course.cli import main
from course.grading.check import check_assignments
from course.grading.grade import export_grades, grade_assignment
from course.grading.revision import MasterChange, pending_regrades, record_master
from course.release import graded_students, release_assignment
from course.workspace import Workspace

from .conftest import ExecExecutor
from .test_manual import grade_by_hand

NAME, NOTEBOOK = "demo", "demo_exercises.ipynb"
EXTRA_TEST = ('got = pooled_size(9, 3)\nassert got == 3, f"pooled_size(9, 3) returned {got!r}, '
              'expected 3"')
EDITED = "assert pooled_size(8, 4) == 2, \"pooled_size(8, 4) should be 2\"\n### BEGIN HIDDEN TESTS"
NEW_TEST = ('got = pooled_size(7, 7)\nassert got == 1, f"pooled_size(7, 7) returned {got!r}, '
            'expected 1: the window fits once"')


def _test_cell(grade_id: str, source: str, points: int):
    return nbformat.v4.new_code_cell(source, id=grade_id, metadata={"nbgrader": {
        "grade": True, "grade_id": grade_id, "locked": True, "points": points,
        "schema_version": 3, "solution": False, "task": False}})


def _index(notebook, grade_id: str) -> int:
    return next(i for i, cell in enumerate(notebook.cells) if cell.get("id") == grade_id)


def _first_master():
    """The scaffold plus a second test cell, test_pooled_size_more (1 point): 4 points."""
    path = new_assignment(NAME)
    master = nbformat.read(path, as_version=4)
    master.cells.insert(_index(master, "test_pooled_size") + 1,
                        _test_cell("test_pooled_size_more", EXTRA_TEST, 1))
    nbformat.write(master, path)
    return path


def _change_master(path) -> None:
    """Edit test_pooled_size, remove test_pooled_size_more, add test_pooled_size_seven."""
    master = nbformat.read(path, as_version=4)
    test = master.cells[_index(master, "test_pooled_size")]
    test.source = test.source.replace("### BEGIN HIDDEN TESTS", EDITED)
    master.cells.pop(_index(master, "test_pooled_size_more"))
    master.cells.insert(_index(master, "test_pooled_size") + 1,
                        _test_cell("test_pooled_size_seven", NEW_TEST, 1))
    nbformat.write(master, path)


def _manual_state(workspace: Workspace) -> dict:
    """(student, cell, "score" or "comment") -> what a person gave, as the gradebook holds it."""
    found = {}
    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        for submission in gradebook.find_assignment(NAME).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.manual_score is not None:
                        found[submission.student.id, grade.name, "score"] = grade.manual_score
                for comment in notebook.comments:
                    if comment.manual_comment:
                        found[submission.student.id, comment.name, "comment"] = comment.manual_comment
    return found


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """The first master graded, once for the module: alice and bob in one run, carol in
    another (another batch); alice and carol graded by hand (a written answer, a comment, an
    override of a test). Each test works on a copy (:func:`graded`)."""
    root = tmp_path_factory.mktemp("graded")
    with pytest.MonkeyPatch.context() as patch:
        _point_paths_at(patch, root)
        path = _first_master()
        blank = release_assignment(NAME)
        subs, batch2 = root / "subs", root / "batch2"
        for folder, student, source in ((subs, "alice", path), (subs, "bob", blank),
                                        (batch2, "carol", path)):
            (folder / student).mkdir(parents=True)
            shutil.copyfile(source, folder / student / NOTEBOOK)
        workspace = Workspace.default()
        grade_assignment(NAME, subs, root / "out", executor=ExecExecutor(), progress=False)
        grade_assignment(NAME, batch2, root / "out2", executor=ExecExecutor(), progress=False)
    grade_by_hand(workspace, "alice", "explain_pooling", score=1, comment="Well argued.")
    grade_by_hand(workspace, "alice", "test_pooled_size", score=1)    # an override of a test
    grade_by_hand(workspace, "alice", "pooled_size", comment="Neat.")
    grade_by_hand(workspace, "carol", "explain_pooling", score=0.5)
    return root


def _point_paths_at(patch: pytest.MonkeyPatch, root) -> None:
    for name, folder in (("SOLUTIONS", "solutions"), ("ASSIGNMENTS", "assignments"),
                         ("GRADING", ".grading")):
        (root / folder).mkdir(exist_ok=True)
        patch.setattr(paths, name, root / folder)


@pytest.fixture
def graded(graded_course, tmp_path, monkeypatch):
    """A copy of :func:`graded_course` of the test's own: (master, SUBMISSIONS, workspace)."""
    root = tmp_path / "course"
    shutil.copytree(graded_course, root)
    _point_paths_at(monkeypatch, root)
    return root / "solutions" / NAME / NOTEBOOK, root / "subs", Workspace.default()


def test_change_release_regrade_export_loses_nothing(graded, exec_executor, capsys):
    path, subs, workspace = graded
    root = subs.parent
    before = {o.student_id: o for o in export_grades(workspace, NAME)}
    # alice: explain_pooling 1 (by hand) + test_pooled_size 1 (by hand, over the automatic 2)
    # + test_pooled_size_more 1
    assert {s: (o.score, o.max_score, o.status.value) for s, o in before.items()} == {
        "alice": (3, 4, "graded"), "bob": (0, 4, "graded"), "carol": (3.5, 4, "graded")}
    manual_before = _manual_state(workspace)

    _change_master(path)
    assert main(["release", NAME]) == 0      # nbgrader alone: "Cannot add or remove cells"
    out = capsys.readouterr().out
    assert "3 submissions of demo in" in out and "were graded against an earlier master" in out
    assert _manual_state(workspace) == manual_before, "a release leaves the grading alone"

    run = grade_assignment(NAME, subs, root / "out", executor=exec_executor, progress=False)
    rows = run.outcomes
    assert list(run.master_change) == [
        "the master of demo changed since it was graded: test_pooled_size edited; "
        "test_pooled_size_seven added; test_pooled_size_more removed; 3 graded submissions "
        "set aside to be regraded",
        "regraded against the new master: 3 of 3 submissions set aside (2 from SUBMISSIONS, "
        "1 from the workspace's copies: carol)",
        "manual grades reused (cell unchanged): 3 (alice: explain_pooling, alice: pooled_size, "
        "carol: explain_pooling)",
        "manual grades dropped (cell changed, grade it again): 1 (alice: test_pooled_size)"]
    assert [row.student_id for row in rows] == ["alice", "bob"]   # this run's SUBMISSIONS
    assert not pending_regrades(workspace, NAME)

    after = {o.student_id: o for o in export_grades(workspace, NAME)}
    assert set(after) == set(before), "no row lost"
    # new master: test_pooled_size 2 (its override dropped) + test_pooled_size_seven 1
    # + explain_pooling 1 (kept)
    assert {s: (o.score, o.max_score, o.status.value) for s, o in after.items()} == {
        "alice": (4, 4, "graded"), "bob": (0, 4, "graded"), "carol": (3.5, 4, "graded")}
    assert "manual grades dropped, cell changed (grade again): test_pooled_size" in after["alice"].message
    expected = {key: value for key, value in manual_before.items()
                if key[:2] != ("alice", "test_pooled_size")}
    assert len(expected) == len(manual_before) - 1 == 4
    assert _manual_state(workspace) == expected
    with (root / "out" / "grades.csv").open() as file:
        assert [row["student_id"] for row in csv.DictReader(file)] == ["alice", "bob"]

    # once regraded, the next run reuses everything and says nothing about the master
    run = grade_assignment(NAME, subs, root / "out", executor=exec_executor, progress=False)
    assert run.master_change == () and _manual_state(workspace) == expected


def test_an_interrupted_regrade_loses_nothing(graded, exec_executor):
    path, subs, workspace = graded
    manual_before = _manual_state(workspace)
    _change_master(path)
    change = record_master(NAME, workspace)          # a run that stops right after this
    assert change == MasterChange(NAME, edited=("test_pooled_size",),
                                  added=("test_pooled_size_seven",),
                                  removed=("test_pooled_size_more",),
                                  students=("alice", "bob", "carol"))
    assert graded_students(NAME, workspace) == []
    assert [s.student_id for s in pending_regrades(workspace, NAME)] == ["alice", "bob", "carol"]
    assert {o.student_id for o in export_grades(workspace, NAME)} == {"alice", "bob", "carol"}

    run = grade_assignment(NAME, subs, subs.parent / "out", executor=exec_executor,
                           progress=False)
    assert run.master_change[0].startswith("regraded against the new master: 3 of 3 submissions set aside")
    assert _manual_state(workspace) == {key: value for key, value in manual_before.items()
                                        if key[:2] != ("alice", "test_pooled_size")}


def test_a_renamed_notebook_is_recorded_again(graded, exec_executor):
    """nbgrader alone: "Cannot modify existing assignment ... because there are submissions"."""
    path, subs, workspace = graded
    renamed = path.with_name("demo_pooling.ipynb")
    master = nbformat.read(path, as_version=4)
    master.cells[0].source = master.cells[0].source.replace(path.name, renamed.name)
    nbformat.write(master, renamed)
    path.unlink()
    change = record_master(NAME, workspace)
    assert change.renamed == "demo_exercises.ipynb -> demo_pooling.ipynb"
    assert "notebook renamed demo_exercises.ipynb -> demo_pooling.ipynb" in change.describe()
    renamed_subs = subs.parent / "renamed"
    for student in ("alice", "bob"):
        (renamed_subs / student).mkdir(parents=True)
        shutil.copyfile(subs / student / NOTEBOOK, renamed_subs / student / renamed.name)
    rows = grade_assignment(NAME, renamed_subs, subs.parent / "out3", executor=exec_executor,
                            progress=False).outcomes
    assert [(row.student_id, row.score) for row in rows] == [("alice", 3), ("bob", 0)]
    assert {o.student_id for o in export_grades(workspace, NAME)} == {"alice", "bob", "carol"}


def test_check_after_renaming_the_notebook(scratch_course, exec_executor):
    """The check's workspace holds pretend submissions; a renamed master is recorded again."""
    path = new_assignment(NAME)
    first = check_assignments([NAME], executor=exec_executor, progress=False)
    assert first[0].ok, first[0].problems
    master = nbformat.read(path, as_version=4)
    master.cells[0].source = master.cells[0].source.replace(NOTEBOOK, "demo_pooling.ipynb")
    nbformat.write(copy.deepcopy(master), path.with_name("demo_pooling.ipynb"))
    path.unlink()
    (again,) = check_assignments([NAME], executor=exec_executor, progress=False)
    assert again.ok, again.problems
    assert (again.solution.score, again.blank.score, again.manual_max) == (2, 0, 1)


@pytest.mark.slow
def test_the_round_trip_through_the_commands(scratch_course, capsys):
    """Grade (in the sandbox), grade by hand, change the master, release, grade again,
    export: every row and every manual grade of an unchanged cell is still there."""
    path = _first_master()
    assert main(["release", NAME]) == 0
    subs = scratch_course / "subs"
    for student, source in (("alice", path), ("bob", scratch_course / "assignments" / NAME / NOTEBOOK)):
        (subs / student).mkdir(parents=True)
        shutil.copyfile(source, subs / student / NOTEBOOK)
    out = scratch_course / "graded"
    grade = ["grade", NAME, str(subs), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main(grade) == 0
    workspace = Workspace.default()
    grade_by_hand(workspace, "alice", "explain_pooling", score=1, comment="Well argued.")
    grade_by_hand(workspace, "alice", "test_pooled_size", score=1)
    assert main(["export", NAME, "--out", str(out)]) == 0
    with (out / "grades.csv").open() as file:
        before = {row["student_id"]: row for row in csv.DictReader(file)}
    capsys.readouterr()

    _change_master(path)
    assert main(["release", NAME]) == 0
    assert main(grade) == 0
    printed = capsys.readouterr().out
    print(printed)   # the summary, for the record (pytest -s)
    assert ("the master of demo changed since it was graded: test_pooled_size edited; "
            "test_pooled_size_seven added; test_pooled_size_more removed; 2 graded submissions "
            "set aside to be regraded") in printed
    assert ("regraded against the new master: 2 of 2 submissions set aside (2 from SUBMISSIONS)"
            in printed)
    assert "manual grades reused (cell unchanged): 1 (alice: explain_pooling)" in printed
    assert ("manual grades dropped (cell changed, grade it again): 1 (alice: test_pooled_size)"
            in printed)
    assert main(["export", NAME, "--out", str(out)]) == 0
    with (out / "grades.csv").open() as file:
        after = {row["student_id"]: row for row in csv.DictReader(file)}
    assert set(after) == set(before) == {"alice", "bob"}
    assert [(before[s]["score"], after[s]["score"], after[s]["status"]) for s in ("alice", "bob")] == [
        ("3", "4", "graded"), ("0", "0", "graded")]
    assert _manual_state(workspace) == {("alice", "explain_pooling", "score"): 1.0,
                                        ("alice", "explain_pooling", "comment"): "Well argued."}
