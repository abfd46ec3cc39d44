"""How student code is isolated: a sandboxed Jupyter kernel per submission, without Docker.

Nothing here knows about grading or nbgrader; :class:`Sandbox` launches kernels that any
Jupyter client (nbclient) can drive.

Example:
    >>> from course.sandbox import Limits, Sandbox, GiB
    >>> Sandbox(limits=Limits(memory_bytes=2 * GiB), enabled=False).enforced
    ()
"""

from course.sandbox.limits import KIB, MIB, GiB, Limits
from course.sandbox.sandbox import Sandbox
from course.sandbox.session import SandboxSession

__all__ = ["KIB", "MIB", "GiB", "Limits", "Sandbox", "SandboxSession"]
