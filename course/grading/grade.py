"""``course grade``, ``course feedback`` and ``course export``.

``course grade ASSIGNMENT SUBMISSIONS --out DIR [--batch NAME] [--workers N] [--no-sandbox]``
checks its input first (nothing is written on bad input), records the assignment in the
workspace's gradebook, then autogrades every student of SUBMISSIONS in a pool of worker
processes (:func:`course.grading.jobs.run_jobs`, a progress bar while it runs), or on a Dask
cluster with ``--scheduler tcp://HOST:PORT`` or ``local:N`` (:mod:`course.grading.cluster`),
records the
batch (:mod:`course.grading.batch`: its students and their LMS identities), writes
``DIR/feedback/<student_id>/<notebook>.html`` per student and ``DIR/grades.csv`` with one row
per student, and prints a summary table and how many results were reused. Every file is
written atomically (a temporary file, then ``os.replace``); grading again gives the same CSV.

``course feedback`` and ``course export`` report one batch (``--batch``, or the only one):
``course feedback --zip`` also packs the pages as the batch's LMS takes them back, ``course
export --format canvas|moodle [--roster FILE]`` also writes the file its grade import takes
(:mod:`course.lms`).

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
    $ course grade ps1 "CNN-101-ps1 submissions.zip" --out graded/ps1 --workers 2
    $ course export ps1 --out graded/ps1 --format canvas --roster Grades-CNN-101.csv
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import lms
from course.errors import CourseError, first_line
from course.grading.batch import (
    Batch,
    check_name,
    default_name,
    resolve_batch,
    save_batch,
    shared_students,
)
from course.grading.cluster import connect, grade_on_cluster, parse_scheduler, worker_sandboxes
from course.grading.execution import SandboxExecutor, SandboxSettings
from course.grading.feedback import write_feedback
from course.grading.jobs import Job, run_jobs
from course.grading.lifeline import stop_workers_on_signals
from course.grading.manual import waiting_cells
from course.grading.outcome import CSV_COLUMNS, Executor, Outcome, Status
from course.grading.revision import pending_regrades, record_master, regrade_summary
from course.grading.submissions import open_submissions
from course.grading.tmpdir import check_tmpdir
from course.lms import IDENTITY_COLUMNS, GradeRow, Identity
from course.sandbox import MIB, GiB, Limits
from course.workspace import (
    Workspace,
    atomic_write,
    master_notebook,
    resolve_assignments,
)

__all__ = [
    "GRADES_COLUMNS",
    "GradingRun",
    "add_export_arguments",
    "add_feedback_arguments",
    "add_grade_arguments",
    "export_command",
    "export_grades",
    "feedback_command",
    "grade_assignment",
    "grade_command",
    "summary_table",
    "write_grades_csv",
]

#: The columns of ``grades.csv``: the outcome's, then the student's LMS identity.
GRADES_COLUMNS = (*CSV_COLUMNS, *IDENTITY_COLUMNS)


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
                                status, message, known.get("report", {})))
    return outcomes


def write_grades_csv(path: Path, outcomes: Sequence[Outcome],
                     identities: Mapping[str, Identity] | None = None) -> None:
    """Write ``grades.csv`` (columns :data:`GRADES_COLUMNS`, one row per outcome), atomically.

    Args:
        path: the file to write.
        outcomes: the rows, in order.
        identities: each student's LMS identity (none: the LMS columns are empty).
    """
    identities = identities or {}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=GRADES_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in outcomes:
        identity = identities.get(outcome.student_id, Identity())
        writer.writerow({**outcome.row(), **identity.columns()})
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


@dataclass(frozen=True)
class GradingRun:
    """What :func:`grade_assignment` did.

    Args:
        batch: the batch graded (its students and their LMS identities).
        outcomes: one per student, sorted by student id (scores as the gradebook holds them).
        reused: how many stored results were reused rather than graded again.
        master_change: after a change of the master since the last grading, what changed,
            what was regraded and which manual grades were reused or dropped
            (:func:`course.grading.revision.regrade_summary`; empty otherwise).
    """

    batch: Batch
    outcomes: list[Outcome]
    reused: int
    master_change: tuple[str, ...] = ()

    def reuse_line(self) -> str:
        """One line: how many results were reused and how many graded now."""
        graded = len(self.outcomes) - self.reused
        return (f"batch {self.batch.name!r}: {self.reused} results reused (submission, master "
                f"and settings unchanged), {graded} graded now")


def grade_assignment(assignment: str, submissions: Path, out: Path, *, executor: Executor,
                     workers: int = 1, workspace: Workspace | None = None,
                     solutions: Path | None = None, progress: bool = True,
                     regrade: bool = False, batch: str | None = None,
                     client: Any = None) -> GradingRun:
    """Autograde every student of ``submissions``; record the batch; write
    ``out/grades.csv`` and ``out/feedback/``.

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
        batch: the batch's name (default: SUBMISSIONS' name, see
            :func:`course.grading.batch.default_name`).
        client: grade on a Dask cluster instead of ``workers`` local processes: a
            ``distributed.Client`` (:func:`course.grading.cluster.connect`).

    Returns:
        The batch, the outcomes of its students, how many results were reused and what a
        change of the master did. Submissions set aside after a change of the master
        (:mod:`course.grading.revision`) are regraded too, from SUBMISSIONS when the student
        is in it, else from the workspace's copy (their rows belong to their own batches).

    Raises:
        CourseError: bad input (see :func:`course.grading.submissions.open_submissions`, an
            invalid batch name); nothing is written then.

    Example:
        >>> grade_assignment("ps1", Path("SUBMISSIONS.zip"), Path("graded/ps1"),
        ...                  executor=SandboxExecutor(), workers=2).reused   # doctest: +SKIP
        0
    """
    workspace = workspace or Workspace.default()
    name = check_name(batch) if batch is not None else default_name(submissions)
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
        description = f"grading {assignment}"
        outcomes = (run_jobs(jobs, workers=workers, progress=progress, description=description)
                    if client is None else
                    grade_on_cluster(jobs, client, progress=progress,
                                     description=description))
        graded = Batch(assignment, name, str(submissions),
                       tuple((submission.student_id, submission.identity) for submission in found))
    save_batch(workspace, graded)
    lines = regrade_summary(change, pending, outcomes, workspace=workspace,
                            assignment=assignment, from_submissions=ours)
    rows = export_grades(workspace, assignment, students=graded.student_ids)
    write_grades_csv(out / "grades.csv", rows, graded.identities)
    return GradingRun(graded, rows, len(outcomes.reused & ours), tuple(lines))


# ------------------------------------------------------------------------------------ CLI
def _add_assignment_and_out(parser: argparse.ArgumentParser, *, submissions: bool) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id, e.g. ps1")
    if submissions:
        parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                            help="folder SUBMISSIONS/<student_id>/<notebook>.ipynb, a zip of "
                                 "it, or a Canvas or Moodle download")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (grades.csv, feedback/)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="nbgrader workspace (default: .grading/)")
    parser.add_argument("--batch", default=None, metavar="NAME",
                        help=("the batch's name (default: SUBMISSIONS' name without .zip)"
                              if submissions else "the batch to report (default: the "
                              "assignment's only batch)"))


def add_grade_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course grade`` (defaults: :class:`SandboxSettings`, :class:`Limits`)."""
    _add_assignment_and_out(parser, submissions=True)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parallel worker processes (default: the number of CPUs)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="grade on a Dask cluster instead: tcp://HOST:PORT of a running "
                             "`dask scheduler`, or local:N for N worker processes on this "
                             "machine (--workers is then not used)")
    parser.add_argument("--timeout", type=float, default=SandboxSettings.submission_timeout,
                        help="seconds per submission (default: %(default)s)")
    parser.add_argument("--cell-timeout", type=float, default=SandboxSettings.cell_timeout,
                        help="seconds per cell (default: %(default)s)")
    parser.add_argument("--memory-limit", type=float, default=Limits().memory_bytes / GiB,
                        metavar="GIB", help="address space of each kernel, in GiB "
                                            "(default: %(default)g)")
    parser.add_argument("--max-output", type=float,
                        default=SandboxSettings.max_output_bytes / MIB, metavar="MIB",
                        help="output kept per cell, in MiB; the rest is cut (default: "
                             "%(default)g)")
    parser.add_argument("--max-total-output", type=float,
                        default=SandboxSettings.max_total_output_bytes / MIB, metavar="MIB",
                        help="output kept per notebook, in MiB; a cell that alone prints more "
                             "is stopped as an output flood (default: %(default)g)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code without the sandbox (trusted code only)")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every student again, even when an identical result "
                             "is stored")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_feedback_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course feedback``."""
    _add_assignment_and_out(parser, submissions=False)
    parser.add_argument("--zip", action="store_true",
                        help="also pack the pages as the batch's LMS takes them back "
                             "(DIR/feedback-<lms>.zip)")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course export``."""
    _add_assignment_and_out(parser, submissions=False)
    parser.add_argument("--format", choices=lms.EXPORT_FORMATS, default="csv",
                        help="csv: grades.csv; canvas, moodle: also the file that LMS's grade "
                             "import takes (default: %(default)s)")
    parser.add_argument("--roster", type=Path, default=None, metavar="FILE",
                        help="the LMS's own export of the class (Canvas: the gradebook CSV; "
                             "Moodle: the grading worksheet), to match students and fill its "
                             "columns")
    parser.add_argument("--lms-assignment", default=None, metavar="COLUMN",
                        help="Canvas: the assignment's gradebook column, title or id (default: "
                             "the roster's column whose title names ASSIGNMENT)")


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise CourseError(f"The '--out' parameter must be a folder; '{out}' is a file.")


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(args.workspace) if args.workspace else Workspace.default()


