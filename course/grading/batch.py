"""Batches: the students of one SUBMISSIONS folder or zip, graded together.

``course grade ASSIGNMENT SUBMISSIONS [--batch NAME]`` records its batch (by default named
after SUBMISSIONS: ``CNN-101-ps1 submissions.zip`` is the batch ``CNN-101-ps1 submissions``)
in ``WORKSPACE/batches/<assignment>/<name>.json``: its students, in order, with their LMS
identities. ``course feedback`` and ``course export`` report exactly the students of one
batch: ``--batch NAME``, or the assignment's only batch.

The gradebook holds one grade per student and assignment: a student in two batches (two
downloads of the same class) has the grade of the latest grading in both.

Example:
    >>> default_name(Path("downloads/CNN-101-ps1 submissions.zip"))
    'CNN-101-ps1 submissions'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError
from course.lms import Identity
from course.workspace import Workspace, atomic_write

__all__ = ["Batch", "batch_names", "check_name", "default_name", "resolve_batch", "save_batch"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,99}$")
_ALLOWED = "letters, digits, spaces and ._()+- (at most 100, the first a letter or digit)"


@dataclass(frozen=True)
class Batch:
    """The students of one grading run of an assignment.

    Args:
        assignment: the assignment id.
        name: the batch's name.
        source: the SUBMISSIONS folder or zip it was graded from.
        students: ``(student id, identity)`` per student, sorted by student id.
    """

    assignment: str
    name: str
    source: str
    students: tuple[tuple[str, Identity], ...]

    @property
    def student_ids(self) -> list[str]:
        """The students' ids, in order."""
        return [student_id for student_id, _ in self.students]

    @property
    def identities(self) -> dict[str, Identity]:
        """Each student's LMS identity, by student id."""
        return dict(self.students)


def check_name(name: str) -> str:
    """Return ``name`` if it can name a batch.

    Raises:
        CourseError: naming the value and what is allowed.
    """
    if not _NAME.match(name):
        raise CourseError(f"The '--batch' parameter must be {_ALLOWED}; got {name!r}.")
    return name


def default_name(submissions: Path) -> str:
    """The batch's name when ``--batch`` is not given: SUBMISSIONS' name without ``.zip``,
    other characters replaced by ``-``."""
    stem = Path(submissions).name
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    name = re.sub(r"[^A-Za-z0-9 ._()+-]", "-", stem).strip(" ._-")[:100]
    return name if _NAME.match(name) else "submissions"


def _file(workspace: Workspace, assignment: str, name: str) -> Path:
    return workspace.root / "batches" / assignment / f"{name}.json"


def save_batch(workspace: Workspace, batch: Batch) -> None:
    """Record ``batch`` in the workspace (atomically; an earlier batch of that name is
    replaced)."""
    record = {"assignment": batch.assignment, "name": batch.name, "source": batch.source,
              "students": [{"student_id": student_id, **identity.to_json()}
                           for student_id, identity in batch.students]}
    atomic_write(_file(workspace, batch.assignment, batch.name),
                 json.dumps(record, indent=1) + "\n")


def _load(workspace: Workspace, assignment: str, name: str) -> Batch:
    path = _file(workspace, assignment, name)
    try:
        record = json.loads(path.read_text("utf-8"))
        students = tuple((entry["student_id"], Identity.from_json(entry))
                         for entry in record["students"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CourseError(f"The record of batch {name!r} ('{path}') cannot be read ({error}); "
                          f"grade the batch again.") from None
    return Batch(assignment, name, str(record.get("source", "")), students)


def batch_names(workspace: Workspace, assignment: str) -> list[str]:
    """The names of the assignment's batches in the workspace, sorted."""
    folder = workspace.root / "batches" / assignment
    return sorted(path.stem for path in folder.glob("*.json")) if folder.is_dir() else []


def resolve_batch(workspace: Workspace, assignment: str, name: str | None, *,
                  command: str) -> Batch | None:
    """The batch a command reports: ``name``, or the assignment's only batch.

    Args:
        workspace: the grading workspace.
        assignment: the assignment id.
        name: the ``--batch`` option (``None``: not given).
        command: the command, for messages (``course export``).

    Returns:
        The batch; ``None`` when the workspace has no batch of ``assignment`` (graded before
        batches were recorded: every student of the assignment is reported).

    Raises:
        CourseError: when ``name`` is not a batch of the assignment, or it is not given and
            there are several.
    """
    names = batch_names(workspace, assignment)
    listed = ", ".join(f"{known!r} ({len(_load(workspace, assignment, known).students)} "
                       "students)" for known in names)
    if name is not None:
        if name not in names:
            raise CourseError(f"The '--batch' parameter of {command} must be a batch of "
                              f"{assignment!r} in '{workspace.root}'; got {name!r}; its batches: "
                              f"{listed or 'none (run course grade first)'}.")
        return _load(workspace, assignment, name)
    if len(names) > 1:
        raise CourseError(f"{assignment!r} has {len(names)} batches in '{workspace.root}': "
                          f"{listed}; pass --batch NAME to {command}.")
    return _load(workspace, assignment, names[0]) if names else None


def shared_students(workspace: Workspace, batch: Batch) -> dict[str, list[str]]:
    """The students of ``batch`` that other batches of its assignment hold too.

    Returns:
        Other batch name -> the students it shares with ``batch``.
    """
    mine = set(batch.student_ids)
    shared = {}
    for name in batch_names(workspace, batch.assignment):
        if name != batch.name:
            common = sorted(mine & set(_load(workspace, batch.assignment, name).student_ids))
            if common:
                shared[name] = common
    return shared

