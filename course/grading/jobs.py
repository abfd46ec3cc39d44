"""Grading jobs: one student folder each, graded resumably, many at once in worker processes.

:func:`run_job` grades one student folder (or reuses an identical earlier result), writes its
feedback page and stores its result in the workspace's result store
(:meth:`course.workspace.Workspace.save_result`) with a fingerprint of the submission, the
assignment and the executor's settings, so an interrupted run picks up where it stopped.
:func:`run_jobs` runs jobs in a pool of worker processes with a progress bar; a job never
raises, and a worker that dies gives that student the status ``crashed``; it says which
results it reused (:class:`JobOutcomes`).

Example:
    >>> run_jobs([Job("ps1", submission, Path(".grading"), Path("out/feedback"),
    ...               SandboxExecutor())], workers=2)                 # doctest: +SKIP
    [Outcome(student_id='alice', assignment='ps1', score=13.0, ...)]
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from course.errors import first_line
from course.grading.autograde import grade_submission
from course.grading.feedback import write_feedback
from course.grading.outcome import Executor, Outcome, Status
from course.grading.processes import worker_context
from course.grading.submissions import Submission
from course.workspace import Workspace, atomic_write, digest

__all__ = ["WORKER_IMPORTS", "Job", "JobOutcomes", "grade_job", "grader_failed", "job_outcomes",
           "lost_job", "progress_bar", "run_job", "run_jobs", "stored_outcome", "store_result"]

_GRADER_FAILED = "the grader failed"   # the start of the message of a failure of the grader
# What grading imports: a fork server (when forking is unsafe) or a Dask worker
# (course.grading.worker_warmup) imports it once for all its tasks; first what makes it die
# with its starter, and its forks with it (course.grading.lifeline.SERVER_MODULE).
WORKER_IMPORTS = ("course.grading.fork_server_lifeline", "course.grading.jobs", "nbgrader.preprocessors",
                  "nbgrader.api", "nbgrader.converters", "nbclient", "jupyter_client")


@dataclass(frozen=True)
class Job:
    """One student folder to grade (picklable: it crosses into a worker process).

    Args:
        assignment: the assignment id.
        submission: the student's folder, as :mod:`course.grading.submissions` found it.
        workspace: the nbgrader workspace's folder.
        feedback: the folder of feedback pages (``out/feedback``).
        executor: runs the notebook (:class:`course.grading.outcome.Executor`).
        regrade: grade again even when an identical result is stored.
    """

    assignment: str
    submission: Submission
    workspace: Path
    feedback: Path
    executor: Executor
    regrade: bool = False


class JobOutcomes(list):
    """The outcomes of :func:`run_jobs` (a list, sorted by student id) and the ids of the
    students whose stored result was reused rather than graded again (:attr:`reused`)."""

    def __init__(self, outcomes: Sequence[Outcome] = (), reused: Sequence[str] = ()) -> None:
        super().__init__(outcomes)
        self.reused = frozenset(reused)


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


def _fingerprint(job: Job, workspace: Workspace) -> str | None:
    """What a result depends on: the submitted file, the assignment, the executor's
    settings; ``None`` when the executor's results are never reused."""
    settings = job.executor.fingerprint
    if settings is None:
        return None
    student = job.submission
    notebook = [Path(student.notebook)] if student.notebook is not None else []
    return digest(f"{job.assignment}\0{student.student_id}\0{student.problem}", *notebook,
                  workspace.source(job.assignment), settings)


def _reuse(job: Job, workspace: Workspace, fingerprint: str | None) -> Outcome | None:
    """The stored outcome of an identical earlier grading, with its feedback page in place."""
    if job.regrade or fingerprint is None:
        return None
    stored = workspace.load_result(job.assignment, job.submission.student_id)
    if stored is None or stored.get("fingerprint") != fingerprint:
        return None
    try:
        outcome = Outcome(**stored["outcome"])
    except (KeyError, TypeError, ValueError):
        return None
    notebook_id = workspace.assignment_notebook(job.assignment)
    autograded = workspace.autograded(outcome.student_id, job.assignment) / f"{notebook_id}.ipynb"
    if outcome.status.executed and not autograded.is_file():
        return None
    page = job.feedback / outcome.student_id / f"{notebook_id}.html"
    rendered = workspace.feedback(outcome.student_id, job.assignment) / f"{notebook_id}.html"
    if not page.is_file():
        if outcome.status.executed and rendered.is_file():
            atomic_write(page, rendered.read_bytes())
        else:
            write_feedback(workspace, outcome, job.feedback)
    return outcome


