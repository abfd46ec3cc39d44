"""``course grade --scheduler`` on a real Dask cluster: a ``dask scheduler`` and three ``dask
worker`` processes on 127.0.0.1, each in a temporary folder of its own (no shared files but
what the tasks carry), grade part of the hostile corpus; one worker is killed (SIGKILL) while
it grades (two carry on). Every row of ``grades.csv`` must equal that of a one-machine run
(``--workers 2``) of the same submissions, made at the same time (each run waits mostly on
kernels and timeouts, not on the CPU); the gradebook must hold one submission per graded
student, every student a feedback page, and a second run must reuse every result.

The subset of the corpus (:data:`SUBSET`, 22 of its 49 cases) has every status and every kind
of attack (timeouts, crashes, limits, tampered tests, patched checks, reads and writes outside
the sandbox, the network, unreadable files) but leaves out the cases whose status may change
from run to run (``fork_bomb``, ``print_100mb``); the full corpus is graded by
``test_hostile.py``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.course.grading.hostile.cases import CASES, HONEST
from tests.course.grading.test_hostile import GRADE_ARGS, _digest, hostile_corpus

pytestmark = pytest.mark.slow

SUBSET = ("infinite_loop", "hang_ignoring_interrupt", "sys_exit", "os_exit", "sigkill_self",
          "segfault", "memory_bomb", "endless_print_ignoring_interrupt", "delete_tests",
          "patch_numpy_testing", "always_equal", "read_hidden_tests", "write_gradebook",
          "write_other_student", "connect_loopback", "invalid_json", "huge_notebook",
          "no_notebook", "copy_of", "honest_solved", "honest_partial", "honest_blank")
BIN = Path(sys.executable).parent
WORKERS = 3            # dask workers; one is killed, two carry on
START_TIMEOUT = 60     # seconds for the scheduler and the workers to come up
KILL_TIMEOUT = 300     # seconds to wait for the first task on the worker to kill
STOP_TIMEOUT = 20      # seconds for the cluster to stop after SIGTERM (then SIGKILL)


class Cluster:
    """A ``dask scheduler`` and its ``dask worker`` processes, each in a folder of its own
    (its working folder and TMPDIR) and a process group of its own."""

    def __init__(self, base: Path, workers: int) -> None:
        self.processes: list[subprocess.Popen] = []
        self.folders: list[Path] = []
        scheduler_file = base / "scheduler.json"
        self._start("scheduler", ["dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(scheduler_file)])
        deadline = time.monotonic() + START_TIMEOUT
        while not scheduler_file.is_file():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.workers = [self._start(f"worker{index}", [
            "dask", "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
            "--name", f"worker{index}"])
            for index in range(workers)]
        self._wait_for_workers(workers)

    def _start(self, name: str, command: list[str]) -> Path:
        # Short: the kernels' IPC sockets live below it (a Unix socket path has <= 107 bytes).
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir="/tmp"))
        self.folders.append(folder)
        env = {**os.environ, "TMPDIR": str(folder)}
        log = open(folder / "log.txt", "wb")  # noqa: SIM115 - closed with the process
        self.processes.append(subprocess.Popen(
            [str(BIN / command[0]), *command[1:]], cwd=folder, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True))
        return folder

    def _wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(count, timeout=START_TIMEOUT)

    def kill_worker_when_busy(self, index: int) -> None:
        """SIGKILL worker ``index`` (its whole process group: the kernels it started) once a
        grading task runs on it (its parcel appears)."""
        folder = self.workers[index]
        deadline = time.monotonic() + KILL_TIMEOUT
        while not list(folder.glob("course-parcel-*/incoming/*")):
            assert time.monotonic() < deadline, "no task ever ran on the worker"
            time.sleep(0.05)
        process = self.processes[index + 1]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT   # one for all: they stop side by side
        for process in self.processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, full_sandbox) -> Iterator[Cluster]:
    running = Cluster(tmp_path_factory.mktemp("dask"), workers=WORKERS)
    try:
        yield running
    finally:
        running.close()


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        return {row["student_id"]: row for row in csv.DictReader(file)}


def _course_grade(submissions: Path, base: Path, *extra: str) -> list[str]:
    return [str(BIN / "course"), "grade", "ps1", str(submissions), "--out", str(base / "out"),
            "--workspace", str(base / "workspace"), *GRADE_ARGS, *extra]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, cluster, ps1, loopback_server):
    """The subset graded on one machine, then on the cluster with one worker killed."""
    base = tmp_path_factory.mktemp("corpus")
    cases = [case for case in CASES + HONEST if case.name in SUBSET]
    assert len(cases) == len(SUBSET)
    (base / "dask").mkdir()
    with hostile_corpus(base / "dask", ps1, loopback_server, cases) as (context, before):
        local = base / "local"
        started = time.monotonic()
        one_machine = subprocess.Popen(_course_grade(context.submissions, local),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        grading = subprocess.Popen(
            _course_grade(context.submissions, base / "dask", "--scheduler", cluster.address),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            cluster.kill_worker_when_busy(0)
        finally:
            stdout, stderr = grading.communicate(timeout=900)
            local_stderr = one_machine.communicate(timeout=900)[1]
        assert one_machine.returncode == 0, local_stderr[-2000:]
        print(f"one machine and cluster (a worker killed) side by side: "
              f"{time.monotonic() - started:.0f} s")
        yield {"context": context, "before": before, "local": _rows(local / "out"),
               "dask": base / "dask", "code": grading.returncode, "stdout": stdout,
               "stderr": stderr, "server": loopback_server}


def test_the_run_succeeds_and_a_worker_was_killed_mid_task(graded, cluster):
    assert graded["code"] == 0, graded["stderr"][-2000:]
    assert "Traceback" not in graded["stderr"]
    assert cluster.processes[1].returncode == -signal.SIGKILL
    assert f"{len(SUBSET)} graded now" in graded["stdout"]
    assert f"{WORKERS} Dask workers: sandbox: bubblewrap" in graded["stdout"]   # each worker's own


def test_every_row_equals_the_one_machine_run(graded):
    rows = _rows(graded["dask"] / "out")
    assert sorted(rows) == sorted(SUBSET)
    assert rows == graded["local"]
    for row in rows.values():
        assert "Dask worker failed" not in row["message"]


def test_hostile_cases_keep_their_expected_outcome(graded):
    from tests.course.grading.hostile.cases import expected_score

    context = graded["context"]
    rows = _rows(graded["dask"] / "out")
    for case in CASES + HONEST:
        if case.name in rows:
            row = rows[case.name]
            assert row["status"] in case.statuses, (case.name, row["message"])
            assert float(row["score"]) == expected_score(case.score, context.blank), case.name


def test_results_land_exactly_once(graded):
    workspace = graded["dask"] / "workspace"
    rows = _rows(graded["dask"] / "out")
    with sqlite3.connect(workspace / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = [name for (name,) in db.execute(
            "select student_id from submitted_assignment")]
    executed = [name for name, row in rows.items() if row["status"] not in ("missing", "invalid")]
    assert sorted(students) == sorted(executed)
    assert sorted(path.stem for path in (workspace / "results" / "ps1").glob("*.json")) == \
        sorted(SUBSET)
    pages = sorted(path.parent.name for path in (graded["dask"] / "out" / "feedback").rglob("*.html"))
    assert pages == sorted(SUBSET)
    for name in executed:
        assert (workspace / "autograded" / name / "ps1" / graded["context"].notebook_name).is_file()


def test_nothing_outside_the_sandbox_changed(graded):
    for path, digest in graded["before"].items():
        assert _digest(path) == digest, f"{path} changed"
    assert graded["server"].connections == 0


def test_a_rerun_reuses_every_result(graded, cluster):
    out = graded["dask"] / "out"
    first = (out / "grades.csv").read_bytes()
    result = subprocess.run(_course_grade(graded["context"].submissions, graded["dask"],
                                          "--scheduler", cluster.address),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{len(SUBSET)} results reused" in result.stdout
    assert (out / "grades.csv").read_bytes() == first
