"""``course grade``, ``course feedback`` and ``course export``.

``course grade ASSIGNMENT SUBMISSIONS --out DIR [--workers N] [--no-sandbox]`` checks its input first
(nothing is written on bad input), records the assignment in the workspace's gradebook, then
autogrades every student folder in a pool of worker processes (:func:`run_jobs`, a progress
bar while it runs), writes ``DIR/feedback/<student_id>/<notebook>.html`` per student and
``DIR/grades.csv`` with one row per student folder, and prints a summary table. Every file is
written atomically (a temporary file, then ``os.replace``); grading again gives the same CSV.

Student code runs in a sandbox (``course.sandbox``: resource limits, no network, writes only
in its own folder; the first line printed says which layers are in force) under per-cell and
per-submission timeouts (``course.execution``); ``--no-sandbox`` runs plain kernels.

Grading is resumable: each student's result is written atomically to
``WORKSPACE/results/<assignment>/<student_id>.json`` as soon as that student is done, with a
fingerprint of the submission, the assignment and the grading settings; a later run reuses
every result whose fingerprint still matches (an interrupted run picks up where it stopped,
and grading again gives the same CSV without regrading), unless ``--regrade``.

Workers share one gradebook: every SQLite access holds the workspace's lock (see
``course.autograde``), so rows are neither lost nor duplicated. Each outcome's status and
message are kept in ``WORKSPACE/outcomes/<assignment>.json``; ``course export`` joins them
with the gradebook's scores (which include manual grades given in between), and
``course feedback`` re-renders the pages from the gradebook.

Example:
    $ course grade ps1 SUBMISSIONS.zip --out graded/ps1 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from course.autograde import Executor, KernelSettings, Outcome, grade_submission
from course.errors import CourseError
from course.sandbox_executor import SandboxExecutor, SandboxSettings
from course.feedback import atomic_write_text, write_feedback
from course.nbgrader_config import Workspace, master_notebook, resolve_assignments
from course.sandbox import GiB, Limits
from course.submissions import Submission, open_submissions

__all__ = [
    "CSV_COLUMNS",
    "Job",
    "add_arguments",
    "export_command",
    "export_grades",
    "feedback_command",
    "grade_assignment",
    "grade_command",
    "run_job",
    "run_jobs",
    "summary_table",
    "write_grades_csv",
]

CSV_COLUMNS = ("student_id", "assignment", "score", "max_score", "status", "message")


@dataclass(frozen=True)
class Job:
    """One student folder to grade (picklable: it crosses into a worker process)."""

    assignment: str
    submission: Submission
    workspace: Path
    feedback: Path
    executor: Any = None
    regrade: bool = False


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


def _forget(workspace: Workspace, assignment: str, student_id: str) -> None:
    """Drop an earlier submission of a student who now has none to grade."""
    import shutil

    from nbgrader.api import Gradebook, MissingEntry

    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        try:
            gradebook.remove_submission(assignment, student_id)
        except MissingEntry:
            pass
    for folder in (workspace.submitted(student_id, assignment),
                   workspace.autograded(student_id, assignment)):
        shutil.rmtree(folder, ignore_errors=True)


def _result_file(workspace: Workspace, assignment: str, student_id: str) -> Path:
    return workspace.root / "results" / assignment / f"{student_id}.json"


def _fingerprint(job: Job, workspace: Workspace) -> str:
    """What a result depends on: the submitted file, the assignment, the grading settings."""
    digest = hashlib.sha256()
    student = job.submission
    digest.update(f"{job.assignment}\0{student.student_id}\0{student.problem}\0".encode())
    if student.notebook is not None and Path(student.notebook).is_file():
        digest.update(Path(student.notebook).read_bytes())
    for path in sorted(workspace.source(job.assignment).rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(repr(job.executor).encode() if isinstance(job.executor, SandboxExecutor)
                  else os.urandom(16))            # unknown executors are never reused
    return digest.hexdigest()


def _reuse(job: Job, workspace: Workspace, fingerprint: str) -> Outcome | None:
    """The stored outcome of an identical earlier grading, with its feedback page in place."""
    from course.autograde import assignment_notebook

    path = _result_file(workspace, job.assignment, job.submission.student_id)
    if job.regrade or not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text("utf-8"))
        outcome = Outcome(**stored["outcome"])
    except (ValueError, KeyError, TypeError):
        return None
    if stored.get("fingerprint") != fingerprint:
        return None
    notebook_id = assignment_notebook(workspace, job.assignment)
    autograded = workspace.autograded(outcome.student_id, job.assignment) / f"{notebook_id}.ipynb"
    if outcome.status not in ("missing", "invalid") and not autograded.is_file():
        return None
    page = job.feedback / outcome.student_id / f"{notebook_id}.html"
    rendered = workspace.feedback(outcome.student_id, job.assignment) / f"{notebook_id}.html"
    if not page.is_file():
        if outcome.status not in ("missing", "invalid") and rendered.is_file():
            atomic_write_text(page, rendered.read_text("utf-8"))
        else:
            write_feedback(workspace, outcome, job.feedback)
    return outcome


def run_job(job: Job) -> Outcome:
    """Grade one student folder (or reuse an identical earlier result) and write its
    feedback page and result file; never raises."""
    workspace = Workspace(job.workspace)
    try:
        fingerprint = _fingerprint(job, workspace)
        reused = _reuse(job, workspace, fingerprint)
    except Exception:  # noqa: BLE001 - anything odd means: grade again
        fingerprint, reused = "", None
    if reused is not None:
        return reused
    outcome = _grade_job(job, workspace)
    report = getattr(job.executor, "last_report", None) or {}
    # A grader or machine failure (not the student's doing) is not kept: grade again.
    if (fingerprint and not outcome.message.startswith("the grader failed")
            and report.get("kernel_started", True)):
        try:
            atomic_write_text(_result_file(workspace, job.assignment, outcome.student_id),
                              json.dumps({"fingerprint": fingerprint, "outcome": asdict(outcome),
                                          "report": report}, indent=1) + "\n")
        except OSError:
            pass
    return outcome


def _grade_job(job: Job, workspace: Workspace) -> Outcome:
    from course.autograde import max_score

    student = job.submission
    if isinstance(job.executor, SandboxExecutor):
        job.executor.last_report = {}
    try:
        if student.problem or student.notebook is None:
            _forget(workspace, job.assignment, student.student_id)
        if student.problem:
            outcome = Outcome(student.student_id, job.assignment, 0.0,
                              max_score(workspace, job.assignment), "invalid", student.problem)
        else:
            outcome = grade_submission(job.assignment, student.student_id, student.notebook,
                                       workspace, executor=job.executor)
    except Exception as error:  # noqa: BLE001 - one student's failure never stops the run
        try:
            total = max_score(workspace, job.assignment)
        except Exception:  # noqa: BLE001
            total = 0.0
        outcome = Outcome(student.student_id, job.assignment, 0.0, total, "crashed",
                          f"the grader failed: {_first_line(error)}")
    try:
        write_feedback(workspace, outcome, job.feedback)
    except Exception as error:  # noqa: BLE001
        outcome = replace(outcome, message="; ".join(
            part for part in (outcome.message, f"no feedback page: {_first_line(error)}") if part))
    return outcome


def run_jobs(jobs: Sequence[Job], *, workers: int, progress: bool = True,
             description: str = "grading") -> list[Outcome]:
    """Run jobs in ``workers`` processes (in this process when ``workers`` is 1), with a
    progress bar; return the outcomes sorted by student id."""
    from tqdm import tqdm

    outcomes: list[Outcome] = []
    if workers <= 1 or len(jobs) <= 1:
        bar = tqdm(total=len(jobs), desc=description, unit="student", disable=not progress,
                   file=sys.stderr, dynamic_ncols=True)
        try:
            for job in jobs:
                outcomes.append(run_job(job))
                bar.update()
        finally:
            bar.close()
    else:
        # The workers start before the progress bar (whose monitor is a thread).
        with _pool(jobs, workers) as (pool, futures):
            bar = tqdm(total=len(jobs), desc=description, unit="student",
                       disable=not progress, file=sys.stderr, dynamic_ncols=True)
            try:
                outcomes.extend(_collect(futures, bar))
            finally:
                bar.close()
    return sorted(outcomes, key=lambda outcome: outcome.student_id)


def _worker_context() -> Any:
    """Worker processes are forks of this process while it runs no other thread (it has
    imported nbgrader already); otherwise they come from a fork server that has imported
    nbgrader once (importing it takes seconds; forking a process with threads is unsafe)."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["course.grade", "nbgrader.preprocessors", "nbgrader.api",
                                    "nbgrader.converters", "nbclient", "jupyter_client"])
    return context


