"""Worker processes, the quick loop: a fork of a process that imported
``course.grading.lifeline`` dies with it (SIGKILL of the parent), a fork from another thread
is left alone; under ``stop_workers_on_signals`` SIGTERM and SIGINT kill a pool's workers
before the pool could wait for their tasks; ``course.grading.worker_warmup`` leaves a fresh
process with the grader imported and the profiler off. Each scenario runs in a fresh Python
process (a script below), observed from here with psutil."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

GONE_WITHIN = 10     # seconds

# Prints the pid of a forked child that sleeps, then waits to be killed.
FORK = """
import os, sys, threading, time
import course.grading.lifeline

def fork():
    pid = os.fork()
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    print(pid, flush=True)

if sys.argv[1] == "thread":
    worker = threading.Thread(target=fork)
    worker.start()
    worker.join()
else:
    fork()
time.sleep(600)
"""

# A pool of 2 fork workers, each in a task of 600 s; prints their pids.
POOL = """
import multiprocessing, time
from concurrent.futures import ProcessPoolExecutor
from course.grading.lifeline import stop_workers_on_signals

def nap(seconds):
    time.sleep(seconds)

if __name__ == "__main__":
    with stop_workers_on_signals():
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(nap, 600) for _ in range(4)]
            while len(multiprocessing.active_children()) < 2:
                time.sleep(0.05)
            print(*[child.pid for child in multiprocessing.active_children()], flush=True)
            for future in futures:
                future.result()
"""


def _script(source: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(source), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + GONE_WITHIN
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("where, dies", [("main", True), ("thread", False)])
def test_a_fork_dies_with_its_parent_when_forked_from_the_main_thread(where, dies):
    parent = _script(FORK, where)
    try:
        child = int(parent.stdout.readline())
        parent.kill()
        parent.wait()
        assert _gone(child) is dies
    finally:
        if not dies:
            os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.communicate()


@pytest.mark.parametrize("number, code", [(signal.SIGTERM, 143), (signal.SIGINT, -signal.SIGINT)])
def test_a_signal_kills_the_pool_workers_at_once(number, code):
    """SIGTERM ends the script with exit code 143, SIGINT with its KeyboardInterrupt (Python
    then ends by SIGINT itself); the pool does not wait for the tasks of 600 s."""
    script = _script(POOL)
    try:
        workers = [int(pid) for pid in script.stdout.readline().split()]
        assert len(workers) == 2
        script.send_signal(number)
        assert script.wait(timeout=60) == code
        assert all(_gone(worker) for worker in workers)
        if number == signal.SIGINT:
            assert "KeyboardInterrupt" in script.stderr.read()
    finally:
        script.kill()
        script.communicate()


def test_the_warmup_imports_the_grader_and_turns_the_profiler_off():
    probe = ("import sys, dask, nbformat.validator, course.grading.worker_warmup\n"
             "print(all(name in sys.modules for name in ('nbgrader.api', 'nbclient', "
             "'course.grading.remote', 'course.grading.lifeline')), "
             "dask.config.get('distributed.worker.profile.enabled'), "
             "'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["True", "False", "False"]
