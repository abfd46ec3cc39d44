"""Fixtures of the course's tests: the full sandbox, the ps1 assignment, a scratch course,
submission files."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.sandbox import Sandbox


@pytest.fixture(scope="session")
def full_sandbox() -> None:
    """Skip the test unless bubblewrap can create namespaces here (every layer of the
    sandbox: no network, the filesystem view, a fresh uid when root)."""
    if Sandbox().mode != "bubblewrap":
        pytest.skip("bubblewrap cannot create namespaces here: the test needs the full sandbox")


@dataclass(frozen=True)
class Assignment:
    """An assignment of the project: its id, its notebook's name, the master and the
    committed student version."""

    name: str
    notebook_name: str
    master: Path
    blank: Path


@pytest.fixture(scope="session")
def ps1() -> Assignment:
    """The NumPy assignment ps1 (no TensorFlow: the quickest to grade)."""
    name = "ps1_convolution.ipynb"
    return Assignment("ps1", name, paths.SOLUTIONS / "ps1" / name,
                      paths.ASSIGNMENTS / "ps1" / name)


@pytest.fixture(scope="session")
def empty_notebook() -> Callable[[Path], Path]:
    """Write a valid, empty notebook at a path (its folders made); return the path."""
    def write(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbformat.v4.new_notebook(), path)
        return path
    return write


@pytest.fixture(scope="session")
def zip_folder() -> Callable[..., Path]:
    """Zip a folder's content into an archive, optionally under a wrapping ``prefix``
    folder (as learning-management systems export submissions); return the archive."""
    def write(folder: Path, archive: Path, prefix: str = "") -> Path:
        with zipfile.ZipFile(archive, "w") as zipped:
            for path in sorted(folder.rglob("*")):
                relative = path.relative_to(folder)
                zipped.write(path, Path(prefix) / relative if prefix else relative)
        return archive
    return write


@pytest.fixture
def scratch_course(tmp_path, monkeypatch) -> Path:
    """A project whose solutions/ and assignments/ are empty temporary folders and whose
    .grading/ is not made yet (helpers/ and pyproject.toml stay the checkout's); returns its
    folder."""
    for name, folder in (("SOLUTIONS", "solutions"), ("ASSIGNMENTS", "assignments")):
        (tmp_path / folder).mkdir()
        monkeypatch.setattr(paths, name, tmp_path / folder)
    monkeypatch.setattr(paths, "GRADING", tmp_path / ".grading")
    return tmp_path
