"""Worker processes die with the process that started them.

``course grade`` and ``course check`` grade in worker processes (forks of the command, or of
multiprocessing's fork server), and each worker runs kernels in a sandbox that dies with it
(bubblewrap's ``--die-with-parent``). Killing the command (SIGKILL, SIGTERM, Ctrl-C) must not
leave those workers grading. Three pieces:

* importing this module registers a fork hook: every process this one forks from its main
  thread asks Linux to kill it (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) when its parent dies.
  ``course grade`` and ``course check`` import it; a fork server preloads
  :data:`SERVER_MODULE` (:data:`course.grading.jobs.WORKER_IMPORTS` names it first), which
  imports it and binds the server itself to the command;
* :func:`start_fork_server` starts multiprocessing's fork server at once, preloading this
  module, so that a pool made later by code that names other preloads still gets it;
* :func:`stop_workers_on_signals` turns SIGTERM and SIGINT into killing the worker
  processes, then leaving as those signals do (exit codes 143 and 130): a pool would
  otherwise wait for the tasks it had queued.

Elsewhere than Linux the fork hook does nothing.

Example:
    >>> with stop_workers_on_signals():                               # doctest: +SKIP
    ...     run_jobs(jobs, workers=2)
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType

__all__ = ["SERVER_MODULE", "die_with_parent", "start_fork_server", "stop_workers_on_signals"]

_PR_SET_PDEATHSIG = 1            # <linux/prctl.h>
# What a fork server preloads to die with its starter (and its forks with it).
SERVER_MODULE = "course.grading.fork_server_lifeline"
_STOPPING = (signal.SIGTERM, signal.SIGINT)
_fork_parent: dict[str, int | bool] = {}   # set in the parent just before a fork


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies; leave now if ``parent`` already
    has (a no-op elsewhere than Linux).

    Args:
        parent: the process id of the parent this process must not outlive.

    Example:
        >>> die_with_parent(os.getppid())                             # doctest: +SKIP
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:       # it died before the request: nobody will signal
        os._exit(1)


def _before_fork() -> None:
    _fork_parent["pid"] = os.getpid()
    # Linux signals the child when the *thread* that forked it ends: only the main thread's
    # forks are bound (a pool's workers are forked from it).
    _fork_parent["main"] = threading.current_thread() is threading.main_thread()


def _after_fork_in_child() -> None:
    if _fork_parent.get("main"):
        die_with_parent(int(_fork_parent["pid"]))


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def start_fork_server(preload: Sequence[str]) -> None:
    """Start multiprocessing's fork server now (if it is not running), importing this
    module and ``preload``: the workers it forks, whoever asks for them, die with it.

    Args:
        preload: the modules the fork server imports once for all its forks.

    Example:
        >>> start_fork_server(["course.grading.jobs"])                # doctest: +SKIP
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([SERVER_MODULE, *preload])
    forkserver.ensure_running()


@contextlib.contextmanager
def stop_workers_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGINT kill this process's worker processes (and with
    them their kernels), then raise ``SystemExit(143)`` or ``KeyboardInterrupt``.

    Only the main thread may enter it (Python's signal handlers live there); elsewhere it
    changes nothing.

    Example:
        >>> with stop_workers_on_signals():                           # doctest: +SKIP
        ...     run_jobs(jobs, workers=2)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _stop) for number in _STOPPING}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stop(number: int, frame: FrameType | None) -> None:
    """Kill the worker processes, then leave as the signal asks."""
    for child in multiprocessing.active_children():
        child.kill()
    if number == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + number)
