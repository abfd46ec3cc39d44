"""One sandboxed kernel: its kernelspec, IPC folder, kernel-manager class and clean-up.

A :class:`SandboxSession` is made by :meth:`course.sandbox.Sandbox.session`. Its kernelspec
(``kernels/course-sandbox/kernel.json``) is the switch: its ``argv`` runs
:mod:`course.sandbox.launcher` (limits, then bubblewrap, then ipykernel) or, with a kernel
template, the :mod:`course.sandbox.template` client; the kernel manager class always starts
that kernelspec, over ZeroMQ ``ipc://`` sockets, whatever kernel the notebook names.

Example:
    >>> with sandbox.session(workdir) as session:                      # doctest: +SKIP
    ...     NotebookClient(nb, **session.client_options()).execute()
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["KERNEL_NAME", "SandboxSession", "free_uid"]

KERNEL_NAME = "course-sandbox"
_SANDBOX_UIDS = (1_900_000_000, 2_000_000_000)  # fresh uids are drawn from this range


def free_uid() -> int:
    """A uid no account and no running process uses."""
    import pwd

    used = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                used.add(entry.stat().st_uid)
    while True:
        uid = _SANDBOX_UIDS[0] + secrets.randbelow(_SANDBOX_UIDS[1] - _SANDBOX_UIDS[0])
        try:
            pwd.getpwuid(uid)
        except KeyError:
            if uid not in used:
                return uid


def _live_processes(uid: int) -> list[int]:
    """Processes of ``uid`` that are not yet dead (zombies are left to their reaper)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid and Path(entry.path, "stat").read_text(
                        ).rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
    return found


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid, follow_symlinks=False)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


