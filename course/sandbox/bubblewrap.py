"""bubblewrap, the grading sandbox's namespaces: probing it and building its arguments.

Example:
    >>> probe_bubblewrap("/usr/bin/bwrap", as_root=True)          # doctest: +SKIP
    ''
"""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

__all__ = ["DROP_PRIVILEGES_CODE", "bwrap_arguments", "probe_bubblewrap"]

# Run inside bubblewrap (as root in a fresh pid/net/mount namespace): become the sandbox user,
# then start the kernel. Changing from uid 0 to another uid clears every capability.
DROP_PRIVILEGES_CODE = (
    "import os,sys\n"
    "uid,gid=int(sys.argv[1]),int(sys.argv[2])\n"
    "os.setgroups([]);os.setresgid(gid,gid,gid);os.setresuid(uid,uid,uid)\n"
    "os.execv(sys.executable,[sys.executable,*sys.argv[3:]])\n"
)

# Files of /etc the Python stack reads (the rest of /etc stays out of the sandbox).
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf",
        "passwd", "group", "hosts", "host.conf", "fonts", "mime.types", "ssl", "alternatives")


@functools.lru_cache(maxsize=8)
def probe_bubblewrap(bwrap: str, as_root: bool) -> str:
    """'' when bubblewrap can build our namespaces here, else the reason it cannot.

    Args:
        bwrap: the path of ``bwrap``.
        as_root: whether the grader runs as root (a normal user needs a user namespace).
    """
    args = [bwrap, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent"]
    if not as_root:
        args.append("--unshare-user")
    try:
        done = subprocess.run([*args, "true"], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return f"{bwrap} does not run ({error})"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"{bwrap} cannot create namespaces here ({reason})"
    return ""


def bwrap_arguments(readonly: list[Path], writable: list[Path], *, chdir: Path, tmp_bytes: int,
                    as_root: bool) -> list[str]:
    """bubblewrap's arguments: no network, new pid/ipc/uts namespaces, the system and
    ``readonly`` mounted read-only, ``writable`` read-write, private ``/tmp`` and ``/dev/shm``
    of ``tmp_bytes``, the rest of the host absent, ``/`` read-only.

    Args:
        readonly: host folders mounted read-only at the same path.
        writable: host folders mounted read-write (the submission's working folder).
        chdir: the folder the command starts in.
        tmp_bytes: size of the private ``/tmp`` and ``/dev/shm``.
        as_root: whether the grader runs as root.

    Returns:
        The arguments between ``bwrap`` and ``--``.
    """
    args = ["--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
    if not as_root:
        args.append("--unshare-user")
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu",
             "--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/dev/shm"]
    # bwrap copies the modes of the host's parent folders (/root is 0700): open them.
    parents = sorted({parent for mount in [*readonly, *writable]
                      for parent in mount.parents if parent != Path("/")},
                     key=lambda p: len(p.parts))
    for parent in parents:
        if parent not in (Path("/tmp"), Path("/dev"), Path("/usr")) and not any(
                parent.is_relative_to(mount) for mount in readonly):
            args += ["--perms", "0755", "--dir", str(parent)]
    for mount in readonly:
        args += ["--ro-bind", str(mount), str(mount)]
    for mount in writable:
        args += ["--bind", str(mount), str(mount)]
    args += ["--remount-ro", "/", "--chdir", str(chdir)]
    return args
