"""Fixtures of the grading tests: an executor that runs trusted test notebooks in this
process (no kernel, no sandbox: the quick loop)."""

from __future__ import annotations

import traceback
from pathlib import Path

import nbformat
import pytest

from course.grading.outcome import Execution


class ExecExecutor:
    """Runs the code cells of a *trusted* notebook with ``exec`` in this process, one
    namespace per notebook; a cell that raises gets an error output, as in a kernel."""

    fingerprint = "exec-in-process"

    def execute(self, notebook, *, workdir: Path, log_path: Path) -> Execution:
        """Run every code cell of ``notebook`` in place."""
        from IPython.core.inputtransformer2 import TransformerManager

        namespace: dict = {"__name__": "__main__"}
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            try:
                code = TransformerManager().transform_cell(cell.source)
                exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 - trusted fixtures
            except Exception as error:  # noqa: BLE001 - what a kernel reports
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename=type(error).__name__, evalue=str(error),
                    traceback=traceback.format_exception_only(type(error), error))]
        return Execution("graded")


@pytest.fixture
def exec_executor() -> ExecExecutor:
    """An executor for trusted notebooks that needs no kernel."""
    return ExecExecutor()
