"""``course grade``, ``course feedback`` and ``course export``.

``course grade ASSIGNMENT SUBMISSIONS --out DIR [--workers N] [--no-sandbox]`` checks its
input first (nothing is written on bad input), records the assignment in the workspace's
gradebook, then autogrades every student folder in a pool of worker processes
(:func:`course.grading.jobs.run_jobs`, a progress bar while it runs), writes
``DIR/feedback/<student_id>/<notebook>.html`` per student and ``DIR/grades.csv`` with one row
per student folder, and prints a summary table. Every file is written atomically (a temporary
file, then ``os.replace``); grading again gives the same CSV.

Student code runs in a sandbox (``course.sandbox``: resource limits, no network, writes only
in its own folder; the first line printed says which layers are in force) under per-cell and
per-submission timeouts (``course.grading.execution``); ``--no-sandbox`` runs plain kernels.

Grading is resumable (:mod:`course.grading.jobs`): each student's result is stored as soon as
that student is done; a later run reuses every result whose fingerprint still matches (an
interrupted run picks up where it stopped, and grading again gives the same CSV without
regrading), unless ``--regrade``.

Workers share one gradebook: every SQLite access holds the workspace's lock (see
``course.grading.autograde``), so rows are neither lost nor duplicated. Each outcome (status,
message) is kept in the workspace's result store; ``course export`` joins the stored outcomes
with the gradebook's scores (which include manual grades given in between), and ``course
feedback`` re-renders the pages from the gradebook.

Example:
    $ course grade ps1 SUBMISSIONS.zip --out graded/ps1 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from course.errors import CourseError, first_line
from course.grading.execution import SandboxExecutor, SandboxSettings
from course.grading.feedback import write_feedback
from course.grading.jobs import Job, run_jobs
from course.grading.manual import waiting_cells
from course.grading.outcome import CSV_COLUMNS, Executor, Outcome, Status
from course.grading.revision import pending_regrades, record_master, regrade_summary
from course.grading.submissions import open_submissions
from course.sandbox import GiB, Limits
from course.workspace import (
    Workspace,
    atomic_write,
    master_notebook,
    resolve_assignments,
)

__all__ = [
    "add_grade_arguments",
    "add_gradebook_arguments",
    "export_command",
    "export_grades",
    "feedback_command",
    "grade_assignment",
    "grade_command",
    "summary_table",
    "write_grades_csv",
]


def export_grades(workspace: Workspace, assignment: str, *,
                  students: Sequence[str] | None = None) -> list[Outcome]:
    """Scores from the gradebook (manual grades included) with the stored statuses.

    Args:
        workspace: the nbgrader workspace.
        assignment: the assignment id.
        students: the students to report (default: everyone graded for ``assignment``).

    Returns:
        One outcome per student, in the order of ``students`` (else sorted by id); a
        ``missing`` or ``invalid`` submission scores 0.

    Raises:
        CourseError: when the workspace has never graded ``assignment``.

    Example:
        >>> export_grades(Workspace.default(), "ps1")[0].row()       # doctest: +SKIP
        {'student_id': 'alice', 'assignment': 'ps1', 'score': '13', ...}
    """
    from nbgrader.api import Gradebook, MissingEntry

    stored = {student_id: record["outcome"] for student_id, record
              in workspace.load_results(assignment).items() if "outcome" in record}
    scores: dict[str, float] = {}
    waiting: dict[str, list[str]] = {}
    total = 0.0
    if workspace.db_path.is_file():
        with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
            try:
                record = gradebook.find_assignment(assignment)
            except MissingEntry:
                record = None
            if record is not None:
                total = float(record.max_score)
                scores = {sub.student.id: float(sub.score) for sub in record.submissions}
                waiting = waiting_cells(gradebook, assignment)
    if not stored and not scores:
        raise CourseError(f"The workspace '{workspace.root}' has no graded submissions of "
                          f"{assignment!r}; run `course grade {assignment} SUBMISSIONS` first.")
    outcomes = []
    for student_id in (students if students is not None else sorted(set(stored) | set(scores))):
        known = stored.get(student_id, {"status": Status.GRADED, "message": "", "score": 0.0})
        score = scores.get(student_id, known["score"])
        if not Status(known["status"]).executed:
            score = 0.0
        status, message = known["status"], known["message"]
        if Status(status) is Status.GRADED and student_id in waiting:
            status = Status.NEEDS_MANUAL
            message = "; ".join(part for part in (
                f"to grade by hand: {', '.join(waiting[student_id])}", message) if part)
        outcomes.append(Outcome(student_id, assignment, score, total or known.get("max_score", 0),
                                status, message))
    return outcomes


def write_grades_csv(path: Path, outcomes: Sequence[Outcome]) -> None:
    """Write ``grades.csv`` (columns :data:`CSV_COLUMNS`, one row per outcome), atomically.

    Args:
        path: the file to write.
        outcomes: the rows, in order.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in outcomes:
        writer.writerow(outcome.row())
    atomic_write(path, buffer.getvalue())


