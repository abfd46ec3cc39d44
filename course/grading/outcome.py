"""What grading says about a submission: its status, its outcome, and the executor contract.

One vocabulary from the kernel to ``grades.csv``: an executor reports a :class:`Status`, the
autograder puts it into an :class:`Outcome`, and the CSV, the summary table, the feedback
pages and the result store write the same words.

Example:
    >>> row = Outcome("alice", "ps1", 6.5, 13.0, "timeout", "interrupted after 120 s").row()
    >>> row["score"], row["max_score"], row["status"]
    ('6.5', '13', 'timeout')
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = ["CSV_COLUMNS", "Execution", "Executor", "Outcome", "Status"]

#: The outcome's columns of ``grades.csv``, in order (the LMS ids follow: GRADES_COLUMNS).
CSV_COLUMNS = ("student_id", "assignment", "score", "max_score", "status", "message")


class Status(str, enum.Enum):
    """Every status a submission can end with; the value is the word in ``grades.csv``.

    ``graded``: the notebook ran (its score may be 0); ``needs_manual``: it ran, and a cell
    graded by hand has no score yet (``course export`` reports it from the gradebook);
    ``missing``: no notebook in the student's folder; ``invalid``: not a readable notebook;
    ``timeout``: the submission hit the cell or submission time limit; ``crashed``: the
    kernel died or could not start.

    Example:
        >>> Status("timeout") is Status.TIMEOUT, str(Status.TIMEOUT)
        (True, 'timeout')
    """

    GRADED = "graded"
    NEEDS_MANUAL = "needs_manual"
    MISSING = "missing"
    INVALID = "invalid"
    TIMEOUT = "timeout"
    CRASHED = "crashed"

    def __str__(self) -> str:
        return self.value

    @property
    def executed(self) -> bool:
        """Whether the submission's notebook was run (it has an autograded notebook)."""
        return self not in (Status.MISSING, Status.INVALID)


def _status(value: object, owner: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        allowed = tuple(status.value for status in Status)
        raise ValueError(f"The 'status' parameter of {owner} must be one of {allowed}; "
                         f"got {value!r}.") from None


@dataclass(frozen=True)
class Execution:
    """What an executor reports after running a notebook's code cells.

    Args:
        status: :attr:`Status.GRADED` (the notebook ran to its end), :attr:`Status.TIMEOUT`
            or :attr:`Status.CRASHED`.
        message: why, for a timeout or a crash; what was interrupted or restored otherwise.
        report: details for the result store (what the sandbox enforced, ``kernel_started``,
            the cells that timed out ...).

    Raises:
        ValueError: when ``status`` is not a :class:`Status`.

    Example:
        >>> Execution("crashed", "the kernel died (SIGKILL)").status
        <Status.CRASHED: 'crashed'>
    """

    status: Status = Status.GRADED
    message: str = ""
    report: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _status(self.status, "Execution"))


class Executor(Protocol):
    """Runs the code cells of a submission; :func:`course.grading.autograde.grade_submission`
    takes one explicitly.

    ``execute`` runs the code cells of ``notebook`` in place (outputs go into the cells) with
    ``workdir`` as the working folder, writes the kernel's own output to ``log_path`` and
    returns an :class:`Execution`. Test cells that did not run must get an error output
    (nbgrader gives full points to a test cell without outputs). ``fingerprint`` identifies
    the executor's settings in a stored result: a later run with the same fingerprint may
    reuse the result; ``None`` means its results are never reused.

    Example:
        >>> from course.grading.execution import SandboxExecutor
        >>> isinstance(SandboxExecutor().fingerprint, str)
        True
    """

    @property
    def fingerprint(self) -> str | None:
        """What identifies the settings in a stored result, or ``None`` (never reused)."""

    def execute(self, notebook: Any, *, workdir: Path, log_path: Path) -> Execution:
        """Run the code cells of ``notebook`` in place; return how it went."""


@dataclass(frozen=True)
class Outcome:
    """The result of grading one student's submission: one row of ``grades.csv``.

    Args:
        student_id: the student's id (the name of their folder).
        assignment: the assignment id.
        score: points earned.
        max_score: the assignment's total points.
        status: a :class:`Status` (or its word).
        message: why it is not a plain ``graded``, and the test cells that failed.
        report: the executor's report, kept in the result store (not in the CSV).

    Raises:
        ValueError: when ``status`` is not a :class:`Status`.

    Example:
        >>> Outcome("bob", "ps1", 0, 13, "missing").status
        <Status.MISSING: 'missing'>
    """

    student_id: str
    assignment: str
    score: float
    max_score: float
    status: Status
    message: str = ""
    report: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _status(self.status, "Outcome"))

    def row(self) -> dict[str, str]:
        """The CSV row (:data:`CSV_COLUMNS`): numbers without trailing zeros (``7``, ``2.5``)."""
        return {"student_id": self.student_id, "assignment": self.assignment,
                "score": _number(self.score), "max_score": _number(self.max_score),
                "status": self.status.value, "message": self.message}


def _number(value: float) -> str:
    return f"{round(float(value), 4):g}"
