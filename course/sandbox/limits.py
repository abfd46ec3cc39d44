"""Resource limits of a sandboxed kernel: what they are, and how a process applies them.

:class:`Limits` is what an instructor sets (``course grade --memory-limit``); the launcher
(:mod:`course.sandbox.launcher`) and the kernel template's client apply
:meth:`Limits.rlimits` to themselves with :func:`apply_limits` before the kernel starts, so
they hold for every process the kernel starts.

Example:
    >>> Limits(memory_bytes=2 * GiB).describe()
    'cpu 900 s, memory 2.0 GiB, 256 processes, files 256 MiB'
"""

from __future__ import annotations

import dataclasses
import os
import resource
from pathlib import Path

__all__ = ["KIB", "MIB", "GiB", "Limits", "apply_limits", "threads_of_current_user"]

KIB, MIB, GiB = 1024, 1024**2, 1024**3

_RLIMITS = {
    "cpu_seconds": resource.RLIMIT_CPU,
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "core_bytes": resource.RLIMIT_CORE,
}


def _positive_int(owner: str, name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"The {name!r} parameter of {owner} must be a positive int; "
                         f"got {value!r}.")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one kernel (rlimits; they apply to each process it starts).

    Args:
        cpu_seconds: CPU time (RLIMIT_CPU); the kernel is killed when it is used up.
        memory_bytes: address space (RLIMIT_AS): allocations beyond it fail with MemoryError.
            TensorFlow reserves a few GiB of address space even for a small model.
        processes: processes and threads the kernel may run (RLIMIT_NPROC).
        file_bytes: largest file the kernel may write (RLIMIT_FSIZE).
        open_files: open file descriptors (RLIMIT_NOFILE).
        tmp_bytes: size of the private ``/tmp`` and ``/dev/shm`` (bubblewrap only).

    Raises:
        ValueError: when a limit is not a positive int.

    Example:
        >>> Limits(memory_bytes=2 * GiB).memory_bytes
        2147483648
    """

    cpu_seconds: int = 900
    memory_bytes: int = 8 * GiB
    processes: int = 256
    file_bytes: int = 256 * MIB
    open_files: int = 1024
    tmp_bytes: int = 512 * MIB

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            _positive_int("Limits", field.name, getattr(self, field.name))

    def rlimits(self) -> dict[str, int]:
        """The values :func:`apply_limits` passes to ``setrlimit`` (no core dumps)."""
        return {"cpu_seconds": self.cpu_seconds, "memory_bytes": self.memory_bytes,
                "processes": self.processes, "file_bytes": self.file_bytes,
                "open_files": self.open_files, "core_bytes": 0}

    def describe(self) -> str:
        """The limits in a few words, for the sandbox's status line."""
        return (f"cpu {self.cpu_seconds} s, memory {self.memory_bytes / GiB:.1f} GiB, "
                f"{self.processes} processes, files {self.file_bytes // MIB} MiB")


def threads_of_current_user() -> int:
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

    Args:
        limits: :meth:`Limits.rlimits`, as the sandbox wrote it for the launcher.
        processes_relative: count the processes this uid already runs on top of the limit
            (RLIMIT_NPROC is per user, so without a separate sandbox uid the limit is
            "N more").

    Example:
        >>> apply_limits({"core_bytes": 0}, processes_relative=False)     # doctest: +SKIP
    """
    for name, value in limits.items():
        if name == "processes" and processes_relative:
            value += threads_of_current_user()
        resource.setrlimit(_RLIMITS[name], (value, value))
