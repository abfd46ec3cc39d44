"""SandboxExecutor and GuardedClient: settings, timeouts, the template fallback, and the
nbclient API the client is built on."""

from __future__ import annotations

import inspect
import pickle
import re
import resource
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course.grading.autograde import grade_submission
from course.grading.execution import SandboxExecutor, SandboxSettings
from course.release import generate_assignment
from course.sandbox import MIB, GiB, Limits
from course.workspace import Workspace

LIMITS = Limits(cpu_seconds=120, memory_bytes=2 * GiB, processes=64, file_bytes=8 * MIB)


def test_executor_pickles_without_its_sandbox():
    executor = SandboxExecutor(SandboxSettings(cell_timeout=7, limits=LIMITS))
    assert executor.sandbox.limits == LIMITS
    copy = pickle.loads(pickle.dumps(executor))
    assert copy.settings == executor.settings and "sandbox" not in copy.__dict__
    assert resource.RLIMIT_AS  # the module the launcher uses exists here


def test_executor_settings_must_be_sandbox_settings():
    with pytest.raises(TypeError, match="The 'settings' parameter of SandboxExecutor must be"):
        SandboxExecutor({"sandbox": False})


@pytest.mark.slow
def test_a_cell_past_its_time_limit_ends_with_status_timeout(tmp_path, ps1):
    """The executor's limits without the sandbox (``--no-sandbox``): the slow cell is
    interrupted, the test of that function fails, the status says timeout, and the other cells
    still count."""
    workspace = Workspace(tmp_path / "workspace")
    generate_assignment("ps1", workspace)
    slow = nbformat.read(ps1.master, as_version=4)
    for cell in slow.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "conv_multiplications":
            cell.source = "import time\ntime.sleep(60)\n" + cell.source
    (tmp_path / "slow").mkdir()
    nbformat.write(slow, tmp_path / "slow" / ps1.notebook_name)
    executor = SandboxExecutor(SandboxSettings(sandbox=False, cell_timeout=10,
                                               submission_timeout=300))
    outcome = grade_submission("ps1", "slow", tmp_path / "slow" / ps1.notebook_name,
                               workspace, executor=executor)
    assert (outcome.status, outcome.score, outcome.max_score) == ("timeout", 12, 13), outcome
    assert outcome.message == ("interrupted after 10 s: cell 24 (conv_multiplications); "
                               "failed: test_conv_multiplications")


@pytest.mark.slow
def test_a_broken_template_falls_back_to_one_sandbox_per_kernel(tmp_path, monkeypatch,
                                                                   full_sandbox):
    from course.sandbox.session import SandboxSession

    executor = SandboxExecutor(SandboxSettings(limits=LIMITS, cell_timeout=30))
    sandbox = executor.sandbox
    if not sandbox.uses_template:
        pytest.skip("no kernel template on this machine")
    original = SandboxSession._template_request

    def broken(self, home):          # a template whose forks cannot start
        argv = original(self, home)
        request = Path(argv[-3])
        request.write_text(request.read_text().replace(str(self.workdir), "/nonexistent"))
        return argv

    monkeypatch.setattr(SandboxSession, "_template_request", broken)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    (tmp_path / "work").mkdir()
    try:
        execution = executor.execute(notebook, workdir=tmp_path / "work",
                                     log_path=tmp_path / "kernel.log")
    finally:
        sandbox.close()
    assert execution.status == "graded", execution.message
    assert notebook.cells[0].outputs[0]["text"] == "42\n"
    assert "kernel template off: a forked kernel did not start" in sandbox.status_line
    assert not sandbox.uses_template


def test_the_nbclient_api_the_client_is_built_on():
    """GuardedClient uses nbclient's public constructor, traits and hooks only; this fails,
    naming what changed, when an nbclient release changes one of them."""
    traits = NotebookClient.class_traits()
    for name in ("timeout", "allow_errors", "interrupt_on_timeout", "error_on_timeout",
                 "raise_on_iopub_timeout", "iopub_timeout", "shutdown_kernel",
                 "on_cell_executed", "kernel_manager_class", "kernel_name", "resources"):
        assert name in traits, f"nbclient.NotebookClient has no trait {name!r} any more"
    assert "immediate" in traits["shutdown_kernel"].values
    signatures = {
        "output": ["self", "outs", "msg", "display_id", "cell_index"],
        "async_start_new_kernel": ["self", "kwargs"],
        "async_start_new_kernel_client": ["self"],
        "create_kernel_manager": ["self"],
        "async_execute_cell": ["self", "cell", "cell_index", "execution_count", "store_history"],
        "async_wait_for_reply": ["self", "msg_id", "cell"],
    }
    for method, parameters in signatures.items():
        found = list(inspect.signature(getattr(NotebookClient, method)).parameters)
        assert found == parameters, f"NotebookClient.{method}{found} changed"
    assert inspect.isasyncgenfunction(NotebookClient.async_setup_kernel.__wrapped__)


@pytest.mark.slow
def test_only_a_real_timeout_counts_as_one(tmp_path):
    """A cell that runs past its time is interrupted and reported (its error says which cell
    and how long, and keeps where the code was); an error the student names CellTimeoutError
    is the student's own error, not a timeout; the cells after both run."""
    cells = ["class CellTimeoutError(Exception):\n    pass\nraise CellTimeoutError('')",
             "import time\ntime.sleep(60)", "print('after')"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    executor = SandboxExecutor(SandboxSettings(sandbox=False, cell_timeout=3, guard=False))
    (tmp_path / "work").mkdir()
    execution = executor.execute(notebook, workdir=tmp_path / "work",
                                 log_path=tmp_path / "kernel.log")
    assert execution.status == "timeout"
    assert execution.message == "interrupted after 3 s: cell 2"
    assert execution.report["timed_out"] == ["cell 2"]
    own = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    assert [(o.ename, o.evalue) for o in own] == [("CellTimeoutError", "")]
    interrupted = [o for o in notebook.cells[1].outputs if o.output_type == "error"]
    explanation = "your code in cell 2 ran past 3 s and was stopped"
    assert [(o.ename, o.evalue) for o in interrupted] == [("CellTimeout", explanation)]
    assert interrupted[0].traceback[-1] == f"CellTimeout: {explanation}"
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in interrupted[0].traceback]
    assert any("----> 2 time.sleep(60)" in line for line in plain)        # where it was
    assert execution.report["interrupted"] == [explanation]
    assert "KeyboardInterrupt" not in str(notebook.cells[1].outputs)   # no bare interrupt line
    assert notebook.cells[2].outputs[0]["text"] == "after\n"