def _positive(args: argparse.Namespace, *options: str) -> None:
    for option in options:
        if getattr(args, option) <= 0:
            raise CourseError(f"The '--{option.replace('_', '-')}' parameter must be positive; "
                              f"got {getattr(args, option)}.")


def grade_command(args: argparse.Namespace) -> int:
    """``course grade``: check the input, print the sandbox's status line, grade, print the
    summary table and how many results were reused."""
    (assignment,) = resolve_assignments([args.assignment], command="course grade")
    _check_out(args.out)
    if args.workers < 1:
        raise CourseError(f"The '--workers' parameter must be at least 1; got {args.workers}.")
    _positive(args, "timeout", "cell_timeout", "memory_limit", "max_output", "max_total_output")
    if args.batch is not None:
        check_name(args.batch)
    scheduler = parse_scheduler(args.scheduler) if args.scheduler is not None else None
    if scheduler is None or isinstance(scheduler, int):   # kernels on this machine
        check_tmpdir()
    executor = SandboxExecutor(SandboxSettings(
        sandbox=not args.no_sandbox, limits=Limits(memory_bytes=int(args.memory_limit * GiB)),
        cell_timeout=args.cell_timeout, submission_timeout=args.timeout,
        max_output_bytes=int(args.max_output * MIB),
        max_total_output_bytes=int(args.max_total_output * MIB)))
    workspace = _workspace(args)
    with stop_workers_on_signals(), \
            connect(scheduler) if scheduler is not None else contextlib.nullcontext() as client:
        if client is None:
            print(executor.sandbox.status_line, flush=True)
        else:           # the sandbox is the workers' own: each says what it enforces
            for line, count in worker_sandboxes(client, executor).items():
                print(f"{count} Dask workers: {line}", flush=True)
        run = grade_assignment(assignment, args.submissions, args.out, workers=args.workers,
                               workspace=workspace, executor=executor,
                               progress=not args.no_progress, regrade=args.regrade,
                               batch=args.batch, client=client)
    for line in run.master_change:
        print(line)
    print(summary_table(run.outcomes))
    print(run.reuse_line())
    for other, common in shared_students(workspace, run.batch).items():
        print(f"note: {len(common)} students are in batch {other!r} too ({', '.join(common[:3])}"
              f"{' ...' if len(common) > 3 else ''}); the gradebook keeps their latest grade")
    print(f"wrote {args.out / 'grades.csv'} and {args.out / 'feedback'}/")
    return 0


