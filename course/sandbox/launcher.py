"""The kernel launcher of the grading sandbox (the kernelspec's ``argv``).

``python -m course.sandbox.launcher CONFIG.json -f CONNECTION_FILE [KERNEL ARGS...]`` applies the
resource limits written by :class:`course.sandbox.Sandbox` to itself (they are inherited by
everything it starts), hands the connection file to the sandbox's user, then replaces itself
with the sandbox command: ``bwrap ... python -c DROP ... -m ipykernel_launcher -f FILE``, or,
when bubblewrap is unavailable, with the kernel itself after dropping to the sandbox's user.

It runs outside the sandbox, on the grader's side (a student cannot change it), and needs only
the standard library and :mod:`course.sandbox.limits`.

Example (the kernelspec that :class:`course.sandbox.SandboxSession` writes)::

    {"argv": ["python", "-m", "course.sandbox.launcher", "RUN/sandbox.json",
              "-f", "{connection_file}"], ...}
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from course.sandbox.limits import apply_limits

__all__ = ["drop_privileges", "main"]

def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` with no supplementary groups (only possible as root)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``CONFIG.json`` then the kernel's arguments (``-f FILE ...``).

    Args:
        argv: the arguments (default: the command line); it never returns (``execve``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    config = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    kernel_args = args[1:] + ["--HistoryManager.hist_file=:memory:"]
    uid, gid = config.get("uid"), config.get("gid")
    if uid is not None and "-f" in kernel_args:
        os.chown(kernel_args[kernel_args.index("-f") + 1], uid, gid)
    # The kernel's own stdout/stderr (crash messages) go to a log, not to the grader's terminal.
    log = os.open(config["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    apply_limits(config["limits"], processes_relative=uid is None)
    command = config["command"] + kernel_args
    if config["mode"] == "bubblewrap":
        os.execve(command[0], command, config["env"])
    # rlimits only: become the sandbox user here, start in the working folder (opened before
    # the switch: the new user may not be allowed to walk the folders above it).
    folder = os.open(config["workdir"], os.O_RDONLY | os.O_DIRECTORY)
    if uid is not None:
        drop_privileges(uid, gid)
    os.fchdir(folder)
    os.close(folder)
    os.execve(command[0], command, config["env"])


if __name__ == "__main__":
    main()
