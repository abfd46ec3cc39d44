"""Killing ``course check --mutants`` or ``course grade --workers 2`` while its workers grade
(SIGTERM, SIGINT or SIGKILL of the command alone) leaves none of its processes running:
every process it had started (worker processes, a fork server, sandboxes, kernel templates,
kernels) is gone within :data:`GONE_WITHIN` seconds.

The processes are found with psutil, the command's whole tree, just before the signal. A
process that has ended but that nobody reaped (a zombie: orphans go to PID 1, which may
never reap them in a container) counts as gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[3]
BUSY_WITHIN = 900     # seconds until the command's workers are busy (the machine may be loaded)
GONE_WITHIN = 10      # seconds after the signal by which every process must be gone
STUDENTS = 8


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A TMPDIR with a short path (the kernels' IPC sockets live below it)."""
    folder = Path(tempfile.mkdtemp(prefix="lifeline-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until(condition: Callable[[], bool], command: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + BUSY_WITHIN
    while not condition():
        assert command.poll() is None, f"the command ended before {what}: " \
            f"{command.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.2)


def _kernel_templates(tree: list[psutil.Process]) -> int:
    count = 0
    for process in tree:
        try:
            count += "The kernel template" in " ".join(process.cmdline())
        except psutil.Error:
            pass
    return count


def _running(processes: list[psutil.Process]) -> list[str]:
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(f"{process.pid} {' '.join(process.cmdline())[:100]}")
        except psutil.NoSuchProcess:
            pass
    return running


def _kill_and_check(command: subprocess.Popen, number: int) -> None:
    """Send ``number`` to the command alone; its tree of processes must be gone soon."""
    tree = psutil.Process(command.pid).children(recursive=True)
    assert _kernel_templates(tree) >= 2, "both workers should be grading"
    command.send_signal(number)
    processes = [psutil.Process(command.pid), *tree]
    deadline = time.monotonic() + GONE_WITHIN
    while _running(processes) and time.monotonic() < deadline:
        command.poll()
        time.sleep(0.2)
    command.communicate()
    assert _running(processes) == [], f"left running after {signal.Signals(number).name}"
    # SIGTERM exits 143; SIGINT ends Python by SIGINT itself (a shell shows 130).
    assert command.returncode == {signal.SIGTERM: 143, signal.SIGINT: -signal.SIGINT,
                                  signal.SIGKILL: -signal.SIGKILL}[number]


def _start(command: list[str], tmp: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_killing_course_check_mutants_leaves_no_process(number, short_tmp, full_sandbox):
    """Killed while its two workers grade mutants (their logs have appeared)."""
    command = _start([str(BIN / "course"), "check", "ps1", "--mutants", "--workers", "2",
                      "--workspace", str(short_tmp / "ws"), "--no-progress"], short_tmp)
    try:
        _wait_until(lambda: len(list(short_tmp.glob("course-strength-*/run-*.log"))) >= 2
                    and _kernel_templates(psutil.Process(command.pid).children(True)) >= 2,
                    command, "grading mutants")
        _kill_and_check(command, number)
    finally:
        if command.poll() is None:
            command.kill()
            command.communicate()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGKILL])
def test_killing_course_grade_leaves_no_process(number, short_tmp, full_sandbox):
    """``course grade --workers 2`` killed while both its workers grade."""
    (blank,) = (ROOT / "assignments" / "ps1").glob("*.ipynb")
    for index in range(STUDENTS):
        (short_tmp / "subs" / f"student{index}").mkdir(parents=True)
        shutil.copy(blank, short_tmp / "subs" / f"student{index}" / blank.name)
    command = _start([str(BIN / "course"), "grade", "ps1", str(short_tmp / "subs"), "--out",
                      str(short_tmp / "out"), "--workspace", str(short_tmp / "ws"),
                      "--workers", "2", "--no-progress"], short_tmp)
    try:
        _wait_until(lambda: _kernel_templates(psutil.Process(command.pid).children(True)) >= 2,
                    command, "grading in both workers")
        _kill_and_check(command, number)
    finally:
        if command.poll() is None:
            command.kill()
            command.communicate()