def _batch_outcomes(args: argparse.Namespace, command: str) -> tuple[str, Workspace, Batch | None,
                                                                     list[Outcome]]:
    """The assignment, the workspace, the batch a command reports and its outcomes."""
    (assignment,) = resolve_assignments([args.assignment], command=command)
    _check_out(args.out)
    if args.batch is not None:
        check_name(args.batch)
    workspace = _workspace(args)
    batch = resolve_batch(workspace, assignment, args.batch, command=command)
    outcomes = export_grades(workspace, assignment,
                             students=batch.student_ids if batch is not None else None)
    where = f"batch {batch.name!r}" if batch is not None else "every student graded"
    print(f"{command} {assignment}: {where}, {len(outcomes)} students")
    return assignment, workspace, batch, outcomes


def feedback_command(args: argparse.Namespace) -> int:
    """``course feedback``: every page of the batch again, from the gradebook (and ``--zip``
    as its LMS takes them); 1 when a page could not be written."""
    _, workspace, batch, outcomes = _batch_outcomes(args, "course feedback")
    identities = batch.identities if batch is not None else {}
    pages, failed = [], 0
    for outcome in outcomes:
        try:
            page = write_feedback(workspace, outcome, args.out / "feedback")
        except Exception as error:  # noqa: BLE001 - report and go on with the others
            print(f"FAILED {outcome.student_id}: {first_line(error)}")
            failed += 1
            continue
        pages.append((outcome.student_id, identities.get(outcome.student_id, Identity()), page))
    print(f"wrote {len(outcomes) - failed} feedback pages under {args.out / 'feedback'}/")
    if args.zip:
        kinds = sorted({identity.lms or "folder" for _, identity, _ in pages}) or ["folder"]
        target = args.out / f"feedback-{'-'.join(kinds)}.zip"
        data, skipped = lms.feedback_zip(pages)
        atomic_write(target, data)
        print(f"wrote {target}: {len(pages) - len(skipped)} pages, laid out for "
              f"{' and '.join(kinds)}" + (f"; not packed (no uploaded file to answer in the "
                                         f"LMS): {', '.join(skipped)}" if skipped else ""))
    return 1 if failed else 0