def grader_failed(outcome: Outcome) -> bool:
    """Whether grading stopped on a failure of the grader itself (not of the student's code).

    Example:
        >>> grader_failed(Outcome("a", "ps1", 0, 13, "crashed", "the grader failed: disk full"))
        True
    """
    return outcome.message.startswith(_GRADER_FAILED)


def stored_outcome(job: Job, workspace: Workspace) -> tuple[str | None, Outcome | None]:
    """The job's fingerprint and the stored outcome of an identical earlier grading, with its
    feedback page in place (``None``: grade it).

    Args:
        job: what to grade.
        workspace: the workspace whose result store is read.

    Example:
        >>> stored_outcome(job, Workspace(job.workspace))[1].status  # doctest: +SKIP
        <Status.GRADED: 'graded'>
    """
    try:
        fingerprint = _fingerprint(job, workspace)
        return fingerprint, _reuse(job, workspace, fingerprint)
    except Exception:  # noqa: BLE001 - anything odd means: grade again
        return None, None


def store_result(workspace: Workspace, outcome: Outcome, fingerprint: str | None) -> None:
    """Keep ``outcome`` in the result store; reusable only with a fingerprint and when it is
    not a failure of the grader or the machine (the kernel did not even start).

    Args:
        workspace: the workspace whose result store is written.
        outcome: the student's outcome.
        fingerprint: what it was graded with (:func:`stored_outcome`); ``None``: never reused.
    """
    reusable = (fingerprint is not None and not grader_failed(outcome)
                and outcome.report.get("kernel_started", True))
    try:
        workspace.save_result(outcome.assignment, outcome.student_id,
                              {"fingerprint": fingerprint if reusable else None,
                               "outcome": asdict(outcome)})
    except OSError:
        pass


def run_job(job: Job) -> Outcome:
    """Grade one student folder (or reuse an identical earlier result), write its feedback
    page and store its result.

    Args:
        job: what to grade.

    Returns:
        The outcome; it never raises (a failure of the grader is a ``crashed`` outcome).

    Example:
        >>> run_job(Job("ps1", Submission("erin", None), Path(".grading"),
        ...             Path("out/feedback"), executor)).status      # doctest: +SKIP
        <Status.MISSING: 'missing'>
    """
    return _run(job)[0]


def _run(job: Job) -> tuple[Outcome, bool]:
    """:func:`run_job`, and whether the stored result was reused."""
    workspace = Workspace(job.workspace)
    fingerprint, reused = stored_outcome(job, workspace)
    if reused is not None:
        return reused, True
    outcome = grade_job(job, workspace)
    store_result(workspace, outcome, fingerprint)
    return outcome, False


def grade_job(job: Job, workspace: Workspace) -> Outcome:
    """Grade one student folder in ``workspace`` and write its feedback page (no result
    store: :func:`run_job` does both).

    Args:
        job: what to grade (its ``workspace`` field is not used).
        workspace: the workspace to grade in.

    Returns:
        The outcome; it never raises (a failure of the grader is a ``crashed`` outcome).

    Example:
        >>> grade_job(job, Workspace(Path("/tmp/ws"))).status        # doctest: +SKIP
        <Status.GRADED: 'graded'>
    """
    student = job.submission
    try:
        if student.problem or student.notebook is None:
            _forget(workspace, job.assignment, student.student_id)
        if student.problem:
            outcome = Outcome(student.student_id, job.assignment, 0.0,
                              workspace.max_score(job.assignment), Status.INVALID,
                              student.problem)
        else:
            outcome = grade_submission(job.assignment, student.student_id, student.notebook,
                                       workspace, executor=job.executor)
    except Exception as error:  # noqa: BLE001 - one student's failure never stops the run
        try:
            total = workspace.max_score(job.assignment)
        except Exception:  # noqa: BLE001
            total = 0.0
        outcome = Outcome(student.student_id, job.assignment, 0.0, total, Status.CRASHED,
                          f"{_GRADER_FAILED}: {first_line(error)}")
    try:
        write_feedback(workspace, outcome, job.feedback)
    except Exception as error:  # noqa: BLE001
        outcome = replace(outcome, message="; ".join(
            part for part in (outcome.message, f"no feedback page: {first_line(error)}") if part))
    return outcome


