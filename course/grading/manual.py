"""Grades given by hand: which cells a person grades, and which still wait for a score.

nbgrader records a *manually graded* cell in the gradebook: an answer cell that is graded
(a written answer in markdown, or code a person reads) or a task cell. The autograder leaves
its score empty (an answer left as the stub scores 0, "No response") until a person gives it
points in formgrader. A submission with such a cell still empty is ``needs_manual`` in
``grades.csv`` (``course export`` says which cells); ``course check`` counts these points
apart from the automatic ones.

Example:
    >>> with Gradebook(workspace.db_url) as gradebook:               # doctest: +SKIP
    ...     waiting_cells(gradebook, "ps5")
    {'alice': ['explain_pooling']}
"""

from __future__ import annotations

from typing import Any

from course.workspace import Workspace

__all__ = ["manual_cells", "manual_points", "waiting_cells"]


def manual_cells(gradebook: Any, assignment: str) -> dict[str, float]:
    """The manually graded cells of an assignment and their points.

    Args:
        gradebook: an open ``nbgrader.api.Gradebook``.
        assignment: the assignment id (recorded in the gradebook).

    Returns:
        ``{grade_id: points}``.

    Raises:
        nbgrader.api.MissingEntry: when the gradebook has no such assignment.

    Example:
        >>> manual_cells(gradebook, "ps5")                          # doctest: +SKIP
        {'explain_pooling': 1.0}
    """
    found = {}
    for notebook in gradebook.find_assignment(assignment).notebooks:
        answers = {cell.name for cell in notebook.solution_cells}
        for cell in notebook.grade_cells:
            if cell.name in answers or cell.cell_type != "code":
                found[cell.name] = float(cell.max_score)
        for cell in notebook.task_cells:
            found[cell.name] = float(cell.max_score)
    return found


def waiting_cells(gradebook: Any, assignment: str) -> dict[str, list[str]]:
    """Per student, the manually graded cells that have neither an automatic nor a manual
    score yet (formgrader's "needs manual grade").

    Args:
        gradebook: an open ``nbgrader.api.Gradebook``.
        assignment: the assignment id.

    Returns:
        ``{student_id: [grade_id, ...]}`` for the students with at least one such cell.

    Raises:
        nbgrader.api.MissingEntry: when the gradebook has no such assignment.

    Example:
        >>> waiting_cells(gradebook, "ps5")                         # doctest: +SKIP
        {'alice': ['explain_pooling']}
    """
    manual = manual_cells(gradebook, assignment)
    waiting: dict[str, list[str]] = {}
    for submission in gradebook.find_assignment(assignment).submissions:
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if (grade.name in manual and grade.auto_score is None
                        and grade.manual_score is None):
                    waiting.setdefault(submission.student.id, []).append(grade.name)
    return {student: sorted(cells) for student, cells in waiting.items()}


def manual_points(workspace: Workspace, assignment: str) -> float:
    """The points of an assignment that a person grades (0 when there are none).

    Args:
        workspace: a workspace that recorded the assignment.
        assignment: the assignment id.

    Example:
        >>> manual_points(Workspace.default(), "ps5")               # doctest: +SKIP
        1.0
    """
    from nbgrader.api import Gradebook

    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        return sum(manual_cells(gradebook, assignment).values())
