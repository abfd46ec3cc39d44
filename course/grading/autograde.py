"""Grade one submission: nbgrader's autograde steps around an executor.

:func:`grade_submission` is the unit the rest of ``course.grading`` builds on (``course
grade`` runs it in a worker pool, ``course check`` on the master, blank and half-done
versions). It runs nbgrader's own preprocessors in the order of ``nbgrader autograde``:

1. rebuild the notebook from the released master (:func:`course.grading.integrity.
   rebuild_from_master`), then sanitize: ``ClearOutput``, ``DeduplicateIds``,
   ``OverwriteKernelspec``, ``OverwriteCells`` (test and read-only cells are restored from
   the gradebook), ``CheckCellMetadata``;
2. execute, through the **executor** it is given (:class:`course.grading.outcome.Executor`),
   in ``WORKSPACE/autograded/<student>/<assignment>/``;
3. ``IgnorePattern`` (library log lines on stderr), ``LimitOutput``;
4. save: ``SaveAutoGrades`` writes the scores into the gradebook; after a change of the
   master, the manual grades of unchanged cells are put back
   (:func:`course.grading.revision.restore_manual_grades`).

Every gradebook access holds :meth:`Workspace.gradebook_lock`, so parallel workers never use
SQLite at the same time; execution itself runs outside the lock.

Example:
    >>> from course.grading.execution import SandboxExecutor
    >>> outcome = grade_submission("ps1", "alice", Path("alice/ps1_convolution.ipynb"),
    ...                            Workspace(Path(".grading")),
    ...                            executor=SandboxExecutor())         # doctest: +SKIP
    >>> outcome.status, outcome.score, outcome.max_score               # doctest: +SKIP
    (<Status.GRADED: 'graded'>, 13.0, 13.0)
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

from course.errors import first_line
from course.grading.integrity import rebuild_from_master
from course.grading.outcome import Executor, Outcome, Status
from course.grading.revision import REPORT_KEY, Restored, restore_manual_grades
from course.workspace import Workspace, nbgrader_config, quiet_nbgrader

__all__ = ["MAX_NOTEBOOK_BYTES", "grade_submission", "kernel_log", "save_grades"]

MAX_NOTEBOOK_BYTES = 64 * 1024**2   # a bigger notebook is refused before it is read


def kernel_log(workspace: Workspace, assignment: str, student_id: str) -> Path:
    """Where the kernel's own output of one student's grading goes.

    Example:
        >>> kernel_log(Workspace(Path(".grading")), "ps1", "alice").as_posix()
        '.grading/logs/ps1/alice.log'
    """
    return workspace.root / "logs" / assignment / f"{student_id}.log"


def _resources(workspace: Workspace, assignment: str, student_id: str, notebook_id: str,
               workdir: Path) -> dict:
    return {"nbgrader": {"student": student_id, "assignment": assignment,
                         "notebook": notebook_id, "db_url": workspace.db_url},
            "metadata": {"path": str(workdir)}, "unique_key": notebook_id}


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _read_notebook(path: Path) -> tuple[Any, str]:
    """The notebook at ``path`` (nbformat 4), or ``None`` and why it cannot be graded."""
    import nbformat

    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return None, (f"the notebook is {size / 1024**2:.0f} MiB; notebooks over "
                      f"{MAX_NOTEBOOK_BYTES // 1024**2} MiB are not graded (clear its outputs)")

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 - any unreadable file is an 'invalid' outcome
        return None, f"not a readable notebook: {first_line(error)}"
    if not isinstance(notebook.get("cells"), list):
        return None, "not a readable notebook: it has no list of cells"
    return notebook, ""


def grade_submission(assignment: str, student_id: str, notebook: Path | None,
                     workspace: Workspace, *, executor: Executor) -> Outcome:
    """Autograde one student's notebook and record the scores in the gradebook.

    The assignment must already be in the workspace's gradebook (``course.release.
    generate_assignment`` puts it there). The submission is copied to
    ``submitted/<student>/<assignment>/``, executed in ``autograded/<student>/<assignment>/``
    (both replaced on every call, so grading again gives the same result) and its scores
    saved with nbgrader's ``SaveAutoGrades``.

    Args:
        assignment: the assignment id.
        student_id: the student's id (the name of their folder).
        notebook: the submitted notebook, or ``None`` when the student's folder has none.
        workspace: the nbgrader workspace.
        executor: runs the notebook's code cells.

    Returns:
        The :class:`~course.grading.outcome.Outcome`; its message lists the test cells that
        failed, its report is the executor's.

    Example:
        >>> grade_submission("ps1", "erin", None, workspace,
        ...                  executor=executor).status             # doctest: +SKIP
        <Status.MISSING: 'missing'>
    """
    total = workspace.max_score(assignment)
    if notebook is None:
        return Outcome(student_id, assignment, 0.0, total, Status.MISSING,
                       "no notebook (.ipynb) in the student's folder")
    nb, problem = _read_notebook(notebook)
    if nb is None:
        return Outcome(student_id, assignment, 0.0, total, Status.INVALID, problem)

    import nbformat
    from nbgrader import preprocessors as pp

    notebook_id = workspace.assignment_notebook(assignment)
    submitted = _fresh(workspace.submitted(student_id, assignment))
    shutil.copyfile(notebook, submitted / f"{notebook_id}.ipynb")
    workdir = _fresh(workspace.autograded(student_id, assignment))
    resources = _resources(workspace, assignment, student_id, notebook_id, workdir)
    config = nbgrader_config(workspace)

    # Tests cannot be talked out of failing: the master's cells, the student's answers.
    nb, repairs = _rebuild_from_release(workspace, assignment, notebook_id, nb)
    try:
        with workspace.gradebook_lock(), quiet_nbgrader():  # e.g. "checksum has changed"
            for step in (pp.ClearOutput, pp.DeduplicateIds, pp.OverwriteKernelspec,
                         pp.OverwriteCells, pp.CheckCellMetadata):
                nb, resources = step(config=config).preprocess(nb, resources)
    except Exception as error:  # noqa: BLE001 - a notebook nbgrader cannot read is 'invalid'
        return Outcome(student_id, assignment, 0.0, total, Status.INVALID,
                       f"nbgrader could not read the notebook's cells: {first_line(error)}")

    execution = executor.execute(
        nb, workdir=workdir, log_path=kernel_log(workspace, assignment, student_id))
    for step in (pp.IgnorePattern, pp.LimitOutput):
        nb, resources = step(config=config).preprocess(nb, resources)
    nbformat.write(nb, workdir / f"{notebook_id}.ipynb")

    score, restored = save_grades(workspace, assignment, student_id, nb)
    failed = _failed_cells(nb)
    repaired = ("repaired: " + "; ".join(repairs[:3]) + (" ..." if len(repairs) > 3 else "")
                if repairs else "")
    message = "; ".join(part for part in (
        execution.message, repaired, f"failed: {', '.join(failed)}" if failed else "",
        restored.message() if restored else "") if part)
    report = dict(execution.report)
    if restored is not None:
        report[REPORT_KEY] = {"kept": list(restored.kept), "dropped": list(restored.dropped)}
    return Outcome(student_id, assignment, score, total, execution.status, message, report)


def save_grades(workspace: Workspace, assignment: str, student_id: str,
                nb: Any) -> tuple[float, Restored | None]:
    """Record the scores of an executed notebook in the gradebook (nbgrader's
    ``SaveAutoGrades``) and, after a change of the master, put back the manual grades of
    unchanged cells.

    Args:
        workspace: the nbgrader workspace.
        assignment: the assignment id.
        student_id: the student's id.
        nb: the notebook as graded (its test cells hold their outputs).

    Returns:
        The submission's score in the gradebook, and what was restored (``None``: nothing
        was pending).

    Example:
        >>> save_grades(workspace, "ps1", "alice", graded_notebook)     # doctest: +SKIP
        (13.0, None)
    """
    from nbgrader import preprocessors as pp
    from nbgrader.api import Gradebook

    notebook_id = workspace.assignment_notebook(assignment)
    resources = _resources(workspace, assignment, student_id, notebook_id,
                           workspace.autograded(student_id, assignment))
    with workspace.gradebook_lock(), warnings.catch_warnings():
        # nbgrader's update_or_create_submission trips SQLAlchemy's autoflush warnings
        warnings.simplefilter("ignore", category=_sqlalchemy_warning())
        with Gradebook(workspace.db_url) as gradebook:
            gradebook.update_or_create_student(student_id)
            gradebook.update_or_create_submission(assignment, student_id)
        pp.SaveAutoGrades(config=nbgrader_config(workspace)).preprocess(nb, resources)
        with Gradebook(workspace.db_url) as gradebook:
            # after a change of the master: the manual grades of unchanged cells come back
            restored = restore_manual_grades(gradebook, workspace, assignment, student_id)
            score = float(gradebook.find_submission(assignment, student_id).score)
    return score, restored


def _rebuild_from_release(workspace: Workspace, assignment: str, notebook_id: str,
                          nb: Any) -> tuple[Any, list[str]]:
    """:func:`rebuild_from_master` against the released notebook (the master's cells in the
    master's order, the student's answers); unchanged if there is no release."""
    import nbformat

    master = workspace.release(assignment) / f"{notebook_id}.ipynb"
    if not master.is_file():
        return nb, []
    return rebuild_from_master(nbformat.read(master, as_version=4), nb)


def _sqlalchemy_warning() -> type[Warning]:
    from sqlalchemy.exc import SAWarning

    return SAWarning


def _failed_cells(notebook: Any) -> list[str]:
    """Ids of the test cells that did not earn all their points."""
    from nbgrader.utils import determine_grade, is_grade

    failed = []
    for cell in notebook.cells:
        if is_grade(cell) and cell.cell_type == "code":
            score, points = determine_grade(cell)
            if score is None or score < points:
                failed.append(cell.metadata["nbgrader"]["grade_id"])
    return failed
