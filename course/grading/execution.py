"""Execute one submission for nbgrader: sandboxed kernel, timeouts, output caps, guard.

:class:`GuardedExecute` replaces nbgrader's ``Execute`` step in ``Autograde`` (it is one, so
nbgrader's scoring is unchanged). For every submission it:

- starts the kernel through a :class:`course.sandbox.Sandbox` session whose only writable
  folder is a fresh copy of the submission's folder *without* notebooks (the notebook being
  graded holds the hidden tests, so the kernel never sees it);
- gives each cell ``cell_timeout`` seconds and the whole notebook ``submission_timeout``; a
  cell that runs past its time is interrupted and scores zero, a kernel that does not stop
  within ``interrupt_grace`` seconds, or a notebook past its time, ends the submission with
  status ``timeout``;
- caps outputs: one output above ``max_output_bytes`` is replaced by a note, a cell stops
  recording past that size, and a submission that sends more than ``max_total_output_bytes``
  in all is ended (status ``crashed``, "output flood");
- ends the submission with status ``crashed`` when the kernel dies (``sys.exit`` does not kill
  an IPython kernel; ``os._exit``, signals, segfaults, limits do) and names the cause;
- runs the guard of :mod:`course.grading.integrity` around instructor cells and tests, makes a test
  that tampered with the checking machinery fail, and removes hidden-test text from outputs;
- gives every test cell that did not run an error output, so it scores zero (nbgrader gives
  full marks to a test cell with no output).

The outcome is in :attr:`GuardedExecute.outcome` and, when ``report_file`` is set, in that JSON
file: ``status`` (graded | timeout | crashed), ``message``, ``repairs``, ``restored``,
``tampered``, ``sandbox`` and ``enforced``.

Example (nbgrader configuration)::

    config.Autograde.autograde_preprocessors = [GuardedExecute, IgnorePattern, ...]
    config.GuardedExecute.sandbox = Sandbox(limits=Limits(memory_bytes=2 * GiB))
    config.GuardedExecute.cell_timeout = 30
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import os
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Instance, Integer, Unicode

from course.grading.guard_channel import GuardChannel
from course.grading.integrity import (
    REPAIRS_KEY,
    cell_role,
    hidden_test_lines,
    redact_hidden_tests,
    sanitize_test_outputs,
)
from course.sandbox import MIB, Sandbox

__all__ = ["GuardedExecute"]

_SIGNALS = {signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed (SIGKILL)",
            signal.SIGXCPU: "CPU time limit exceeded", signal.SIGXFSZ: "file size limit "
            "exceeded", signal.SIGABRT: "aborted", signal.SIGBUS: "bus error",
            signal.SIGTERM: "terminated (SIGTERM)", signal.SIGFPE: "floating-point exception"}


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


class GuardedExecute(GuardChannel, Execute):
    """nbgrader's ``Execute`` with a sandbox, timeouts, output caps and the integrity guard."""

    sandbox = Instance(Sandbox, allow_none=True,
                       help="The sandbox; None means Sandbox() with default limits."
                       ).tag(config=True)
    cell_timeout = Integer(60, help="Seconds per cell.").tag(config=True)
    submission_timeout = Integer(600, help="Seconds per notebook.").tag(config=True)
    interrupt_grace = Float(5.0, help="Seconds an interrupted cell has to stop."
                            ).tag(config=True)
    guard_timeout = Float(120.0, help="Seconds for one guard step (the first one imports "
                          "the tests' modules).").tag(config=True)
    max_output_bytes = Integer(1 * MIB, help="Largest recorded output of one cell."
                               ).tag(config=True)
    max_total_output_bytes = Integer(32 * MIB, help="Output a whole submission may send "
                                     "before it is stopped.").tag(config=True)
    guard = Bool(True, help="Run the integrity guard around tests.").tag(config=True)
    template = Bool(True, help="Fork kernels from a pre-imported template when the sandbox "
                    "keeps them isolated (see course.sandbox.template).").tag(config=True)
    report_file = Unicode("", help="Write the outcome as JSON here.").tag(config=True)
    workdir_root = Unicode("", help="Where the kernels' working folders are made."
                           ).tag(config=True)
    kernel_log = Unicode("", help="File for the kernel process's own stdout/stderr "
                         "(default: a temporary file).").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.outcome: dict = {}
        self._session = None
        self._log_handle = None
        self._template_used = False
        self._kernel_started = False

    # -- nbgrader entry point -----------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        sandbox = self.sandbox if self.sandbox is not None else Sandbox()
        cells, metadata = copy.deepcopy(nb.cells), copy.deepcopy(nb.metadata)
        self._run(sandbox, nb, resources, km, template=self.template)
        if self._template_used and not self._kernel_started:
            # A kernel forked from the template did not start: the template is broken on
            # this machine. Say so, stop using it, and run this submission the plain way.
            sandbox.disable_template(f"a forked kernel did not start ({self._end[1]})")
            nb.cells[:], nb.metadata = cells, metadata
            self._run(sandbox, nb, resources, km, template=False)
        return self.nb, self.resources

    def _run(self, sandbox: Sandbox, nb, resources, km, *, template: bool) -> None:
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        # The kernel's state is thrown away: killing it is immediate (a polite shutdown
        # request costs a second or two per submission).
        self.shutdown_kernel = "immediate"
        self.interrupt_on_timeout = True
        self.raise_on_iopub_timeout = True
        self.iopub_timeout = max(1, math.ceil(self.interrupt_grace))
        source_dir = Path((self.resources or {}).get("metadata", {}).get("path") or ".")
        repairs = list(self.nb.metadata.pop(REPAIRS_KEY, []) or [])
        self._start_state(repairs)
        started = time.monotonic()
        # Kernels fork from a template that has imported what the tests import (if the
        # sandbox can keep each of them isolated); their folders must live under its root.
        root = sandbox.work_root(self._preload()) if template else None
        self._template_used = root is not None
        workdir = Path(tempfile.mkdtemp(prefix="course-work-",
                                        dir=root or self.workdir_root or None))
        try:
            _copy_without_notebooks(source_dir, workdir)
            with sandbox.session(workdir, log_file=self.kernel_log or None) as session:
                self._session = session
                self.kernel_manager_class = session.kernel_manager_class
                self.kernel_name = session.kernel_name
                self.resources.setdefault("metadata", {})["path"] = str(workdir)
                try:
                    with open(session.log_file, "ab") as self._log_handle:
                        run_sync(self._async_run)()
                finally:
                    self._log_handle = None
                log_tail = session.kernel_log()
        finally:
            self._session = None
            self.resources.setdefault("metadata", {})["path"] = str(source_dir)
            shutil.rmtree(workdir, ignore_errors=True)
        if self._end and self._end[0] == "crashed" and log_tail.strip():
            last = log_tail.strip().splitlines()[-1][:160]
            if last and last not in self._end[1]:
                self._end = (self._end[0], f"{self._end[1]}; kernel log: {last}")
        self._finish(sandbox, time.monotonic() - started)

    async def async_start_new_kernel(self, **kwargs):
        # The kernel process's own stdout/stderr (crash messages) go to the log, never to
        # the grader's terminal.
        if self._log_handle is not None:
            kwargs.setdefault("stdout", self._log_handle)
            kwargs.setdefault("stderr", self._log_handle)
        return await super().async_start_new_kernel(**kwargs)

    # -- the run ------------------------------------------------------------------------------
    def _start_state(self, repairs: list[str]) -> None:
        self._end: tuple[str, str] | None = None
        self._kernel_started = False
        self._timed_out: list[str] = []
        self._restored: list[str] = []
        self._tampered: list[str] = []
        self._repairs = repairs
        self._flood: str | bool = False
        self._current_label = ""
        self._total_bytes = 0
        self._cell_bytes = 0
        self._cell_truncated = False
        self._last_reply: dict | None = None
        self._guard_key = "_course_guard_" + secrets.token_hex(6)
        self._hidden = hidden_test_lines(self.nb)

    async def _async_run(self) -> None:
        deadline = time.monotonic() + self.submission_timeout
        self._kernel_started = False
        try:
            async with self.async_setup_kernel():
                self._kernel_started = True
                reply = await self.async_wait_for_reply(
                    await ensure_async(self.kc.kernel_info()))
                if reply is not None and "language_info" in reply["content"]:
                    self.nb.metadata["language_info"] = reply["content"]["language_info"]
                if self.guard and not await self._install_guard():
                    self._end = ("crashed", "the grader's guard could not start in the kernel")
                for index, cell in enumerate(self.nb.cells):
                    if self._end is not None:
                        self._mark_not_run(cell)
                        continue
                    await self._run_cell(cell, index, deadline)
                self.set_widgets_metadata()
        except DeadKernelError:
            self._end = self._end or ("crashed", f"the kernel died ({self._death_reason()})")
        except RuntimeError as error:  # the kernel did not start
            self._end = self._end or ("crashed", f"the kernel did not start ({error})")
            self._kernel_started = self._kernel_started and self.kc is not None
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
            self._end = ("timeout", f"the notebook ran past its {self.submission_timeout} s")
            self._mark_not_run(cell)
            return
        self.timeout = max(1, math.ceil(min(self.cell_timeout, remaining)))
        role = cell_role(cell)
        self._current_label = label
        self._cell_bytes, self._cell_truncated = 0, False
        self._last_reply, self._cell_timeout_hit = None, False
        if self.guard and role in ("locked", "master"):
            await self._guard("before_master")
        if self.guard and role == "test":
            restored = await self._guard("before_test")
            if restored is None:
                cell.outputs = [_not_run("the grader's guard did not answer")]
                self._tampered.append(f"{label}: guard did not answer")
                return
            self._restored += [name for name in restored if name not in self._restored]
        try:
            await self.async_execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            if self._flood:
                self._end = ("crashed", self._flood_message())
            else:
                self._end = ("crashed", (f"the kernel died ({self._death_reason()}) while "
                                         f"running {label}"))
            self._mark_not_run(cell)
            return
        except CellTimeoutError:
            self._end = ("timeout", (f"{label} ran past {self.timeout} s and did not stop "
                                     "when interrupted"))
            self._mark_not_run(cell)
            return
        if self._flood:                 # killed while its last outputs were on their way
            self._end = ("crashed", self._flood_message())
            return
        if self._cell_timeout_hit:
            if time.monotonic() >= deadline - 1:
                self._end = ("timeout", (f"the notebook ran past its "
                                         f"{self.submission_timeout} s (in {label})"))
            self._timed_out.append(label)
        if self.guard and role == "test":
            changed = await self._guard("after_test")
            if changed is None or changed:
                what = "guard did not answer" if changed is None else ", ".join(changed[:5])
                self._tampered.append(f"{label}: {what}")
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="IntegrityError",
                    evalue=f"the checking functions were changed while the test ran ({what})",
                    traceback=[f"IntegrityError: changed while the test ran: {what}"]))
        if self.guard and role in ("locked", "master"):
            await self._guard("after_master")
        if role == "test":
            status = (self._last_reply or {}).get("content", {}).get("status")
            sanitize_test_outputs(cell, status)
        redact_hidden_tests(cell, self._hidden)

    def _flood_message(self) -> str:
        where = self._flood if isinstance(self._flood, str) else "a cell"
        return (f"output flood: more than {self.max_total_output_bytes // MIB} MiB of output "
                f"(in {where}); the kernel was stopped")

    def _mark_not_run(self, cell) -> None:
        if cell.cell_type != "code":
            return
        reason = self._end[1] if self._end else "not run"
        if cell_role(cell) == "test":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if o.output_type != "execute_result"] + [_not_run(reason)]

    # -- nbclient hooks -----------------------------------------------------------------------
    def on_cell_executed(self, **kwargs):
        self._last_reply = kwargs.get("execute_reply")
        return super().on_cell_executed(**kwargs)

    async def _async_handle_timeout(self, timeout, cell=None):
        self._cell_timeout_hit = True
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        size = _output_size(msg)
        self._total_bytes += size
        self._cell_bytes += size
        if self._flood:
            return None
        if self._total_bytes > self.max_total_output_bytes:
            self._flood = self._current_label or True
            asyncio.ensure_future(self._kill_kernel())
            return None
        if self._cell_bytes > self.max_output_bytes:
            if not self._cell_truncated:
                self._cell_truncated = True
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout",
                    text=f"\n[output truncated: more than {self.max_output_bytes // 1024} KiB]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    async def _kill_kernel(self) -> None:
        if self.km is not None:
            await ensure_async(self.km.shutdown_kernel(now=True))

    # -- outcome ------------------------------------------------------------------------------
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

    def _finish(self, sandbox: Sandbox, seconds: float) -> None:
        status, reason = self._end or (("timeout" if self._timed_out else "graded"), "")
        parts = [reason] if reason else []
        if self._timed_out and not reason:
            parts.append(f"interrupted after {self.cell_timeout} s: "
                         + ", ".join(self._timed_out))
        if self._tampered:
            parts.append("tests failed for tampering: " + "; ".join(self._tampered[:3]))
        if self._restored:
            parts.append("restored before tests: " + ", ".join(self._restored[:6])
                         + (" ..." if len(self._restored) > 6 else ""))
        if self._repairs:
            parts.append("repaired: " + "; ".join(self._repairs[:4])
                         + (" ..." if len(self._repairs) > 4 else ""))
        self.outcome = {"status": status, "message": "; ".join(parts),
                        "repairs": self._repairs, "restored": self._restored,
                        "tampered": self._tampered, "timed_out": self._timed_out,
                        "kernel_started": self._kernel_started,
                        "sandbox": sandbox.status_line, "enforced": list(sandbox.enforced),
                        "seconds": round(seconds, 3)}
        if self.report_file:
            path = Path(self.report_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text(json.dumps(self.outcome, indent=1), encoding="utf-8")
            os.replace(temporary, path)


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
