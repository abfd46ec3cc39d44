"""Kernels forked from a pre-imported template, one per submission, each still isolated.

Starting a Jupyter kernel imports ipykernel and IPython, and the tests then import NumPy,
SciPy or TensorFlow, for every submission. A :class:`KernelTemplate` does that once per
worker: :mod:`course.sandbox.template_server` imports them
in a process that never runs student code, inside the same bubblewrap sandbox as a plain
kernel, and forks a kernel per submission. Isolation between students is kept: each forked
kernel gets new mount, network, IPC, UTS and PID namespaces, sees only its own working
folder (the other submissions' folders are hidden under an empty tmpfs), a private ``/tmp``,
its own fresh uid and its own rlimits, and everything it starts dies with it. A fork starts
from the template's clean memory: nothing of one student's run reaches the next.

The template is used when the sandbox can provide that isolation (bubblewrap as root), and
for the unsandboxed and rlimits-only modes (which isolate nothing more either way). The
kernelspec's ``argv`` runs this module as the client:
``python -m course.sandbox.template SOCKET REQUEST.json -f CONNECTION_FILE``; it asks the
template for a kernel and lives as long as that kernel, so the kernel manager can watch,
and kill, it like any kernel process.

Example:
    >>> template = KernelTemplate(sandbox, ("numpy", "scipy.signal"))   # doctest: +SKIP
    >>> template.root                                                  # doctest: +SKIP
    PosixPath('/tmp/course-template-...')
"""

from __future__ import annotations

import atexit
import contextlib
import json
import multiprocessing.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from course.sandbox.limits import threads_of_current_user

__all__ = ["KernelTemplate", "TemplateError", "main"]

_SERVER = Path(__file__).with_name("template_server.py")
_PREFIX = "course-template-"
_BASE_PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "helpers")


class TemplateError(RuntimeError):
    """The template could not start (the sandbox then starts each kernel itself)."""


class KernelTemplate:
    """A running template process for one set of preloaded modules.

    Args:
        sandbox: the :class:`course.sandbox.Sandbox` whose layers the kernels get.
        preload: modules to import once (the tests' modules).
        startup_timeout: seconds the template may take to import them.

    Raises:
        TemplateError: when the template does not answer ``ready`` in time.
    """

    def __init__(self, sandbox, preload: Sequence[str], *, startup_timeout: float = 300.0):
        self.sandbox = sandbox
        self.requested = tuple(preload)
        self.preload = tuple(dict.fromkeys([*_BASE_PRELOAD, *preload]))
        _remove_stale_roots()
        self.root = Path(tempfile.mkdtemp(prefix=_PREFIX))
        os.chmod(self.root, 0o755)
        (self.root / "owner.pid").write_text(str(os.getpid()))
        self.socket_path = self.root / "template.sock"
        self.isolate = sandbox.mode == "bubblewrap"
        self.log = self.root / "template.log"
        command = [sandbox.python, "-c", _SERVER.read_text(encoding="utf-8"), str(self.root),
                   json.dumps(self.preload)]
        if self.isolate:
            command = [sandbox.bubblewrap, *sandbox.template_bwrap_args(self.root), "--",
                       *command]
        env = sandbox.kernel_env("/tmp" if self.isolate else str(self.root))
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log,
                                            stdin=subprocess.DEVNULL, env=env,
                                            cwd=self.root, start_new_session=True)
        atexit.register(self.close)
        # Pool workers leave through os._exit (no atexit); multiprocessing's finalizers run.
        self._finalizer = multiprocessing.util.Finalize(self, KernelTemplate.close,
                                                        args=(self,), exitpriority=10)
        line = _read_line(self.process, startup_timeout)
        if line != "ready":
            self.close()
            tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] if \
                self.log.exists() else []
            raise TemplateError(f"the kernel template did not start ({line or 'no answer'}"
                                f"{'; ' + tail[0] if tail else ''})")

    def alive(self) -> bool:
        """Whether the template process still runs."""
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the template (and with it any kernel still running) and remove its folder."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)
        atexit.unregister(self.close)


def _remove_stale_roots(max_age: float = 600.0) -> None:
    """Remove folders of templates whose owner process is gone (killed before it could
    clean up), or that name no owner and are older than ``max_age`` seconds."""
    import time

    for root in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            owner = int((root / "owner.pid").read_text())
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                if time.time() - root.stat().st_mtime > max_age:
                    shutil.rmtree(root, ignore_errors=True)
            continue
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            shutil.rmtree(root, ignore_errors=True)
        except OSError:
            pass


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout):
        return ""
    return process.stdout.readline().decode(errors="replace").strip()


def main(argv: list[str] | None = None) -> int:
    """The kernelspec's client: ``SOCKET REQUEST.json -f CONNECTION_FILE [ARGS...]``.

    Args:
        argv: the arguments (default: the command line).

    Returns:
        The forked kernel's exit code (70 when the template went away).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    socket_path, request_path, rest = args[0], args[1], args[2:]
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    connection_file = rest[rest.index("-f") + 1]
    request["connection_file"] = connection_file
    request["argv"] = [arg for i, arg in enumerate(rest)
                       if arg != "-f" and (i == 0 or rest[i - 1] != "-f")]
    if request.get("uid") is not None:
        os.chown(connection_file, request["uid"], request["uid"])
    if request.pop("processes_relative", False) and "processes" in request["limits"]:
        request["limits"]["processes"] += threads_of_current_user()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(socket_path)
        client.sendall(json.dumps(request).encode() + b"\n")
        reader = client.makefile("r", encoding="utf-8")
        for line in reader:
            message = json.loads(line)
            if "exit" in message:
                return int(message["exit"])
    return 70                                       # the template went away


if __name__ == "__main__":
    sys.exit(main())