@contextlib.contextmanager
def _pool(jobs: Sequence[Job], workers: int) -> Iterator[tuple[Any, dict]]:
    """A process pool with every job submitted (its workers are started by the first)."""
    from concurrent.futures import ProcessPoolExecutor

    context = _worker_context()
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        yield pool, {pool.submit(run_job, job): job for job in jobs}


def _collect(futures: dict, bar: Any) -> list[Outcome]:
    from concurrent.futures import as_completed

    outcomes = []
    for future in as_completed(futures):
        job = futures[future]
        try:
            outcomes.append(future.result())
        except Exception as error:  # noqa: BLE001 - a worker process died
            outcomes.append(Outcome(job.submission.student_id, job.assignment, 0.0, 0.0,
                                    "crashed", f"the worker process failed: {_first_line(error)}"))
        bar.update()
    return outcomes


def _load_outcomes(workspace: Workspace, assignment: str) -> dict[str, dict]:
    path = workspace.outcomes_file(assignment)
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def _store_outcomes(workspace: Workspace, assignment: str, outcomes: Sequence[Outcome]) -> None:
    with workspace.gradebook_lock():
        stored = _load_outcomes(workspace, assignment)
        stored.update({outcome.student_id: asdict(outcome) for outcome in outcomes})
        atomic_write_text(workspace.outcomes_file(assignment),
                          json.dumps(dict(sorted(stored.items())), indent=1) + "\n")


