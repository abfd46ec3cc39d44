"""The kernel launcher of the grading sandbox (the kernelspec's ``argv``).

``python -m course.sandbox.launcher CONFIG.json -f CONNECTION_FILE [KERNEL ARGS...]`` applies the
resource limits written by :class:`course.sandbox.Sandbox` to itself (they are inherited by
everything it starts), hands the connection file to the sandbox's user, then replaces itself
with the sandbox command: ``bwrap ... python -c DROP ... -m ipykernel_launcher -f FILE``, or,
when bubblewrap is unavailable, with the kernel itself after dropping to the sandbox's user.

It imports nothing from the project beyond the standard library and runs outside the sandbox
(on the grader's side), so a student cannot change it.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

__all__ = ["apply_limits", "drop_privileges", "main"]

_RLIMITS = {
    "cpu_seconds": resource.RLIMIT_CPU,
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "core_bytes": resource.RLIMIT_CORE,
}


def _threads_of_current_user() -> int:
    """Processes and threads of this uid: what RLIMIT_NPROC counts."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


def apply_limits(limits: dict[str, int], *, processes_relative: bool) -> None:
    """Set soft and hard rlimits for this process and everything it starts.

    ``processes_relative`` counts the processes this uid already runs on top of the limit:
    RLIMIT_NPROC is per user, so without a separate sandbox uid the limit is "N more".
    """
    for name, value in limits.items():
        if name == "processes" and processes_relative:
            value += _threads_of_current_user()
        resource.setrlimit(_RLIMITS[name], (value, value))


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` with no supplementary groups (only possible as root)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``CONFIG.json`` then the kernel's arguments (``-f FILE ...``)."""
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