class SandboxSession:
    """One prepared kernel: its kernelspec, IPC folder and kernel-manager class.

    Created by :meth:`Sandbox.session`; hand :meth:`client_options` to nbclient's
    ``NotebookClient``, or use :attr:`kernel_manager_class` and :attr:`kernel_name`.

    Args:
        sandbox: the :class:`~course.sandbox.Sandbox` it belongs to.
        workdir: the kernel's working folder, its only writable one.
        run_dir: a private folder for the kernelspec, the IPC sockets and the logs.
        uid: the kernel's own uid, or ``None`` (the grader's).
        log_file: where the kernel process's own stdout/stderr go.
        template: the kernel template to fork from, or ``None``.

    Example:
        >>> with Sandbox().session(workdir) as session:              # doctest: +SKIP
        ...     NotebookClient(nb, **session.client_options()).execute()
    """

    def __init__(self, sandbox, workdir: Path, run_dir: Path, uid: int | None,
                 log_file: Path | None = None, template=None):
        self.sandbox, self.workdir, self.run_dir, self.uid = sandbox, workdir, run_dir, uid
        self.template = template
        self.ipc_dir = run_dir / "ipc"
        self.spec_root = run_dir / "kernels"
        self.connection_file = self.ipc_dir / "kernel.json"
        self.log_file = Path(log_file).resolve() if log_file else run_dir / "kernel.log"
        self.kernel_name = (KERNEL_NAME if sandbox.mode != "off" or template is not None
                            else "python3")
        # A forked kernel writes its log inside its own IPC folder (all it can see).
        self.kernel_output = self.ipc_dir / "kernel.log" if template else self.log_file

    @property
    def enforced(self) -> tuple[str, ...]:
        """The sandbox's layers in force (:attr:`course.sandbox.Sandbox.enforced`)."""
        return self.sandbox.enforced

    @property
    def status_line(self) -> str:
        """The sandbox's status line (:attr:`course.sandbox.Sandbox.status_line`)."""
        return self.sandbox.status_line

    def write_kernelspec(self) -> None:
        """Write ``kernels/course-sandbox/kernel.json`` and the launcher's configuration."""
        self.ipc_dir.mkdir(parents=True)
        if self.kernel_name == "python3":
            return
        sandbox = self.sandbox
        home = "/tmp" if sandbox.mode == "bubblewrap" else str(self.workdir)
        if self.template is not None:
            argv = self._template_request(home)
        else:
            argv = self._launcher_config(home)
        spec_dir = self.spec_root / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {"argv": argv, "display_name": "Python 3 (course sandbox)", "language": "python",
                "interrupt_mode": "message", "env": {}, "metadata": {"debugger": False}}
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        if self.uid is not None:
            _chown_tree(self.workdir, self.uid, self.uid)
            os.chown(self.ipc_dir, self.uid, self.uid)
            os.chmod(self.run_dir, 0o711)    # the kernel reaches ipc/ (not the rest) by path

    def _template_request(self, home: str) -> list[str]:
        sandbox = self.sandbox
        request = {"workdir": str(self.workdir), "ipc_dir": str(self.ipc_dir),
                   "log": str(self.kernel_output), "uid": self.uid,
                   "limits": sandbox.limits.rlimits() if sandbox.mode != "off" else {},
                   "processes_relative": self.uid is None and sandbox.mode != "off",
                   "env": sandbox.kernel_env(home if self.template.isolate
                                             else str(self.workdir)),
                   "isolate": self.template.isolate, "tmp_bytes": sandbox.limits.tmp_bytes,
                   "readonly": [str(path) for path in sandbox.readonly_mounts()]}
        path = self.run_dir / "request.json"
        path.write_text(json.dumps(request, indent=1), encoding="utf-8")
        return [sys.executable, "-m", "course.sandbox.template",
                str(self.template.socket_path), str(path), "-f", "{connection_file}"]

    def _launcher_config(self, home: str) -> list[str]:
        sandbox = self.sandbox
        config = {"mode": sandbox.mode, "limits": sandbox.limits.rlimits(),
                  "uid": self.uid, "gid": self.uid, "workdir": str(self.workdir),
                  "log": str(self.log_file),
                  "env": sandbox.kernel_env(home),
                  "command": sandbox.kernel_command(self.workdir, self.ipc_dir, self.uid)}
        config_path = self.run_dir / "sandbox.json"
        config_path.write_text(json.dumps(config, indent=1), encoding="utf-8")
        return [sys.executable, "-m", "course.sandbox.launcher", str(config_path),
                "-f", "{connection_file}"]

    @functools.cached_property
    def kernel_manager_class(self) -> type:
        """An ``AsyncKernelManager`` subclass that always starts this session's kernel."""
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        session = self

        class SandboxedKernelManager(AsyncKernelManager):
            """Starts the session's kernelspec whatever kernel is asked for."""

            def __init__(self, **kwargs):
                kwargs["kernel_name"] = session.kernel_name
                if session.kernel_name != "python3":
                    kwargs["kernel_spec_manager"] = KernelSpecManager(
                        kernel_dirs=[str(session.spec_root)])
                # IPC sockets in every mode: no TCP port, nothing reachable from outside.
                kwargs["transport"] = "ipc"
                kwargs["connection_file"] = str(session.connection_file)
                super().__init__(**kwargs)

        return SandboxedKernelManager

    def client_options(self) -> dict[str, object]:
        """Keyword arguments for ``nbclient.NotebookClient``."""
        return {"kernel_manager_class": self.kernel_manager_class,
                "kernel_name": self.kernel_name,
                "resources": {"metadata": {"path": str(self.workdir)}}}

    def kernel_log(self, max_chars: int = 2000) -> str:
        """The end of what the kernel process wrote outside the notebook (crash messages)."""
        try:
            with open(self.kernel_output, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - max_chars))
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self) -> None:
        """Kill every process left under the sandbox's uid; give the folder back."""
        if self.template is not None and self.kernel_output.is_file():
            with contextlib.suppress(OSError), open(self.log_file, "ab") as log:
                log.write(self.kernel_output.read_bytes()[-65536:])
        if self.uid is None:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                # kill(-1) as the sandbox user reaches exactly that user's processes.
                subprocess.run(["kill", "-KILL", "-1"], user=self.uid, group=self.uid,
                               extra_groups=[], capture_output=True, timeout=10, check=False)
            if not _live_processes(self.uid):
                break
            time.sleep(0.05)
        _chown_tree(self.workdir, os.getuid(), os.getgid())
