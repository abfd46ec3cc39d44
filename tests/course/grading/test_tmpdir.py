"""A TMPDIR too long for the kernels' Unix sockets: refused up front with the fix; at the
longest allowed length a sandboxed kernel starts, one byte more and it cannot."""

from __future__ import annotations

import gc
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from course.cli import main
from course.grading.execution import SandboxExecutor, SandboxSettings
from course.grading.tmpdir import LONGEST_SOCKET, SOCKET_PATH_LIMIT

ALLOWED = SOCKET_PATH_LIMIT - len(LONGEST_SOCKET)


@pytest.fixture
def folder_of_length():
    """Make a folder whose path has exactly the given number of bytes (under /tmp)."""
    base = Path(tempfile.mkdtemp(prefix="ct-", dir="/tmp"))

    def make(length: int) -> Path:
        folder = base / ("d" * (length - len(str(base)) - 1))
        folder.mkdir()
        assert len(str(folder)) == length
        return folder

    yield make
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("command", [["grade", "ps1", "subs", "--out", "out"], ["check", "ps1"]])
def test_a_long_tmpdir_is_refused_with_the_fix(command, folder_of_length, monkeypatch, capsys,
                                                tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(folder_of_length(ALLOWED + 1)))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "subs").mkdir()
    assert main(command) == 2
    err = capsys.readouterr().err
    assert f"is {ALLOWED + 1} bytes long; the kernels' sockets inside it need it at most " \
           f"{ALLOWED} bytes long" in err and "Set TMPDIR to a shorter folder" in err
    assert not (tmp_path / "out").exists()


def _run_one_cell(folder: Path, timeout: float) -> str:
    """The status of a one-cell notebook run by a fresh sandbox with ``folder`` as TMPDIR."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    original = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        work = folder / "work"
        work.mkdir()
        # a timeout of its own: a fresh sandbox (and kernel template) for this TMPDIR
        executor = SandboxExecutor(SandboxSettings(cell_timeout=timeout, guard=False))
        execution = executor.execute(notebook, workdir=work, log_path=folder / "kernel.log")
        executor.sandbox.close()
    finally:
        tempfile.tempdir = original
    return f"{execution.status.value} {execution.message}"


@pytest.mark.slow
def test_the_limit_is_the_sockets_own(folder_of_length):
    import zmq

    assert _run_one_cell(folder_of_length(ALLOWED), 61).startswith("graded")
    with pytest.raises(zmq.ZMQError, match="File name too long"):
        _run_one_cell(folder_of_length(ALLOWED + 1), 62)
    # The kernel that could not start leaves its ZeroMQ context open; closed here, before the
    # garbage collector finds it and waits for sockets nothing can close any more.
    for context in [item for item in gc.get_objects() if isinstance(item, zmq.Context)
                    and item is not zmq.Context._instance and not item.closed]:
        context.destroy(linger=0)
