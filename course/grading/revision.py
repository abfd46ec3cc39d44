"""A master that changes after grading: record the new version, regrade, keep manual grades.

nbgrader refuses to add or remove cells (or notebooks) of an assignment that has submissions
in the gradebook ("Cannot add or remove cells ..."), and keeps the manual grade given for a
cell that was since edited. :func:`record_master`, which ``course grade`` and ``course check``
run first, records the master in the workspace unless the workspace holds this very version.
When it does not and submissions were graded against the old one, it:

1. sets each graded submission aside as a *pending regrade*, in
   ``WORKSPACE/regrade/<assignment>/<student_id>/``: the notebook as the student sent it,
   and ``manual.json``, its manual grades and comments, each with the checksum of the cell
   it was given for (nbgrader's: the cell's source, type, id and points);
2. removes the assignment and its submissions from the gradebook and records the new master;
3. returns a :class:`MasterChange` (the cells edited, added and removed; the students).

``course grade`` then regrades every pending submission (from SUBMISSIONS when the student is
in it, else from the notebook set aside), and the autograder calls
:func:`restore_manual_grades` right after saving the automatic scores: the manual grades and
comments of cells whose checksum did not change are put back; the others are dropped and
reported (to be graded again by hand). A pending regrade is removed only once it is restored,
so an interrupted run loses nothing: the next run picks it up.

Example:
    >>> change = record_master("ps1", Workspace.default())           # doctest: +SKIP
    >>> print(change.describe())                                      # doctest: +SKIP
    the master of ps1 changed since it was graded: test_pool edited; test_stride added; ...
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.authoring.lint import require_sound
from course.grading.outcome import Outcome
from course.grading.submissions import Submission
from course.release import generate_assignment, graded_students, is_recorded
from course.workspace import Workspace, atomic_write

__all__ = ["MasterChange", "Restored", "pending_regrades", "record_master",
           "regrade_summary", "restore_manual_grades"]

MANUAL_FILE = "manual.json"
REPORT_KEY = "manual_grades"   # in an outcome's report: what restore_manual_grades did


@dataclass(frozen=True)
class MasterChange:
    """How a recorded master differs from the new one, and whose submissions wait for a
    regrade against it.

    Args:
        assignment: the assignment id.
        edited: ids of cells whose content, type or points changed.
        added: ids of new cells.
        removed: ids of cells that are gone.
        renamed: ``"old.ipynb -> new.ipynb"`` when the notebook was renamed.
        students: the students whose graded submissions were set aside.

    Example:
        >>> MasterChange("ps1", added=("test_x",), students=("alice",)).describe()
        'the master of ps1 changed since it was graded: test_x added; 1 graded submission set aside to be regraded'
    """

    assignment: str
    edited: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    renamed: str = ""
    students: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line: what changed and how many submissions wait for a regrade."""
        parts = [f"{', '.join(ids)} {verb}" for ids, verb in
                 ((self.edited, "edited"), (self.added, "added"), (self.removed, "removed"))
                 if ids]
        if self.renamed:
            parts.append(f"notebook renamed {self.renamed}")
        count = len(self.students)
        parts.append(f"{count} graded submission{'s' if count != 1 else ''} set aside to be "
                     "regraded")
        return f"the master of {self.assignment} changed since it was graded: " + "; ".join(parts)


@dataclass(frozen=True)
class Restored:
    """What :func:`restore_manual_grades` did for one student.

    Args:
        kept: ids of the cells whose manual grade or comment was put back.
        dropped: ids of the cells that changed since they were graded by hand.

    Example:
        >>> Restored(kept=("explain_pooling",)).message()
        'manual grades kept: explain_pooling'
    """

    kept: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()

    def message(self) -> str:
        """A clause for the grade's message ('' when there was nothing to restore)."""
        parts = []
        if self.kept:
            parts.append(f"manual grades kept: {', '.join(self.kept)}")
        if self.dropped:
            parts.append(f"manual grades dropped, cell changed (grade again): "
                         f"{', '.join(self.dropped)}")
        return "; ".join(parts)