def _comment(outcome: Outcome) -> str:
    """The line a student reads beside the grade in the LMS."""
    row = outcome.row()
    text = f"{row['score']} / {row['max_score']} ({row['status']})"
    return f"{text}: {outcome.message}" if outcome.message else text


def export_command(args: argparse.Namespace) -> int:
    """``course export``: ``grades.csv`` of the batch again, from the gradebook and the stored
    outcomes; with ``--format canvas|moodle`` also the LMS's import file; 1 when a student
    could not be matched to the LMS (every other row is written)."""
    if args.format == "csv" and (args.roster or args.lms_assignment):
        raise CourseError("The '--roster' and '--lms-assignment' options need --format canvas "
                          "or --format moodle.")
    assignment, _, batch, outcomes = _batch_outcomes(args, "course export")
    identities = batch.identities if batch is not None else {}
    result = None
    if args.format != "csv":            # bad input (the roster, the column) writes nothing
        grades = [GradeRow(outcome.student_id, identities.get(outcome.student_id, Identity()),
                           outcome.score, outcome.max_score, outcome.status.value,
                           _comment(outcome)) for outcome in outcomes]
        result = lms.export(args.format, grades, assignment=assignment, roster=args.roster,
                            lms_assignment=args.lms_assignment)
    write_grades_csv(args.out / "grades.csv", outcomes, identities)
    print(summary_table(outcomes))
    print(f"wrote {args.out / 'grades.csv'}")
    if result is None:
        return 0
    target = args.out / f"{assignment}-{args.format}.csv"
    atomic_write(target, result.text)
    print(f"wrote {target}: {result.matched} students for {args.format}'s grade import")
    for note in result.notes:
        print(f"note: {note}")
    if result.unmatched:
        names = ", ".join(f"{grade.student_id} ({grade.identity.source or 'a plain folder'})"
                          for grade in result.unmatched)
        where = f"in '{args.roster}'" if args.roster else f"from a {args.format} download"
        print(f"course export: error: {len(result.unmatched)} students have no {args.format} "
              f"identity {where}, so {target.name} leaves them out (grades.csv has them): "
              f"{names}; pass --roster with the LMS's export of the class that lists them",
              file=sys.stderr)
        return 1
    return 0
