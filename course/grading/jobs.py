"""Grading jobs: one student folder each, graded resumably, many at once in worker processes.

:func:`run_job` grades one student folder (or reuses an identical earlier result) and writes
its feedback page and its result file ``WORKSPACE/results/<assignment>/<student_id>.json``
(atomically, with a fingerprint of the submission, the assignment and the grading settings),
so an interrupted run picks up where it stopped. :func:`run_jobs` runs jobs in a pool of
worker processes with a progress bar; a job never raises, and a worker that dies gives that
student the status ``crashed``.

Example:
    >>> run_jobs([Job("ps1", submission, Path(".grading"), Path("out/feedback"))],
    ...          workers=2)                                         # doctest: +SKIP
    [Outcome(student_id='alice', assignment='ps1', score=13.0, ...)]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from course.errors import first_line
from course.grading.autograde import Outcome, grade_submission
from course.grading.feedback import atomic_write_text, write_feedback
from course.grading.sandbox_executor import SandboxExecutor
from course.grading.submissions import Submission
from course.workspace import Workspace

__all__ = ["Job", "run_job", "run_jobs"]


@dataclass(frozen=True)
class Job:
    """One student folder to grade (picklable: it crosses into a worker process)."""

    assignment: str
    submission: Submission
    workspace: Path
    feedback: Path
    executor: Any = None
    regrade: bool = False


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
    from course.grading.autograde import assignment_notebook

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
    from course.grading.autograde import max_score

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
                          f"the grader failed: {first_line(error)}")
    try:
        write_feedback(workspace, outcome, job.feedback)
    except Exception as error:  # noqa: BLE001
        outcome = replace(outcome, message="; ".join(
            part for part in (outcome.message, f"no feedback page: {first_line(error)}") if part))
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
        with _pool(jobs, workers) as futures:
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
    context.set_forkserver_preload(["course.grading.jobs", "nbgrader.preprocessors", "nbgrader.api",
                                    "nbgrader.converters", "nbclient", "jupyter_client"])
    return context


@contextlib.contextmanager
def _pool(jobs: Sequence[Job], workers: int) -> Iterator[dict]:
    """Every job submitted to a process pool (its workers are started by the first)."""
    from concurrent.futures import ProcessPoolExecutor

    context = _worker_context()
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        yield {pool.submit(run_job, job): job for job in jobs}


def _collect(futures: dict, bar: Any) -> list[Outcome]:
    from concurrent.futures import as_completed

    outcomes = []
    for future in as_completed(futures):
        job = futures[future]
        try:
            outcomes.append(future.result())
        except Exception as error:  # noqa: BLE001 - a worker process died
            outcomes.append(Outcome(job.submission.student_id, job.assignment, 0.0, 0.0,
                                    "crashed", f"the worker process failed: {first_line(error)}"))
        bar.update()
    return outcomes
