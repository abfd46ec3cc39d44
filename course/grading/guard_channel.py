"""The grader's private channel to the integrity guard inside a student's kernel.

:class:`GuardChannel` is mixed into :class:`course.grading.execution.GuardedExecute` (an nbclient
client: it has ``self.kc`` and ``self.nb``). It installs the guard of :mod:`course.grading.guard` and
calls its steps with *silent* execute requests: no execution count, no history, no output in
the notebook, and the result comes back through ``user_expressions``, tagged with a fresh
token so that a student's code cannot forge a report.
"""

from __future__ import annotations

import ast
import secrets
import time
from queue import Empty

from jupyter_core.utils import ensure_async
from nbclient.exceptions import DeadKernelError

from course.grading.guard import guard_call, guard_source, imported_modules
from course.grading.integrity import cell_role

__all__ = ["GuardChannel"]


class GuardChannel:
    """Install the guard and run its steps; ``None`` from a step means the guard is gone."""

    _guard_key: str
    guard_timeout: float

    def _preload(self) -> tuple[str, ...]:
        """Modules the instructor's cells (tests included) import, sorted."""
        sources = [c.source for c in self.nb.cells
                   if c.cell_type == "code" and cell_role(c) in ("test", "locked", "master")]
        return tuple(sorted(imported_modules(sources)))

    async def _install_guard(self) -> bool:
        code = guard_source(self._guard_key, self._preload())
        report = await self._silent(code, {"report": f"__import__('sys').modules"
                                                     f"[{self._guard_key!r}].report"})
        return report is not None and report.startswith("installed|")

    async def _guard(self, step: str) -> list[str] | None:
        token = secrets.token_hex(8)
        code, expressions = guard_call(self._guard_key, step, token)
        report = await self._silent(code, expressions)
        if report is None or not report.startswith(token + "|"):
            return None
        return [name for name in report[len(token) + 1:].split("|") if name]

    async def _silent(self, code: str, expressions: dict[str, str]) -> str | None:
        """Run code the student cannot see; return the text of the 'report' expression."""
        msg_id = self.kc.execute(code, silent=True, store_history=False,
                                 user_expressions=expressions, stop_on_error=False)
        deadline = time.monotonic() + self.guard_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=min(1.0,
                                                                                   remaining)))
            except Empty:
                if not await ensure_async(self.kc.is_alive()):
                    raise DeadKernelError("Kernel died") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            value = msg["content"].get("user_expressions", {}).get("report", {})
            if msg["content"].get("status") != "ok" or value.get("status") != "ok":
                return None
            try:
                return str(ast.literal_eval(value["data"]["text/plain"]))
            except (KeyError, ValueError, SyntaxError):
                return None
