"""Grading by hand: grades.csv says `needs_manual` until every manually graded cell has a
score; `course export` then counts the manual points; `course feedback` shows the grader's
comments and never a hidden test."""

from __future__ import annotations

import csv
import shutil

import nbformat
from nbgrader.api import Gradebook

from course.authoring.scaffold import new_assignment
from course.cli import main
from course.grading.grade import export_grades, grade_assignment
from course.release import release_assignment
from course.workspace import Workspace

NAME, NOTEBOOK = "demo", "demo_exercises.ipynb"


def grade_by_hand(workspace: Workspace, student: str, cell: str, *, score: float | None = None,
                  comment: str | None = None) -> None:
    """What formgrader does when a person grades a cell: a manual score and/or a comment."""
    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        if score is not None:
            grade = gradebook.find_grade(cell, NOTEBOOK[:-6], NAME, student)
            grade.manual_score = score
            grade.needs_manual_grade = False
        if comment is not None:
            gradebook.find_comment(cell, NOTEBOOK[:-6], NAME, student).manual_comment = comment
        gradebook.db.commit()


def _submissions(root, master_path, blank_path):
    """alice: the master (a written answer to grade); bob: the blank version (no answer:
    nothing to grade by hand); carol: the master with her own written answer."""
    master = nbformat.read(master_path, as_version=4)
    (root / "alice").mkdir(parents=True)
    nbformat.write(master, root / "alice" / NOTEBOOK)
    (root / "bob").mkdir()
    shutil.copyfile(blank_path, root / "bob" / NOTEBOOK)
    written = next(cell for cell in master.cells if cell.get("id") == "explain_pooling")
    written.source = "It makes the maps smaller."
    (root / "carol").mkdir()
    nbformat.write(master, root / "carol" / NOTEBOOK)
    return root


def _rows(path) -> dict[str, dict[str, str]]:
    return {row["student_id"]: row for row in csv.DictReader(path.open())}


def test_needs_manual_until_graded_by_hand_then_export_and_feedback(scratch_course,
                                                                    exec_executor, capsys):
    master = new_assignment(NAME)
    blank = release_assignment(NAME)
    subs = _submissions(scratch_course / "subs", master, blank)
    out = scratch_course / "out"
    workspace = Workspace.default()

    rows = grade_assignment(NAME, subs, out, executor=exec_executor, progress=False).outcomes
    assert [(o.student_id, o.score, o.max_score, o.status.value, o.message) for o in rows] == [
        ("alice", 2, 3, "needs_manual", "to grade by hand: explain_pooling"),
        ("bob", 0, 3, "graded", "failed: test_pooled_size"),
        ("carol", 2, 3, "needs_manual", "to grade by hand: explain_pooling")]
    assert _rows(out / "grades.csv")["alice"]["status"] == "needs_manual"

    grade_by_hand(workspace, "alice", "explain_pooling", score=1, comment="Both reasons, well put.")
    grade_by_hand(workspace, "carol", "explain_pooling", score=0.5)
    grade_by_hand(workspace, "carol", "pooled_size", comment="PERSONAL-NOTE-FOR-CAROL")
    assert main(["export", NAME, "--out", str(out)]) == 0
    exported = _rows(out / "grades.csv")
    assert {student: (row["score"], row["max_score"], row["status"])
            for student, row in exported.items()} == {
        "alice": ("3", "3", "graded"), "bob": ("0", "3", "graded"), "carol": ("2.5", "3", "graded")}

    assert main(["feedback", NAME, "--out", str(out)]) == 0
    capsys.readouterr()
    alice = (out / "feedback" / "alice" / "demo_exercises.html").read_text()
    carol = (out / "feedback" / "carol" / "demo_exercises.html").read_text()
    assert "Both reasons, well put." in alice and "PERSONAL-NOTE-FOR-CAROL" in carol
    for page in (alice, carol):
        assert "BEGIN HIDDEN TESTS" not in page and "range(0, n - k + 1, k)" not in page
    assert "PERSONAL-NOTE-FOR-CAROL" not in alice

    # a regrade keeps what a person gave (nbgrader's rule), and the status stays graded
    again = grade_assignment(NAME, subs, out, executor=exec_executor, progress=False,
                             regrade=True).outcomes
    assert [(o.student_id, o.score, o.status.value) for o in again] == [
        ("alice", 3, "graded"), ("bob", 0, "graded"), ("carol", 2.5, "graded")]
    assert export_grades(workspace, NAME) == again
