"""The temporary folder the grader's kernels talk through: short enough for their sockets.

Kernels talk to the grader over Unix sockets (ZeroMQ ``ipc://``, the kernel template's socket)
in folders made under the temporary folder (``TMPDIR``). A socket's path has at most
:data:`SOCKET_PATH_LIMIT` bytes; past it, every kernel fails to start ("File name too long"),
so ``course grade`` and ``course check`` refuse a longer ``TMPDIR`` first, with the fix.

Example:
    >>> check_tmpdir("/tmp")
"""

from __future__ import annotations

import tempfile

from course.errors import CourseError

__all__ = ["LONGEST_SOCKET", "SOCKET_PATH_LIMIT", "check_tmpdir"]

SOCKET_PATH_LIMIT = 107   # bytes: sun_path holds 108, its terminating NUL included
# The longest socket path below TMPDIR: the kernel template's folder (course/sandbox/template.py),
# a kernel's folder in it (sandbox.py), jupyter_client's IPC sockets there (session.py).
LONGEST_SOCKET = "/course-template-abcdefgh/course-kernel-abcdefgh/ipc/kernel-ipc-5"


def check_tmpdir(folder: str | None = None) -> None:
    """Refuse a temporary folder too long for the kernels' sockets.

    Args:
        folder: the temporary folder (default: ``tempfile.gettempdir()``, i.e. ``TMPDIR``).

    Raises:
        CourseError: naming the folder, its length, the longest allowed and the fix.

    Example:
        >>> check_tmpdir("/tmp/" + "x" * 80)
        Traceback (most recent call last):
        course.errors.CourseError: The temporary folder (TMPDIR) ...
    """
    folder = folder or tempfile.gettempdir()
    allowed = SOCKET_PATH_LIMIT - len(LONGEST_SOCKET.encode())
    length = len(folder.encode())
    if length > allowed:
        raise CourseError(
            f"The temporary folder (TMPDIR) {folder!r} is {length} bytes long; the kernels' "
            f"sockets inside it need it at most {allowed} bytes long (a socket's path has at "
            f"most {SOCKET_PATH_LIMIT}). Set TMPDIR to a shorter folder, e.g. TMPDIR=/tmp.")