def summary_table(outcomes: Sequence[Outcome]) -> str:
    """Counts by status and the mean score (missing and failed submissions count as 0).

    Args:
        outcomes: the graded students.

    Example:
        >>> print(summary_table([Outcome("a", "ps1", 13, 13, "graded")]).splitlines()[-1])
        mean score 13.00 / 13 over all 1 students
    """
    counts = Counter(outcome.status for outcome in outcomes)
    total = max((outcome.max_score for outcome in outcomes), default=0.0)
    mean = sum(outcome.score for outcome in outcomes) / max(len(outcomes), 1)
    lines = [f"{'status':<10} {'students':>8}", f"{'-' * 10} {'-' * 8}"]
    lines += [f"{status:<10} {count:>8}" for status, count in sorted(counts.items())]
    lines += [f"{'-' * 10} {'-' * 8}", f"{'total':<10} {len(outcomes):>8}",
              f"mean score {mean:.2f} / {total:g} over all {len(outcomes)} students"]
    return "\n".join(lines)


def grade_assignment(assignment: str, submissions: Path, out: Path, *, executor: Executor,
                     workers: int = 1, workspace: Workspace | None = None,
                     solutions: Path | None = None, progress: bool = True,
                     regrade: bool = False,
                     say: Callable[[str], None] | None = None) -> list[Outcome]:
    """Autograde every student folder of ``submissions``; write ``out/grades.csv`` and
    ``out/feedback/``.

    Args:
        assignment: the assignment id.
        submissions: the SUBMISSIONS folder or zip.
        out: the output folder.
        executor: runs each notebook (``course grade`` passes a
            :class:`~course.grading.execution.SandboxExecutor`).
        workers: parallel worker processes.
        workspace: the nbgrader workspace (default ``.grading/``).
        solutions: the folder of master notebooks (default ``solutions/``).
        progress: show a progress bar.
        regrade: grade again even where an identical result is stored.
        say: prints the lines on a change of the master since the last grading (what
            changed, what was regraded, which manual grades were reused or dropped).

    Returns:
        The outcomes of SUBMISSIONS' students, sorted by student id (scores as the gradebook
        holds them). Submissions set aside after a change of the master
        (:mod:`course.grading.revision`) are regraded too, from SUBMISSIONS when the student
        is in it, else from the workspace's copy.

    Raises:
        CourseError: bad input (see :func:`course.grading.submissions.open_submissions`);
            nothing is written then.

    Example:
        >>> grade_assignment("ps1", Path("SUBMISSIONS.zip"), Path("graded/ps1"),
        ...                  executor=SandboxExecutor(), workers=2)       # doctest: +SKIP
    """
    workspace = workspace or Workspace.default()
    notebook_name = master_notebook(assignment, solutions=solutions).name
    with (open_submissions(submissions, notebook_name=notebook_name) as found,
          tempfile.TemporaryDirectory(prefix="course-regrade-") as elsewhere):
        change = record_master(assignment, workspace, solutions=solutions)
        pending = pending_regrades(workspace, assignment)
        ours = {submission.student_id for submission in found}
        jobs = [Job(assignment, submission, workspace.root, out / "feedback", executor, regrade)
                for submission in found]
        jobs += [Job(assignment, submission, workspace.root, Path(elsewhere), executor, regrade)
                 for submission in pending
                 if submission.student_id not in ours and submission.notebook is not None]
        outcomes = run_jobs(jobs, workers=workers, progress=progress,
                            description=f"grading {assignment}")
    if say is not None:
        for line in regrade_summary(change, pending, outcomes, workspace=workspace,
                                    assignment=assignment, from_submissions=ours):
            say(line)
    rows = export_grades(workspace, assignment, students=[outcome.student_id for outcome
                                                          in outcomes if outcome.student_id in ours])
    write_grades_csv(out / "grades.csv", rows)
    return rows


