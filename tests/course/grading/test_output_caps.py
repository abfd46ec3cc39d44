"""Output caps: a cell that floods is stopped and cut, and the rest of the notebook runs; the
interrupted cell says why (plain kernels, small caps, so each test takes seconds)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course.grading.execution import SandboxExecutor, SandboxSettings
from course.sandbox import MIB

pytestmark = pytest.mark.slow      # each test starts a kernel

FLOOD = "for _ in range(100):\n    print('x' * 2**20)"      # 100 MiB, in 1 MiB lines


def _run(tmp_path: Path, cells: list[str], **caps):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    (tmp_path / "work").mkdir()
    settings = SandboxSettings(sandbox=False, guard=False, cell_timeout=20, **caps)
    execution = SandboxExecutor(settings).execute(notebook, workdir=tmp_path / "work",
                                                  log_path=tmp_path / "kernel.log")
    return execution, notebook


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_a_flood_stops_that_cell_and_the_rest_runs(tmp_path):
    execution, notebook = _run(tmp_path, [FLOOD, "x = 41", "print(x + 1)"],
                               max_output_bytes=64 * 1024, max_total_output_bytes=2 * MIB)
    explanation = ("cell 1 printed more than 2 MiB and was stopped; its output is cut at "
                   "64 KiB")
    assert execution.status == "graded"
    assert execution.report["flooded"] == ["cell 1"]
    assert execution.report["interrupted"] == [explanation]
    assert execution.message == "output flood (more than 2 MiB), stopped and cut: cell 1"
    flood = notebook.cells[0]
    assert _text(flood) == "x" * 64 * 1024 + "\n[output cut: cell 1 printed more than 64 KiB]\n"
    errors = [(o.ename, o.evalue) for o in flood.outputs if o.output_type == "error"]
    assert errors == [("OutputFlood", explanation)]
    assert "KeyboardInterrupt" not in str(flood.outputs)
    assert _text(notebook.cells[2]) == "42\n"


def test_output_past_the_notebook_cap_is_cut_but_errors_are_kept(tmp_path):
    cells = ["print('a' * 3000)", "print('b' * 3000)", "raise ValueError('kept')"]
    execution, notebook = _run(tmp_path, cells, max_output_bytes=4000,
                               max_total_output_bytes=5000)
    assert execution.status == "graded" and execution.report["flooded"] == []
    assert _text(notebook.cells[0]) == "a" * 3000 + "\n"
    assert _text(notebook.cells[1]) == ("b" * 1999 + "\n[output cut: the notebook's output "
                                        "passed 5000 bytes]\n")
    assert [o.evalue for o in notebook.cells[2].outputs] == ["kept"]