def _recorded_cells(gradebook: Any, assignment: str) -> tuple[str, dict[str, str]]:
    """(notebook file name, {cell id: checksum}) of the version the gradebook recorded."""
    (notebook,) = gradebook.find_assignment(assignment).notebooks
    return f"{notebook.name}.ipynb", {cell.name: cell.checksum for cell in notebook.source_cells}


def _manual_record(submission: Any, checksums: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The manual grades and comments of one submitted assignment, by cell id."""
    entries: dict[str, dict[str, Any]] = {}
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            if grade.manual_score is not None or grade.extra_credit:
                entries.setdefault(grade.name, {}).update(
                    manual_score=grade.manual_score, extra_credit=grade.extra_credit)
        for comment in notebook.comments:
            if comment.manual_comment:
                entries.setdefault(comment.name, {})["comment"] = comment.manual_comment
    for cell, entry in entries.items():
        entry["checksum"] = checksums.get(cell)
    return entries


def _set_aside(workspace: Workspace, assignment: str, student_id: str,
               manual: dict[str, dict[str, Any]]) -> None:
    """Write one pending regrade (atomically: a temporary folder, then ``os.replace``); one
    that is already there, from an earlier change not regraded yet, is kept as it is."""
    target = workspace.pending_regrade(assignment, student_id)
    if target.is_dir():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{student_id}.", dir=target.parent))
    for notebook in workspace.submitted(student_id, assignment).glob("*.ipynb"):
        shutil.copyfile(notebook, staging / notebook.name)
    atomic_write(staging / MANUAL_FILE, json.dumps({"manual": manual}, indent=1) + "\n")
    os.replace(staging, target)


def record_master(assignment: str, workspace: Workspace, *,
                  solutions: Path | None = None) -> MasterChange | None:
    """Record the master of ``assignment`` in ``workspace`` unless it holds this very version;
    set aside the submissions graded against an earlier one (see the module docstring).

    Args:
        assignment: the assignment id.
        workspace: the nbgrader workspace.
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        What changed, when graded submissions were set aside; else ``None``.

    Raises:
        AuthoringError: when the master breaks a rule of :mod:`course.authoring.lint`.
        ReleaseError: when nbgrader cannot record it.
    """
    from nbgrader.api import Gradebook

    if is_recorded(assignment, workspace, solutions=solutions):
        return None
    require_sound(assignment, solutions=solutions, action="nothing was graded")
    students = graded_students(assignment, workspace)
    if not students:
        generate_assignment(assignment, workspace, solutions=solutions)
        return None
    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        old_name, old_cells = _recorded_cells(gradebook, assignment)
        manual = {student: _manual_record(gradebook.find_submission(assignment, student),
                                          old_cells) for student in students}
    for student in students:
        _set_aside(workspace, assignment, student, manual[student])
    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        gradebook.remove_assignment(assignment)
    generate_assignment(assignment, workspace, solutions=solutions)
    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        new_name, new_cells = _recorded_cells(gradebook, assignment)
    return MasterChange(
        assignment,
        edited=tuple(sorted(cell for cell in set(old_cells) & set(new_cells)
                            if old_cells[cell] != new_cells[cell])),
        added=tuple(sorted(set(new_cells) - set(old_cells))),
        removed=tuple(sorted(set(old_cells) - set(new_cells))),
        renamed=f"{old_name} -> {new_name}" if old_name != new_name else "",
        students=tuple(students))


def pending_regrades(workspace: Workspace, assignment: str) -> list[Submission]:
    """The submissions set aside to be regraded against a changed master.

    Args:
        workspace: the nbgrader workspace.
        assignment: the assignment id.

    Returns:
        One :class:`~course.grading.submissions.Submission` per student (its notebook is the
        one set aside, ``None`` when there was none), sorted by student id.

    Example:
        >>> [s.student_id for s in pending_regrades(Workspace.default(), "ps1")]  # doctest: +SKIP
        ['alice', 'carol']
    """
    folder = workspace.root / "regrade" / assignment
    found = []
    for pending in sorted(folder.iterdir()) if folder.is_dir() else []:
        if pending.is_dir() and not pending.name.startswith("."):
            notebooks = sorted(pending.glob("*.ipynb"))
            found.append(Submission(pending.name, notebooks[0] if notebooks else None))
    return found


def restore_manual_grades(gradebook: Any, workspace: Workspace, assignment: str,
                          student_id: str) -> Restored | None:
    """Put back the manual grades and comments of one regraded student, for the cells that
    did not change; then remove the student's pending regrade.

    Call it holding the workspace's gradebook lock, after nbgrader's ``SaveAutoGrades``.

    Args:
        gradebook: an open ``nbgrader.api.Gradebook``.
        workspace: the nbgrader workspace.
        assignment: the assignment id.
        student_id: the student just regraded.

    Returns:
        What was kept and dropped, or ``None`` when the student had no pending regrade.

    Example:
        >>> restore_manual_grades(gradebook, workspace, "ps1", "alice")   # doctest: +SKIP
        Restored(kept=('explain_pooling',), dropped=('test_pooled_size',))
    """
    from nbgrader.api import MissingEntry

    pending = workspace.pending_regrade(assignment, student_id)
    try:
        manual = json.loads((pending / MANUAL_FILE).read_text("utf-8"))["manual"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    notebook_id, checksums = _recorded_cells(gradebook, assignment)
    notebook_id = notebook_id.removesuffix(".ipynb")
    kept, dropped = [], []
    for cell, entry in sorted(manual.items()):
        if entry.get("checksum") is None or checksums.get(cell) != entry["checksum"]:
            dropped.append(cell)
            continue
        try:
            if entry.get("manual_score") is not None or entry.get("extra_credit"):
                grade = gradebook.find_grade(cell, notebook_id, assignment, student_id)
                grade.manual_score = entry.get("manual_score")
                grade.extra_credit = entry.get("extra_credit")
                # formgrader's rule: a cell needs a person only while it has no score at all
                grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
            if entry.get("comment"):
                comment = gradebook.find_comment(cell, notebook_id, assignment, student_id)
                comment.manual_comment = entry["comment"]
        except MissingEntry:
            dropped.append(cell)
            continue
        kept.append(cell)
    gradebook.db.commit()
    shutil.rmtree(pending)
    return Restored(tuple(kept), tuple(dropped))


def regrade_summary(change: MasterChange | None, pending: Sequence[Submission],
                    outcomes: Sequence[Outcome], *, workspace: Workspace, assignment: str,
                    from_submissions: set[str]) -> list[str]:
    """What a grading run did after a change of the master: which submissions set aside were
    regraded (from SUBMISSIONS or from the copy set aside), which manual grades were reused
    and which dropped.

    Args:
        change: what :func:`record_master` returned for this run.
        pending: :func:`pending_regrades` before the run.
        outcomes: the run's outcomes (their reports say what was restored).
        workspace: the nbgrader workspace.
        assignment: the assignment id.
        from_submissions: the students of SUBMISSIONS.

    Returns:
        Lines for the summary (none when nothing was set aside).

    Example:
        >>> regrade_summary(None, [], [], workspace=workspace, assignment="ps1",
        ...                 from_submissions=set())                   # doctest: +SKIP
        []
    """
    lines = [change.describe()] if change is not None else []
    if not pending:
        return lines
    still = {submission.student_id for submission in pending_regrades(workspace, assignment)}
    reports = {outcome.student_id: outcome.report.get(REPORT_KEY, {}) for outcome in outcomes}
    done = [submission.student_id for submission in pending
            if submission.student_id not in still and submission.student_id in reports]
    others = [student for student in done if student not in from_submissions]
    sources = [f"{len(done) - len(others)} from SUBMISSIONS"]
    if others:
        sources.append(f"{len(others)} from the workspace's copies: {', '.join(others)}")
    lines.append(f"regraded against the new master: {len(done)} of {len(pending)} submissions "
                 f"set aside ({', '.join(sources)})")
    kept = [f"{student}: {cell}" for student in done for cell in reports[student].get("kept", ())]
    dropped = [f"{student}: {cell}" for student in done
               for cell in reports[student].get("dropped", ())]
    lines.append(f"manual grades reused (cell unchanged): {len(kept)}"
                 + (f" ({', '.join(kept)})" if kept else ""))
    if dropped:
        lines.append(f"manual grades dropped (cell changed, grade it again): {len(dropped)} "
                     f"({', '.join(dropped)})")
    if still:
        lines.append(f"still set aside, not regraded yet: {', '.join(sorted(still))}")
    return lines