def export_grades(workspace: Workspace, assignment: str, *,
                  students: Sequence[str] | None = None) -> list[Outcome]:
    """Scores from the gradebook (manual grades included) with the stored statuses.

    Args:
        students: the students to report (default: everyone graded for ``assignment``).

    Raises:
        CourseError: when the workspace has never graded ``assignment``.
    """
    from nbgrader.api import Gradebook, MissingEntry

    stored = _load_outcomes(workspace, assignment)
    scores: dict[str, float] = {}
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
    if not stored and not scores:
        raise CourseError(f"The workspace '{workspace.root}' has no graded submissions of "
                          f"{assignment!r}; run `course grade {assignment} SUBMISSIONS` first.")
    outcomes = []
    for student_id in (students if students is not None else sorted(set(stored) | set(scores))):
        known = stored.get(student_id, {"status": "graded", "message": "", "score": 0.0})
        score = scores.get(student_id, known["score"])
        if known["status"] in ("missing", "invalid"):
            score = 0.0
        outcomes.append(Outcome(student_id, assignment, score, total or known.get("max_score", 0),
                                known["status"], known["message"]))
    return outcomes


def write_grades_csv(path: Path, outcomes: Sequence[Outcome]) -> None:
    """Write ``grades.csv`` (columns :data:`CSV_COLUMNS`, one row per outcome), atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in outcomes:
        writer.writerow(outcome.row())
    atomic_write_text(path, buffer.getvalue())


def summary_table(outcomes: Sequence[Outcome]) -> str:
    """Counts by status and the mean score (missing and failed submissions count as 0)."""
    counts = Counter(outcome.status for outcome in outcomes)
    total = max((outcome.max_score for outcome in outcomes), default=0.0)
    mean = sum(outcome.score for outcome in outcomes) / max(len(outcomes), 1)
    lines = [f"{'status':<10} {'students':>8}", f"{'-' * 10} {'-' * 8}"]
    lines += [f"{status:<10} {count:>8}" for status, count in sorted(counts.items())]
    lines += [f"{'-' * 10} {'-' * 8}", f"{'total':<10} {len(outcomes):>8}",
              f"mean score {mean:.2f} / {total:g} over all {len(outcomes)} students"]
    return "\n".join(lines)


def _release_once(assignment: str, workspace: Workspace, solutions: Path | None,
                  generate: Any) -> None:
    """Record the assignment in the workspace, unless it already holds this very version
    (same master files, same project configuration): releasing takes seconds."""
    from course import paths

    digest = hashlib.sha256()
    origin = (solutions or paths.SOLUTIONS) / assignment
    for path in sorted([*origin.rglob("*"), paths.ROOT / "pyproject.toml"]):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            digest.update(str(path.relative_to(origin) if path.is_relative_to(origin)
                              else path.name).encode() + b"\0" + path.read_bytes())
    stamp = workspace.root / "release" / f".{assignment}.sha256"
    released = list(workspace.release(assignment).glob("*.ipynb"))
    if (released and workspace.db_path.is_file() and stamp.is_file()
            and stamp.read_text() == digest.hexdigest()):
        return
    generate(assignment, workspace, solutions=solutions)
    atomic_write_text(stamp, digest.hexdigest())


def grade_assignment(assignment: str, submissions: Path, out: Path, *, workers: int = 1,
                     workspace: Workspace | None = None, executor: Executor | None = None,
                     solutions: Path | None = None, progress: bool = True,
                     regrade: bool = False) -> list[Outcome]:
    """Autograde every student folder of ``submissions``; write ``out/grades.csv`` and
    ``out/feedback/``. Returns the outcomes, sorted by student id.

    ``executor`` defaults to a sandboxed one (:class:`course.sandbox_executor.SandboxExecutor`).
    Results of an earlier identical grading are reused unless ``regrade``.

    Raises:
        CourseError: bad input (see ``course.submissions.open_submissions``); nothing is
            written then.
    """
    from course.release import generate_assignment

    workspace = workspace or Workspace.default()
    executor = executor or SandboxExecutor()
    notebook_name = master_notebook(assignment, solutions=solutions).name
    with open_submissions(submissions, notebook_name=notebook_name) as found:
        _release_once(assignment, workspace, solutions, generate_assignment)
        jobs = [Job(assignment, submission, workspace.root, out / "feedback", executor, regrade)
                for submission in found]
        outcomes = run_jobs(jobs, workers=workers, progress=progress,
                            description=f"grading {assignment}")
    _store_outcomes(workspace, assignment, outcomes)
    rows = export_grades(workspace, assignment, students=[outcome.student_id for outcome in outcomes])
    write_grades_csv(out / "grades.csv", rows)
    return rows


# ------------------------------------------------------------------------------------ CLI
def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="assignment id, e.g. ps1")
    if name == "grade":
        parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                            help="folder SUBMISSIONS/<student_id>/<notebook>.ipynb, or a zip of it")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (grades.csv, feedback/)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="nbgrader workspace (default: .grading/)")
    if name == "grade":
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="parallel worker processes (default: the number of CPUs)")
        parser.add_argument("--timeout", type=float, default=KernelSettings.submission_timeout,
                            help="seconds per submission (default: %(default)s)")
        parser.add_argument("--cell-timeout", type=float, default=KernelSettings.cell_timeout,
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


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise CourseError(f"The '--out' parameter must be a folder; '{out}' is a file.")


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(args.workspace) if args.workspace else Workspace.default()


def grade_command(args: argparse.Namespace) -> int:
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
                                progress=not args.no_progress, regrade=args.regrade)
    print(summary_table(outcomes))
    print(f"wrote {args.out / 'grades.csv'} and {args.out / 'feedback'}/")
    return 0


def feedback_command(args: argparse.Namespace) -> int:
    (assignment,) = resolve_assignments([args.assignment], command="course feedback")
    _check_out(args.out)
    workspace = _workspace(args)
    outcomes = export_grades(workspace, assignment)
    failed = 0
    for outcome in outcomes:
        try:
            write_feedback(workspace, outcome, args.out / "feedback")
        except Exception as error:  # noqa: BLE001 - report and go on with the others
            print(f"FAILED {outcome.student_id}: {_first_line(error)}")
            failed += 1
    print(f"wrote {len(outcomes) - failed} feedback pages under {args.out / 'feedback'}/")
    return 1 if failed else 0


def export_command(args: argparse.Namespace) -> int:
    (assignment,) = resolve_assignments([args.assignment], command="course export")
    _check_out(args.out)
    outcomes = export_grades(_workspace(args), assignment)
    write_grades_csv(args.out / "grades.csv", outcomes)
    print(summary_table(outcomes))
    print(f"wrote {args.out / 'grades.csv'}")
    return 0
