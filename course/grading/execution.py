"""Execute one submission: a sandboxed kernel, timeouts, output caps and the integrity guard.

:class:`SandboxExecutor` is the executor ``course grade`` and ``course check`` hand to
:func:`course.grading.autograde.grade_submission`. For every submission it:

- starts the kernel through a :class:`course.sandbox.Sandbox` session whose only writable
  folder is a fresh copy of the submission's folder *without* notebooks (the notebook being
  graded holds the hidden tests, so the kernel never sees it);
- gives each cell ``cell_timeout`` seconds and the whole notebook ``submission_timeout``; a
  cell that runs past its time is interrupted and scores zero, a kernel that does not stop
  within ``interrupt_grace`` seconds, or a notebook past its time, ends the submission with
  status ``timeout``;
- caps outputs: a cell's output is cut past ``max_output_bytes`` (a note says so), the whole
  notebook's past ``max_total_output_bytes`` (errors, which decide a test's score, are always
  kept); a cell that alone sends more than ``max_total_output_bytes`` is an output flood: it is
  interrupted, and the rest of the notebook runs (a cell that goes on flooding runs into its
  timeout; what it sends is dropped);
- explains every interruption where the student reads it: the interrupted cell's error says
  ``CellTimeout: your code in cell 18 (test_max_pool2d) ran past 120 s and was stopped`` or
  ``OutputFlood: ...`` (the execution's report lists them, ``interrupted``);
- ends the submission with status ``crashed`` when the kernel dies (``sys.exit`` does not kill
  an IPython kernel; ``os._exit``, signals, segfaults, limits do) and names the cause;
- runs the guard of :mod:`course.grading.guard` around instructor cells and tests, makes a
  test that tampered with the checking machinery fail, and removes hidden-test text from
  outputs;
- gives every test cell that did not run an error output, so it scores zero (nbgrader gives
  full marks to a test cell with no output).

The kernel is driven by :class:`GuardedClient`, an nbclient ``NotebookClient`` made afresh for
each run with nbclient's public constructor, traits and hooks.

Example:
    >>> executor = SandboxExecutor(SandboxSettings(cell_timeout=30))
    >>> print(executor.sandbox.status_line)                          # doctest: +SKIP
    sandbox: bubblewrap (no network, ...) + separate uid + rlimits (...)
    >>> executor.execute(notebook, workdir=folder, log_path=log).status   # doctest: +SKIP
    <Status.GRADED: 'graded'>
"""

from __future__ import annotations

import ast
import asyncio
import copy
import dataclasses
import json
import logging
import math
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from queue import Empty
from typing import Any, BinaryIO

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from course.grading.guard import guard_call, guard_source, instructor_imports
from course.grading.integrity import (
    cell_role,
    hidden_test_lines,
    redact_hidden_tests,
    sanitize_test_outputs,
)
from course.grading.outcome import Execution, Status
from course.sandbox import MIB, Limits, Sandbox, SandboxSession
from course.workspace import traitlets_log_level

__all__ = ["GUARD_TIMEOUT", "GuardedClient", "SandboxExecutor", "SandboxSettings"]

GUARD_TIMEOUT = 120.0   # seconds for one guard step (the first one imports the tests' modules)
# The reply nbclient makes for a timed-out cell (its evalue is replaced by a secret token).
_TIMEOUT_ERROR = {"ename": "CellTimeoutError", "evalue": "",
                  "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel "
                                "before timeout"]}
_SIGNALS = {signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed (SIGKILL)",
            signal.SIGXCPU: "CPU time limit exceeded", signal.SIGXFSZ: "file size limit "
            "exceeded", signal.SIGABRT: "aborted", signal.SIGBUS: "bus error",
            signal.SIGTERM: "terminated (SIGTERM)", signal.SIGFPE: "floating-point exception"}