# ------------------------------------------------------------------------------------ CLI
def _add_assignment_and_out(parser: argparse.ArgumentParser, *, submissions: bool) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id, e.g. ps1")
    if submissions:
        parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                            help="folder SUBMISSIONS/<student_id>/<notebook>.ipynb, or a zip of it")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (grades.csv, feedback/)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="nbgrader workspace (default: .grading/)")


def add_grade_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course grade`` (defaults: :class:`SandboxSettings`, :class:`Limits`)."""
    _add_assignment_and_out(parser, submissions=True)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parallel worker processes (default: the number of CPUs)")
    parser.add_argument("--timeout", type=float, default=SandboxSettings.submission_timeout,
                        help="seconds per submission (default: %(default)s)")
    parser.add_argument("--cell-timeout", type=float, default=SandboxSettings.cell_timeout,
                        help="seconds per cell (default: %(default)s)")
    parser.add_argument("--memory-limit", type=float, default=Limits().memory_bytes / GiB,
                        metavar="GIB", help="address space of each kernel, in GiB "
                                            "(default: %(default)g)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code without the sandbox (trusted code only)")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every student again, even when an identical result "
                             "is stored")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_gradebook_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the commands that read the gradebook: ``course feedback`` and
    ``course export``."""
    _add_assignment_and_out(parser, submissions=False)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise CourseError(f"The '--out' parameter must be a folder; '{out}' is a file.")


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(args.workspace) if args.workspace else Workspace.default()


def grade_command(args: argparse.Namespace) -> int:
    """``course grade``: check the input, print the sandbox's status line, grade, print the
    summary table."""
    (assignment,) = resolve_assignments([args.assignment], command="course grade")
    _check_out(args.out)
    if args.workers < 1:
        raise CourseError(f"The '--workers' parameter must be at least 1; got {args.workers}.")
    for option in ("timeout", "cell_timeout", "memory_limit"):
        if getattr(args, option) <= 0:
            raise CourseError(f"The '--{option.replace('_', '-')}' parameter must be positive; "
                              f"got {getattr(args, option)}.")
    executor = SandboxExecutor(SandboxSettings(sandbox=not args.no_sandbox,
                                               limits=Limits(memory_bytes=int(
                                                   args.memory_limit * GiB)),
                                               cell_timeout=args.cell_timeout,
                                               submission_timeout=args.timeout))
    print(executor.sandbox.status_line, flush=True)
    outcomes = grade_assignment(assignment, args.submissions, args.out, workers=args.workers,
                                workspace=_workspace(args), executor=executor,
                                progress=not args.no_progress, regrade=args.regrade, say=print)
    print(summary_table(outcomes))
    print(f"wrote {args.out / 'grades.csv'} and {args.out / 'feedback'}/")
    return 0


def feedback_command(args: argparse.Namespace) -> int:
    """``course feedback``: every student's page again, from the gradebook; 1 when a page
    could not be written."""
    (assignment,) = resolve_assignments([args.assignment], command="course feedback")
    _check_out(args.out)
    workspace = _workspace(args)
    outcomes = export_grades(workspace, assignment)
    failed = 0
    for outcome in outcomes:
        try:
            write_feedback(workspace, outcome, args.out / "feedback")
        except Exception as error:  # noqa: BLE001 - report and go on with the others
            print(f"FAILED {outcome.student_id}: {first_line(error)}")
            failed += 1
    print(f"wrote {len(outcomes) - failed} feedback pages under {args.out / 'feedback'}/")
    return 1 if failed else 0


def export_command(args: argparse.Namespace) -> int:
    """``course export``: ``grades.csv`` again, from the gradebook and the stored outcomes."""
    (assignment,) = resolve_assignments([args.assignment], command="course export")
    _check_out(args.out)
    outcomes = export_grades(_workspace(args), assignment)
    write_grades_csv(args.out / "grades.csv", outcomes)
    print(summary_table(outcomes))
    print(f"wrote {args.out / 'grades.csv'}")
    return 0
