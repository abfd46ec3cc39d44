"""``course grade --scheduler``: grading on a Dask cluster.

Each student with a notebook to grade is one task: :func:`course.grading.remote.grade_parcel`
runs on a worker of the cluster, in a temporary workspace made from what the task carries,
with the same sandbox as on one machine, and returns the outcome and the files to keep. This
process alone writes the workspace (:func:`course.grading.remote.receive`, then the result
store), so each result lands once. A worker that dies mid-task costs a retry on another
worker, never a row; stored results are reused as :func:`course.grading.jobs.run_jobs` does,
so a rerun resumes; students without a notebook to run are handled here.

The scheduler is ``tcp://HOST:PORT`` (or ``tls://``) of a running ``dask scheduler``, or
``local:N``: a cluster of N worker processes (one thread each) on this machine, forked from
one process that has imported the grader (:data:`WARMUP`, the preload module that workers of
a running cluster take too).

Example:
    >>> with connect(parse_scheduler("local:2")) as client:         # doctest: +SKIP
    ...     grade_on_cluster(jobs, client, progress=False).reused
    frozenset()
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from course.errors import CourseError, first_line
from course.grading.jobs import (
    Job,
    JobOutcomes,
    grade_job,
    job_outcomes,
    lost_job,
    progress_bar,
    store_result,
    stored_outcome,
)
from course.grading.outcome import Executor, Outcome
from course.grading.remote import grade_parcel, make_parcel, pack_assignment, receive
from course.workspace import Workspace

__all__ = ["CONNECT_TIMEOUT", "RETRIES", "WARMUP", "connect", "grade_on_cluster",
           "parse_scheduler", "worker_sandboxes"]

RETRIES = 2            # more tries of a task whose worker raised (a lost worker reschedules it)
CONNECT_TIMEOUT = 10   # seconds to reach a scheduler
# The preload module of grading workers (``dask worker --preload``): imports the grader.
WARMUP = "course.grading.worker_warmup"
_LOCAL = re.compile(r"local:(\d+)")
_REMOTE = re.compile(r"(tcp|tls)://[^\s:/]+:\d{1,5}")
_ALLOWED = ("'local:N' (N worker processes on this machine, N >= 1) or 'tcp://HOST:PORT' "
            "(a running `dask scheduler`)")


def parse_scheduler(value: str) -> str | int:
    """Check a ``--scheduler`` value.

    Args:
        value: ``local:N`` or ``tcp://HOST:PORT`` (``tls://`` too).

    Returns:
        N for ``local:N``, else the address.

    Raises:
        CourseError: naming ``--scheduler``, the value and what is allowed.

    Example:
        >>> parse_scheduler("local:4"), parse_scheduler("tcp://10.0.0.5:8786")
        (4, 'tcp://10.0.0.5:8786')
    """
    local = _LOCAL.fullmatch(value)
    if local and int(local.group(1)) >= 1:
        return int(local.group(1))
    if _REMOTE.fullmatch(value) and 0 < int(value.rsplit(":", 1)[1]) < 65536:
        return value
    raise CourseError(f"The '--scheduler' parameter must be {_ALLOWED}; got {value!r}.")


@contextlib.contextmanager
def connect(scheduler: str | int) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler, or of a local cluster that lives as long.

    Args:
        scheduler: :func:`parse_scheduler`'s value: an address, or N for a local cluster.

    Raises:
        CourseError: when the scheduler cannot be reached within :data:`CONNECT_TIMEOUT`
            seconds, or ``distributed`` is not installed.

    Example:
        >>> with connect(2) as client:                                # doctest: +SKIP
        ...     grade_on_cluster(jobs, client)
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise CourseError("The '--scheduler' option needs the 'distributed' package: "
                          'pip install "cnn-course[instructor]".') from error
    # Workers that leave (or are killed) make distributed log tracebacks; the outcomes say it.
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        if isinstance(scheduler, int):
            # The workers' statistical profiler (a stack walk every 10 ms) is for the
            # dashboard, which a local cluster does not serve. The workers are forks of one
            # fork server that has imported the grader once (WARMUP), not fresh processes.
            with dask.config.set({"distributed.worker.profile.enabled": False,
                                  "distributed.worker.multiprocessing-method": "forkserver"}):
                _preload_fork_server()
                with LocalCluster(n_workers=scheduler, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR,
                                  preload=[WARMUP]) as cluster, Client(cluster) as client:
                    yield client
            return
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise CourseError(f"Could not reach the Dask scheduler at {scheduler} (--scheduler) "
                              f"within {CONNECT_TIMEOUT} s: {first_line(error)}") from None
        with client:
            yield client
    finally:
        logger.setLevel(level)


def _preload_fork_server() -> None:
    """Make the fork server of the local workers import ``distributed`` and :data:`WARMUP`
    (when it is not running yet: a running one keeps what it imported)."""
    from distributed.utils import get_mp_context

    get_mp_context().set_forkserver_preload(["distributed", WARMUP])


def worker_sandboxes(client: Any, executor: Executor) -> dict[str, int]:
    """The sandbox status lines of the cluster's workers (what each enforces), with how many
    workers print each.

    Args:
        client: a ``distributed.Client``.
        executor: the executor the tasks carry (its sandbox is made on each worker).

    Example:
        >>> worker_sandboxes(client, SandboxExecutor())                # doctest: +SKIP
        {'sandbox: bubblewrap (no network, ...) + rlimits (...)': 2}
    """
    lines = client.run(_sandbox_line, executor)
    return dict(Counter(lines.values()))


def _sandbox_line(executor: Executor) -> str:
    sandbox = getattr(executor, "sandbox", None)
    return sandbox.status_line if sandbox is not None else f"executor: {executor!r}"


def grade_on_cluster(jobs: Sequence[Job], client: Any, *, progress: bool = True,
                     description: str = "grading") -> JobOutcomes:
    """Grade jobs on a Dask cluster, keeping every result in this process's workspace.

    Args:
        jobs: one per student folder.
        client: a ``distributed.Client`` (:func:`connect`).
        progress: show the progress bar.
        description: the progress bar's label.

    Returns:
        One outcome per job, sorted by student id (a task that fails on every try gives
        ``crashed``), and which were reused.
    """
    results: list[tuple[Outcome, bool]] = []
    remote: list[tuple[Job, str | None]] = []
    for job in jobs:
        workspace = Workspace(job.workspace)
        fingerprint, reused = stored_outcome(job, workspace)
        if reused is not None:
            results.append((reused, True))
        elif job.submission.problem or job.submission.notebook is None:
            outcome = grade_job(job, workspace)     # nothing to run: no worker needed
            store_result(workspace, outcome, fingerprint)
            results.append((outcome, False))
        else:
            remote.append((job, fingerprint))
    if remote:
        results.extend(_run_remote(client, remote, progress_bar(len(remote), description,
                                                                progress)))
    return job_outcomes(results)


def _run_remote(client: Any, remote: Sequence[tuple[Job, str | None]],
                bar: Any) -> list[tuple[Outcome, bool]]:
    """Submit one task per job, keep each result as it arrives."""
    from distributed import as_completed

    run = secrets.token_hex(4)
    bundles: dict[tuple[Path, str], Any] = {}
    futures = {}
    for job, fingerprint in remote:
        key = (job.workspace, job.assignment)
        if key not in bundles:
            # A task, not scattered data: if the worker that holds it dies, the scheduler
            # makes it again (from the bytes in the task) on another one.
            packed = pack_assignment(Workspace(job.workspace), job.assignment)
            bundles[key] = client.submit(bytes, packed, key=f"bundle-{job.assignment}-{run}")
        future = client.submit(grade_parcel, bundles[key], make_parcel(job), retries=RETRIES,
                               key=f"grade-{job.assignment}-{job.submission.student_id}-{run}")
        futures[future] = (job, fingerprint)
    results = []
    try:
        for future in as_completed(futures):
            job, fingerprint = futures.pop(future)
            workspace = Workspace(job.workspace)
            try:
                outcome = receive(job, workspace, future.result())
            except Exception as error:  # noqa: BLE001 - one student's failure never stops the run
                outcome = lost_job(job, error, where="the Dask worker")
            else:
                store_result(workspace, outcome, fingerprint)
            results.append((outcome, False))
            bar.update()
    finally:
        bar.close()
    return results