@dataclasses.dataclass(frozen=True)
class SandboxSettings:
    """Everything :class:`SandboxExecutor` needs (picklable: it crosses into workers).

    These are the one set of defaults of ``course grade`` (its options read them).

    Args:
        sandbox: ``False`` runs plain kernels (``course grade --no-sandbox``); the timeouts,
            output caps and the integrity guard stay on.
        limits: the kernel's resource limits.
        cell_timeout: seconds per cell.
        submission_timeout: seconds per notebook.
        interrupt_grace: seconds an interrupted cell has to stop before the submission ends
            (``None``: a third of ``cell_timeout``, between 2 and 5 s).
        max_output_bytes: the output kept of one cell (``course grade --max-output``).
        max_total_output_bytes: the output kept of the whole notebook; a cell that alone
            sends more is interrupted as an output flood (``--max-total-output``).
        guard: run the integrity guard around tests.
        template: fork kernels from a pre-imported template (:mod:`course.sandbox.template`)
            where the sandbox keeps them isolated.
        env: environment variables of the kernel (the profile, log levels, hash seed).

    Example:
        >>> SandboxSettings(cell_timeout=30).grace
        5.0
    """

    sandbox: bool = True
    limits: Limits = dataclasses.field(default_factory=Limits)
    cell_timeout: float = 120.0
    submission_timeout: float = 600.0
    interrupt_grace: float | None = None
    max_output_bytes: int = 1 * MIB
    max_total_output_bytes: int = 32 * MIB
    guard: bool = True
    template: bool = True
    env: Mapping[str, str] = dataclasses.field(default_factory=lambda: {
        "COURSE_PROFILE": "fast", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONHASHSEED": "0"})

    @property
    def grace(self) -> float:
        """Seconds an interrupted cell has to stop (``interrupt_grace``, resolved)."""
        if self.interrupt_grace is not None:
            return self.interrupt_grace
        return min(5.0, max(2.0, self.cell_timeout / 3))


_SANDBOXES: dict[str, Sandbox] = {}


class SandboxExecutor:
    """Runs a submission's notebook with :class:`GuardedClient` in a :class:`Sandbox` (the
    executor of :class:`course.grading.outcome.Executor`'s contract that ``course grade``
    uses).

    Args:
        settings: the sandbox, limits, timeouts and caps (default: :class:`SandboxSettings`).

    Raises:
        TypeError: when ``settings`` is not a :class:`SandboxSettings`.

    Example:
        >>> SandboxExecutor(SandboxSettings(sandbox=False)).sandbox.mode
        'off'
    """

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        if settings is not None and not isinstance(settings, SandboxSettings):
            raise TypeError("The 'settings' parameter of SandboxExecutor must be a "
                            f"SandboxSettings; got {type(settings).__name__}.")
        self.settings = settings or SandboxSettings()

    def __getstate__(self) -> dict:
        return {"settings": self.settings}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["settings"])

    def __repr__(self) -> str:
        return f"SandboxExecutor({self.settings!r})"

    @property
    def fingerprint(self) -> str:
        """The settings, as they count in a stored result's fingerprint."""
        return repr(self.settings)

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox, one per process and settings (a worker process receives a fresh copy
        of the executor with every job; its sandbox, and kernel template, stay)."""
        key = repr(self.settings)
        if key not in _SANDBOXES:
            _SANDBOXES[key] = Sandbox(limits=self.settings.limits, enabled=self.settings.sandbox,
                                      env=self.settings.env)
        return _SANDBOXES[key]

    def execute(self, notebook: Any, *, workdir: Path, log_path: Path) -> Execution:
        """Run the code cells of ``notebook`` in place, in the sandbox.

        Args:
            notebook: the notebook to grade (nbformat 4); its cells get their outputs.
            workdir: the submission's folder; the kernel works in a copy of it without
                notebooks.
            log_path: where the kernel process's own output goes.

        Returns:
            The :class:`~course.grading.outcome.Execution`: ``graded``, ``timeout`` or
            ``crashed``, why, and the report (what the sandbox enforced, what the guard
            restored, which cells timed out, whether the kernel started).
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        sandbox = self.sandbox
        cells, metadata = copy.deepcopy(notebook.cells), copy.deepcopy(notebook.metadata)
        # nbclient logs timeouts and interrupts at ERROR level; the execution reports them.
        with traitlets_log_level(logging.CRITICAL):
            run = self._run(notebook, workdir, log_path, template=self.settings.template)
            if run.template_used and not run.kernel_started:
                # A kernel forked from the template did not start: the template is broken on
                # this machine. Say so, stop using it, and run this submission the plain way.
                sandbox.disable_template(f"a forked kernel did not start ({run.execution.message})")
                notebook.cells[:], notebook.metadata = cells, metadata
                run = self._run(notebook, workdir, log_path, template=False)
        return run.execution

    def _run(self, notebook: Any, source: Path, log_path: Path, *,
             template: bool) -> GuardedClient:
        sandbox = self.sandbox
        # Kernels fork from a template that has imported what the tests import (if the
        # sandbox can keep each of them isolated); their folders must live under its root.
        root = sandbox.work_root(instructor_imports(notebook)) if template else None
        workdir = Path(tempfile.mkdtemp(prefix="course-work-", dir=root))
        started = time.monotonic()
        try:
            _copy_without_notebooks(source, workdir)
            with sandbox.session(workdir, log_file=log_path) as session:
                with open(session.log_file, "ab") as log:
                    client = GuardedClient(notebook, session, self.settings, log=log)
                    client.template_used = root is not None
                    run_sync(client.async_run)()
                log_tail = session.kernel_log()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        client.finish(sandbox, seconds=time.monotonic() - started, log_tail=log_tail)
        return client


class GuardedClient(NotebookClient):
    """nbclient's client for one run of one submission, in one sandbox session.

    Args:
        notebook: the notebook to grade; its cells get their outputs.
        session: the sandbox session whose kernel runs it.
        settings: the timeouts, caps and guard switch.
        log: an open file for the kernel process's own stdout and stderr.

    After :meth:`async_run` and :meth:`finish`, :attr:`execution` holds the result.

    Example:
        >>> with sandbox.session(workdir) as session:                       # doctest: +SKIP
        ...     client = GuardedClient(notebook, session, SandboxSettings())
        ...     run_sync(client.async_run)()
        ...     client.finish(sandbox, seconds=1.0, log_tail="")
        >>> client.execution.status                                         # doctest: +SKIP
        <Status.GRADED: 'graded'>
    """

    def __init__(self, notebook: Any, session: SandboxSession, settings: SandboxSettings, *,
                 log: BinaryIO | None = None) -> None:
        # A timed-out cell's reply is made from ``error_on_timeout``; this token, which the
        # kernel never sees, tells it from an error a student raises under the same name.
        self._timeout_token = secrets.token_hex(8)
        self.cell_timeout = max(1, math.ceil(settings.cell_timeout))
        super().__init__(
            notebook, kernel_manager_class=session.kernel_manager_class,
            kernel_name=session.kernel_name,
            resources={"metadata": {"path": str(session.workdir)}},
            timeout=self.cell_timeout, allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={**_TIMEOUT_ERROR, "evalue": self._timeout_token},
            raise_on_iopub_timeout=True, iopub_timeout=max(1, math.ceil(settings.grace)),
            # The kernel's state is thrown away: it is killed at once, not asked to shut down.
            shutdown_kernel="immediate", on_cell_executed=self._on_cell_executed)
        self.submission_timeout = max(1, math.ceil(settings.submission_timeout))
        self.max_output_bytes = settings.max_output_bytes
        self.max_total_output_bytes = settings.max_total_output_bytes
        self.guard_enabled = settings.guard
        self.template_used = False
        self.kernel_started = False
        self.execution = Execution()
        self._log = log
        self._end: tuple[Status, str] | None = None
        self._timed_out: list[str] = []
        self._flooded: list[str] = []
        self._interrupted: list[str] = []
        self._restored: list[str] = []
        self._tampered: list[str] = []
        self._current_label = ""
        self._kept_bytes = 0
        self._cell_sent = 0
        self._cell_kept = 0
        self._cell_truncated = False
        self._cell_flooded = False
        self._cell_timeout_hit = False
        self._last_reply: dict | None = None
        self._guard_key = "_course_guard_" + secrets.token_hex(6)
        self._hidden = hidden_test_lines(notebook)

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        """Start the kernel with its own stdout/stderr (crash messages) going to the log,
        never to the grader's terminal."""
        if self._log is not None:
            kwargs.setdefault("stdout", self._log)
            kwargs.setdefault("stderr", self._log)
        return await super().async_start_new_kernel(**kwargs)

    # -- the run ------------------------------------------------------------------------------
    async def async_run(self) -> None:
        """Run every code cell under the deadlines, with the guard around tests; what the
        student's code does never raises here, it ends the run with a status."""
        deadline = time.monotonic() + self.submission_timeout
        try:
            # Started before async_setup_kernel, which then only owns the running kernel: a
            # kernel that fails to start leaves no clean-up registered for the grader's exit.
            self.km = self.create_kernel_manager()
            await self.async_start_new_kernel()
            await self.async_start_new_kernel_client()
            async with self.async_setup_kernel():
                self.kernel_started = True
                reply = await self.async_wait_for_reply(
                    await ensure_async(self.kc.kernel_info()))
                if reply is not None and "language_info" in reply["content"]:
                    self.nb.metadata["language_info"] = reply["content"]["language_info"]
                if self.guard_enabled and not await self._install_guard():
                    self._end = (Status.CRASHED, "the grader's guard could not start in the kernel")
                for index, cell in enumerate(self.nb.cells):
                    if self._end is not None:
                        self._mark_not_run(cell)
                        continue
                    await self._run_cell(cell, index, deadline)
                self.set_widgets_metadata()
        except DeadKernelError:
            self._end = self._end or (Status.CRASHED, f"the kernel died ({self._death_reason()})")
        except RuntimeError as error:  # the kernel did not start
            self._end = self._end or (Status.CRASHED, f"the kernel did not start ({error})")
            self.kernel_started = self.kernel_started and self.kc is not None
        if self._end is not None:
            for cell in self.nb.cells:
                if cell_role(cell) == "test" and cell.cell_type == "code" and not any(
                        o.output_type == "error" for o in cell.get("outputs", [])):
                    self._mark_not_run(cell)

    async def _run_cell(self, cell, index: int, deadline: float) -> None:
        if cell.cell_type != "code" or not cell.source.strip():
            return
        label = _label(cell, index)
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            self._end = (Status.TIMEOUT, f"the notebook ran past its {self.submission_timeout} s")
            self._mark_not_run(cell)
            return
        self.timeout = max(1, math.ceil(min(self.cell_timeout, remaining)))
        role = cell_role(cell)
        self._current_label = label
        self._cell_sent, self._cell_kept, self._cell_truncated = 0, 0, False
        self._last_reply, self._cell_timeout_hit, self._cell_flooded = None, False, False
        if self.guard_enabled and role in ("locked", "master"):
            await self._guard("before_master")
        if self.guard_enabled and role == "test":
            restored = await self._guard("before_test")
            if restored is None:
                cell.outputs = [_not_run("the grader's guard did not answer")]
                self._tampered.append(f"{label}: guard did not answer")
                return
            self._restored += [name for name in restored if name not in self._restored]
        started = time.monotonic()
        try:
            await self.async_execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            self._end = (Status.CRASHED, (f"the kernel died ({self._death_reason()}) while "
                                          f"running {label}"))
            self._mark_not_run(cell)
            return
        except CellTimeoutError:
            # The kernel answered in time but the rest of its flood was still arriving (it is
            # dropped): go on. Otherwise it did not answer even when interrupted: stop here.
            if not self._cell_flooded or time.monotonic() - started >= self.timeout:
                self._end = (Status.TIMEOUT, (f"{label} ran past {self.timeout} s and did not "
                                              "stop when interrupted"))
                self._mark_not_run(cell)
                return
        if self._cell_timeout_hit:
            if time.monotonic() >= deadline - 1:
                self._end = (Status.TIMEOUT, (f"the notebook ran past its "
                                              f"{self.submission_timeout} s (in {label})"))
            self._timed_out.append(label)
            self._explain(cell, "CellTimeout", f"your code in {label} ran past {self.timeout} s "
                                               "and was stopped")
        elif self._cell_flooded:
            self._flooded.append(label)
            self._explain(cell, "OutputFlood", (
                f"{label} printed more than {_size(self.max_total_output_bytes)} and was "
                f"stopped; its output is cut at {_size(self.max_output_bytes)}"))
        if self.guard_enabled and role == "test":
            changed = await self._guard("after_test")
            if changed is None or changed:
                what = "guard did not answer" if changed is None else ", ".join(changed[:5])
                self._tampered.append(f"{label}: {what}")
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="IntegrityError",
                    evalue=f"the checking functions were changed while the test ran ({what})",
                    traceback=[f"IntegrityError: changed while the test ran: {what}"]))
        if self.guard_enabled and role in ("locked", "master"):
            await self._guard("after_master")
        if role == "test":
            status = (self._last_reply or {}).get("content", {}).get("status")
            sanitize_test_outputs(cell, status)
        redact_hidden_tests(cell, self._hidden)

    def _explain(self, cell, name: str, explanation: str) -> None:
        """Give an interrupted cell one error that says why (its traceback, where the code
        was, kept), in place of the kernel's bare ``KeyboardInterrupt``."""
        self._interrupted.append(explanation)
        if cell.cell_type != "code":
            return
        interrupts = [o for o in cell.outputs
                      if o.output_type == "error" and o.get("ename") == "KeyboardInterrupt"]
        where = [line.replace("KeyboardInterrupt", name)
                 for line in (interrupts[-1].get("traceback", [])[:-1] if interrupts else [])]
        cell.outputs = [o for o in cell.outputs if not any(o is i for i in interrupts)] + [
            nbformat.v4.new_output("error", ename=name, evalue=explanation,
                                   traceback=[*where, f"{name}: {explanation}"])]

    def _mark_not_run(self, cell) -> None:
        if cell.cell_type != "code":
            return
        reason = self._end[1] if self._end else "not run"
        if cell_role(cell) == "test":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if o.output_type != "execute_result"] + [_not_run(reason)]

    # -- nbclient's hooks -------------------------------------------------------------------
    def _on_cell_executed(self, *, cell, cell_index: int, execute_reply: dict) -> None:
        """Remember the reply; a failed cell whose error is not among its outputs (a timeout)
        gets it as an output, so that it scores zero."""
        self._last_reply = execute_reply
        content = (execute_reply or {}).get("content", {})
        if content.get("status") != "error":
            return
        if (content.get("ename") == _TIMEOUT_ERROR["ename"]
                and content.get("evalue") == self._timeout_token):
            self._cell_timeout_hit = True       # _run_cell explains it
            return
        if not any(output.output_type == "error" and output.ename == content.get("ename")
                   for output in cell.outputs):
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=content.get("ename", ""), evalue=content.get("evalue", ""),
                traceback=content.get("traceback") or [
                    "ERROR: An error occurred while showtraceback was disabled"]))

    def output(self, outs, msg, display_id, cell_index):
        """Record one output message, within the caps (nbclient calls it for every one)."""
        size = _output_size(msg)
        self._cell_sent += size
        if self._cell_sent > self.max_total_output_bytes and not self._cell_flooded:
            self._cell_flooded = True
            asyncio.ensure_future(self._interrupt_kernel())
        if msg.get("msg_type") == "error":      # an error decides a test's score: always kept
            return super().output(outs, msg, display_id, cell_index)
        room = min(self.max_output_bytes - self._cell_kept,
                   self.max_total_output_bytes - self._kept_bytes)
        if size <= room:
            self._cell_kept += size
            self._kept_bytes += size
            return super().output(outs, msg, display_id, cell_index)
        if self._cell_truncated:
            return None
        self._cell_truncated = True
        why = (f"{self._current_label or 'this cell'} printed more than "
               f"{_size(self.max_output_bytes)}"
               if room == self.max_output_bytes - self._cell_kept else
               f"the notebook's output passed {_size(self.max_total_output_bytes)}")
        if msg.get("msg_type") == "stream" and room > 0:      # keep the beginning of the text
            content = {**msg["content"], "text": msg["content"].get("text", "")[:room]}
            super().output(outs, {**msg, "content": content}, display_id, cell_index)
            self._cell_kept += room
            self._kept_bytes += room
        outs.append(nbformat.v4.new_output("stream", name="stdout",
                                           text=f"\n[output cut: {why}]\n"))
        return None

    async def _interrupt_kernel(self) -> None:
        if self.km is not None:
            await ensure_async(self.km.interrupt_kernel())

    # -- the guard's channel ------------------------------------------------------------------
    # The guard is installed and called with *silent* execute requests: no execution count,
    # no history, no output in the notebook; the answer comes back through
    # ``user_expressions``, tagged with a fresh token so that a student's code cannot forge it.
    async def _install_guard(self) -> bool:
        code = guard_source(self._guard_key, instructor_imports(self.nb))
        report = await self._silent(code, {"report": f"__import__('sys').modules"
                                                     f"[{self._guard_key!r}].report"})
        return report is not None and report.startswith("installed|")

    async def _guard(self, step: str) -> list[str] | None:
        """Run one guard step; the names it restored or found changed, ``None`` if the guard
        did not answer (it was disabled)."""
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
        deadline = time.monotonic() + GUARD_TIMEOUT
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

    # -- the result ---------------------------------------------------------------------------
    def _death_reason(self) -> str:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "no exit status"
        number = -code if code < 0 else code - 128 if code > 128 else 0
        if number:
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            return f"{name}: {_SIGNALS.get(number, 'killed by a signal')}"
        return f"exit code {code}"

    def finish(self, sandbox: Sandbox, *, seconds: float, log_tail: str) -> Execution:
        """Set and return :attr:`execution`: the status, the message and the report.

        Args:
            sandbox: the sandbox the run used (its layers go into the report).
            seconds: how long the run took.
            log_tail: the end of the kernel's own log (a crash names its last line).
        """
        status, reason = self._end or ((Status.TIMEOUT if self._timed_out else Status.GRADED), "")
        if status is Status.CRASHED and log_tail.strip():
            last = log_tail.strip().splitlines()[-1][:160]
            if last and last not in reason:
                reason = f"{reason}; kernel log: {last}"
        parts = [reason] if reason else []
        if self._timed_out and not reason:
            parts.append(f"interrupted after {self.cell_timeout} s: " + ", ".join(self._timed_out))
        if self._flooded:
            parts.append(f"output flood (more than {_size(self.max_total_output_bytes)}), "
                         f"stopped and cut: " + ", ".join(self._flooded))
        if self._tampered:
            parts.append("tests failed for tampering: " + "; ".join(self._tampered[:3]))
        if self._restored:
            parts.append("restored before tests: " + ", ".join(self._restored[:6])
                         + (" ..." if len(self._restored) > 6 else ""))
        report = {"restored": self._restored, "tampered": self._tampered,
                  "timed_out": self._timed_out, "flooded": self._flooded,
                  "interrupted": self._interrupted, "stopped": reason,
                  "kernel_started": self.kernel_started,
                  "sandbox": sandbox.status_line, "enforced": list(sandbox.enforced),
                  "seconds": round(seconds, 3)}
        self.execution = Execution(status, "; ".join(parts), report)
        return self.execution


def _size(count: int) -> str:
    """A byte count for a person: ``32 MiB``, ``512 KiB``."""
    if count >= MIB and count % (MIB // 4) == 0:
        return f"{count / MIB:g} MiB"
    return f"{count // 1024} KiB" if count % 1024 == 0 else f"{count} bytes"


def _output_size(msg: dict) -> int:
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    if msg.get("msg_type") == "error":
        return sum(len(line) for line in content.get("traceback", [])) + len(
            content.get("evalue", ""))
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v))
               for v in content.get("data", {}).values())


def _not_run(reason: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename="NotRun", evalue=reason,
                                  traceback=[f"NotRun: {reason}"])


def _label(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1}" + (f" ({grade_id})" if grade_id else "")


def _copy_without_notebooks(source: Path, target: Path) -> None:
    """The submission's folder minus notebooks (they hold the hidden tests) and checkpoints."""
    if not source.is_dir():
        return
    ignore = shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__")
    for entry in source.iterdir():
        if ignore(str(source), [entry.name]):
            continue
        destination = target / entry.name
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, destination, ignore=ignore, symlinks=True)
        elif entry.is_file() and not entry.is_symlink():
            shutil.copy2(entry, destination)
