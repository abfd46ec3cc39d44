"""``course release``: regenerate the student versions in ``assignments/`` from ``solutions/``.

For each assignment: snapshot ``solutions/<id>/`` into the workspace's ``source/<id>/``, make
its Colab badge and setup cell the ones ``course.colab`` builds from ``pyproject.toml``, run
nbgrader's ``generate_assignment`` (which also records the assignment in the gradebook), then
copy the result into ``assignments/<id>/`` deterministically: no outputs, no execution counts,
no timestamps, stable cell ids and key order, so releasing twice gives identical bytes. The
copy replaces the folder atomically (a temporary folder, then ``os.replace``).

Example:
    >>> from course.release import release_assignment
    >>> release_assignment("ps1")          # doctest: +SKIP
    PosixPath('.../assignments/ps1/ps1_convolution.ipynb')
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from pathlib import Path

from course import colab, paths
from course.workspace import Workspace, quiet_nbgrader, resolve_assignments

__all__ = [
    "ReleaseError",
    "add_arguments",
    "generate_assignment",
    "normalise_notebook",
    "release_assignment",
    "release_command",
]

BADGE_PATTERN = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
# Notebook-level metadata kept in the student version (the rest is editor state).
KEPT_METADATA = ("kernelspec", "language_info")
# Cell-level metadata kept (nbgrader's, and the lock flags nbgrader sets).
KEPT_CELL_METADATA = ("nbgrader", "deletable", "editable")


class ReleaseError(RuntimeError):
    """nbgrader could not generate the student version (the message says why).

    Example:
        >>> raise ReleaseError("nbgrader generate_assignment failed for ps1: ...")  # doctest: +SKIP
    """


def _release_path(assignment: str, notebook_name: str) -> str:
    return f"{paths.ASSIGNMENTS.name}/{assignment}/{notebook_name}"


def expected_badge(assignment: str, notebook_name: str) -> str:
    """The badge line of an assignment: it opens the student version in Colab.

    Args:
        assignment: the assignment id.
        notebook_name: the notebook's file name.

    Example:
        >>> expected_badge("ps1", "ps1_convolution.ipynb")       # doctest: +SKIP
        '[![Open In Colab](...)](https://colab.research.google.com/github/.../ps1/...)'
    """
    return colab.badge_markdown(_release_path(assignment, notebook_name))


def expected_setup(source: str) -> str:
    """The setup cell ``course.colab`` builds, calling ``helpers.setup()`` when ``source``
    (the master's setup cell) does.

    Args:
        source: the master's setup cell.
    """
    return colab.setup_cell_source(call_setup="helpers.setup()" in source)


def apply_colab_cells(notebook, assignment: str, notebook_name: str) -> None:
    """Make the badge (first cell) and the setup cell (second) the configured ones.

    Args:
        notebook: the master notebook (changed in place).
        assignment: the assignment id.
        notebook_name: the notebook's file name.

    Raises:
        ReleaseError: when the first cell has no badge or the second is no setup cell.
    """
    first, second = notebook.cells[0], notebook.cells[1]
    if not BADGE_PATTERN.search(first.source):
        raise ReleaseError(f"The first cell of {assignment}/{notebook_name} has no "
                           "'Open In Colab' badge; add one (see course.colab.badge_markdown).")
    badge = expected_badge(assignment, notebook_name)
    first.source = BADGE_PATTERN.sub(lambda _: badge, first.source)
    if second.cell_type != "code" or "import helpers" not in second.source:
        raise ReleaseError(f"The second cell of {assignment}/{notebook_name} must be the setup "
                           "cell (see course.colab.setup_cell_source).")
    second.source = expected_setup(second.source)


def generate_assignment(assignment: str, workspace: Workspace, *,
                        solutions: Path | None = None) -> Path:
    """Run nbgrader's ``generate_assignment`` for one assignment inside ``workspace``.

    It also records the assignment (its notebook, its test cells and points) in the
    workspace's gradebook, which grading needs.

    Args:
        assignment: the assignment id.
        workspace: the nbgrader workspace.
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        The released notebook inside the workspace (``release/<id>/<notebook>``).

    Raises:
        ReleaseError: when nbgrader fails (malformed markers or metadata in the master).
    """
    import nbformat
    from nbgrader.converters import GenerateAssignment
    from nbgrader.utils import capture_log

    with workspace.gradebook_lock(), quiet_nbgrader():
        source = workspace.copy_source(assignment, solutions=solutions)
        for path in source.glob("*.ipynb"):
            notebook = nbformat.read(path, as_version=4)
            apply_colab_cells(notebook, assignment, path.name)
            nbformat.write(notebook, path)
        release = workspace.release(assignment)
        if release.exists():
            shutil.rmtree(release)
        converter = GenerateAssignment(coursedir=workspace.coursedir(assignment=assignment),
                                       config=workspace.coursedir().config)
        converter.force = True
        result = capture_log(converter)
    if not result["success"]:
        # the cause is the last line of the traceback nbgrader logged
        lines = [line.strip() for line in result.get("log", "").splitlines() if line.strip()]
        cause = next((line for line in reversed(lines) if not line.startswith("[")),
                     result.get("error", "unknown error").strip().splitlines()[-1])
        raise ReleaseError(f"nbgrader generate_assignment failed for {assignment}: {cause}")
    (notebook,) = release.glob("*.ipynb")
    return notebook


def normalise_notebook(notebook) -> str:
    """The deterministic text of a released notebook: no outputs, no execution counts,
    only the kept metadata, nbformat's sorted keys, one trailing newline.

    Args:
        notebook: the released notebook (changed in place).

    Returns:
        The text to write (releasing twice gives identical bytes).
    """
    import nbformat

    notebook.metadata = {key: notebook.metadata[key] for key in KEPT_METADATA
                         if key in notebook.metadata}
    if "language_info" in notebook.metadata:
        notebook.metadata["language_info"] = {"name": notebook.metadata["language_info"]["name"]}
    for cell in notebook.cells:
        cell.metadata = {key: cell.metadata[key] for key in KEPT_CELL_METADATA
                         if key in cell.metadata}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def _replace_folder(folder: Path, files: dict[str, str]) -> None:
    """Write ``files`` into a fresh temporary folder, then swap it in for ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    for name, text in files.items():
        (staging / name).write_text(text, encoding="utf-8")
        os.chmod(staging / name, 0o644)
    os.chmod(staging, 0o755)
    old = folder.with_name(f".{folder.name}.old.{os.getpid()}")
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    if old.exists():
        shutil.rmtree(old)


def release_assignment(assignment: str, *, workspace: Workspace | None = None,
                       solutions: Path | None = None, out: Path | None = None) -> Path:
    """Regenerate ``out/<assignment>/`` (default ``assignments/``) from the master notebook.

    Args:
        assignment: the assignment id (a folder of ``solutions/``).
        workspace: the nbgrader workspace (default ``.grading/``).
        solutions: the folder of master notebooks (default ``solutions/``).
        out: the folder of student versions (default ``assignments/``).

    Returns:
        The student notebook written.

    Raises:
        ReleaseError: when nbgrader cannot generate the student version.
    """
    import nbformat

    workspace = workspace or Workspace.default()
    released = generate_assignment(assignment, workspace, solutions=solutions)
    files = {released.name: normalise_notebook(nbformat.read(released, as_version=4))}
    for extra in sorted(released.parent.rglob("*")):
        if extra.is_file() and extra.suffix != ".ipynb":
            files[extra.relative_to(released.parent).as_posix()] = extra.read_text("utf-8")
    target = (out or paths.ASSIGNMENTS) / assignment
    _replace_folder(target, files)
    return target / released.name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course release``."""
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="assignment ids (default: all folders of solutions/)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder of student versions (default: assignments/)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="nbgrader workspace (default: .grading/)")


def release_command(args: argparse.Namespace) -> int:
    """``course release``: print one line per assignment; 1 when any release failed."""
    names = resolve_assignments(args.assignments, command="course release")
    workspace = Workspace(args.workspace) if args.workspace else Workspace.default()
    failed = 0
    for name in names:
        try:
            written = release_assignment(name, workspace=workspace, out=args.out)
        except ReleaseError as error:
            print(f"FAILED {name}: {error}")
            failed += 1
        else:
            shown = written.relative_to(paths.ROOT) if written.is_relative_to(paths.ROOT) else written
            print(f"released {name} -> {shown}")
    return 1 if failed else 0