def run_jobs(jobs: Sequence[Job], *, workers: int, progress: bool = True,
             description: str = "grading") -> JobOutcomes:
    """Run jobs in ``workers`` processes (in this process when ``workers`` is 1), with a
    progress bar on stderr.

    Args:
        jobs: one per student folder.
        workers: parallel worker processes.
        progress: show the progress bar.
        description: the progress bar's label.

    Returns:
        One outcome per job, sorted by student id (a worker that died gives ``crashed``),
        and which were reused.
    """
    results: list[tuple[Outcome, bool]] = []
    if workers <= 1 or len(jobs) <= 1:
        bar = progress_bar(len(jobs), description, progress)
        try:
            for job in jobs:
                results.append(_run(job))
                bar.update()
        finally:
            bar.close()
    else:
        # The workers start before the progress bar (whose monitor is a thread).
        with _pool(jobs, workers) as futures:
            bar = progress_bar(len(jobs), description, progress)
            try:
                results.extend(_collect(futures, bar))
            finally:
                bar.close()
    return job_outcomes(results)


def progress_bar(total: int, description: str, progress: bool) -> Any:
    """The progress bar of a grading run, on stderr (a tqdm bar; hidden unless ``progress``).

    Example:
        >>> progress_bar(3, "grading ps1", False).close()
    """
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="student", disable=not progress,
                file=sys.stderr, dynamic_ncols=True)


def job_outcomes(results: Sequence[tuple[Outcome, bool]]) -> JobOutcomes:
    """The outcomes sorted by student id, and which were reused, from (outcome, reused) pairs.

    Example:
        >>> job_outcomes([(Outcome("b", "ps1", 1, 2, "graded"), True),
        ...               (Outcome("a", "ps1", 2, 2, "graded"), False)]).reused
        frozenset({'b'})
    """
    ordered = sorted(results, key=lambda result: result[0].student_id)
    return JobOutcomes([outcome for outcome, _ in ordered],
                       [outcome.student_id for outcome, reused in ordered if reused])


def lost_job(job: Job, error: BaseException, *, where: str = "the worker process") -> Outcome:
    """The ``crashed`` outcome of a job whose worker failed (stored, never reused).

    Args:
        job: the job.
        error: what the worker's future raised.
        where: what failed, as the student's row names it.

    Example:
        >>> lost_job(job, OSError("killed")).message                  # doctest: +SKIP
        'the worker process failed: killed'
    """
    outcome = Outcome(job.submission.student_id, job.assignment, 0.0, 0.0, Status.CRASHED,
                      f"{where} failed: {first_line(error)}")
    store_result(Workspace(job.workspace), outcome, None)
    return outcome


@contextlib.contextmanager
def _pool(jobs: Sequence[Job], workers: int) -> Iterator[dict]:
    """Every job submitted to a process pool (its workers are started by the first)."""
    from concurrent.futures import ProcessPoolExecutor

    context = worker_context(WORKER_IMPORTS)
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        yield {pool.submit(_run, job): job for job in jobs}


def _collect(futures: dict, bar: Any) -> list[tuple[Outcome, bool]]:
    from concurrent.futures import as_completed

    outcomes = []
    for future in as_completed(futures):
        job = futures[future]
        try:
            outcomes.append(future.result())
        except Exception as error:  # noqa: BLE001 - a worker process died
            outcomes.append((lost_job(job, error), False))
        bar.update()
    return outcomes
