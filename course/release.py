"""``course release``: regenerate the student versions in ``assignments/`` from ``solutions/``.

For each assignment: lint the master (:mod:`course.authoring.lint`: any mistake stops the
release with exit code 2 and one line per mistake), snapshot ``solutions/<id>/`` into the
workspace's ``source/<id>/``, make its Colab badge and setup cell the ones ``course.colab``
builds from ``pyproject.toml``, run nbgrader's ``generate_assignment`` (which also records the
assignment in the gradebook), then copy the result into ``assignments/<id>/``
deterministically: no outputs, no execution counts, no timestamps, stable cell ids and key
order, so releasing twice gives identical bytes. The copy replaces the folder atomically (a
temporary folder, then ``os.replace``).

A workspace whose gradebook holds graded submissions of the assignment is left as it is (the
release runs in a temporary workspace): ``course grade`` records the new master there and
regrades those submissions (:mod:`course.grading.revision`).

Example:
    >>> from course.release import release_assignment
    >>> release_assignment("ps1")          # doctest: +SKIP
    PosixPath('.../assignments/ps1/ps1_convolution.ipynb')
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from course import colab, paths
from course.authoring.lint import (
    BADGE_PATTERN,
    AuthoringError,
    expected_badge,
    lint_assignments,
    require_sound,
)
from course.workspace import Workspace, atomic_write, digest, quiet_nbgrader

__all__ = [
    "ReleaseError",
    "add_arguments",
    "generate_assignment",
    "graded_students",
    "is_recorded",
    "normalise_notebook",
    "release_assignment",
    "release_command",
]

# Notebook-level metadata kept in the student version (the rest is editor state).
KEPT_METADATA = ("kernelspec", "language_info")
# Cell-level metadata kept (nbgrader's, and the lock flags nbgrader sets).
KEPT_CELL_METADATA = ("nbgrader", "deletable", "editable")


class ReleaseError(RuntimeError):
    """nbgrader could not generate the student version (the message says why).

    Example:
        >>> raise ReleaseError("nbgrader generate_assignment failed for ps1: ...")  # doctest: +SKIP
    """


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
        notebook: a master that passed the lint (changed in place).
        assignment: the assignment id.
        notebook_name: the notebook's file name.
    """
    first, second = notebook.cells[0], notebook.cells[1]
    badge = expected_badge(assignment, notebook_name)
    first.source = BADGE_PATTERN.sub(lambda _: badge, first.source)
    second.source = expected_setup(second.source)


def _master_version(assignment: str, solutions: Path | None) -> str:
    """What identifies a version of the master: its files and the project's configuration."""
    return digest((solutions or paths.SOLUTIONS) / assignment, paths.ROOT / "pyproject.toml")


def _stamp(workspace: Workspace, assignment: str) -> Path:
    return workspace.root / "release" / f".{assignment}.sha256"


def is_recorded(assignment: str, workspace: Workspace, *, solutions: Path | None = None) -> bool:
    """Whether ``workspace`` holds this very version of the master (released and recorded).

    Args:
        assignment: the assignment id.
        workspace: the nbgrader workspace.
        solutions: the folder of master notebooks (default ``solutions/``).

    Example:
        >>> is_recorded("ps1", Workspace.default())                # doctest: +SKIP
        True
    """
    stamp = _stamp(workspace, assignment)
    return (any(workspace.release(assignment).glob("*.ipynb")) and workspace.db_path.is_file()
            and stamp.is_file() and stamp.read_text() == _master_version(assignment, solutions))


def graded_students(assignment: str, workspace: Workspace) -> list[str]:
    """The students with a submission of ``assignment`` in the workspace's gradebook.

    Args:
        assignment: the assignment id.
        workspace: the nbgrader workspace.

    Returns:
        Their ids, sorted (none when the gradebook does not exist or lacks the assignment).

    Example:
        >>> graded_students("ps1", Workspace.default())            # doctest: +SKIP
        ['alice', 'bob']
    """
    from nbgrader.api import Gradebook, MissingEntry

    if not workspace.db_path.is_file():
        return []
    with workspace.gradebook_lock(), Gradebook(workspace.db_url) as gradebook:
        try:
            record = gradebook.find_assignment(assignment)
        except MissingEntry:
            return []
        return sorted(submission.student.id for submission in record.submissions)


def generate_assignment(assignment: str, workspace: Workspace, *,
                        solutions: Path | None = None) -> Path:
    """Run nbgrader's ``generate_assignment`` for one assignment inside ``workspace``.

    It also records the assignment (its notebook, its test cells and points) in the
    workspace's gradebook, which grading needs, and stamps the version recorded
    (:func:`is_recorded`).

    Args:
        assignment: the assignment id.
        workspace: the nbgrader workspace.
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        The released notebook inside the workspace (``release/<id>/<notebook>``).

    Raises:
        AuthoringError: when the master breaks a rule of :mod:`course.authoring.lint`.
        ReleaseError: when nbgrader fails anyway.
    """
    import nbformat
    from nbgrader.converters import GenerateAssignment
    from nbgrader.utils import capture_log

    require_sound(assignment, solutions=solutions, action="nothing was released")
    version = _master_version(assignment, solutions)
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
    atomic_write(_stamp(workspace, assignment), version)
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
        workspace: the nbgrader workspace (default ``.grading/``); left untouched when its
            gradebook holds graded submissions of ``assignment`` (the release then runs in a
            temporary workspace).
        solutions: the folder of master notebooks (default ``solutions/``).
        out: the folder of student versions (default ``assignments/``).

    Returns:
        The student notebook written.

    Raises:
        ReleaseError: when the master breaks a rule of :mod:`course.authoring.lint` or nbgrader
            cannot generate the student version.
    """
    import nbformat

    workspace = workspace or Workspace.default()
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        if graded_students(assignment, workspace):
            workspace = Workspace(Path(scratch))
        try:
            released = generate_assignment(assignment, workspace, solutions=solutions)
        except AuthoringError as error:
            raise ReleaseError(str(error)) from error
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
    """``course release``: lint every master asked for (exit 2 on a mistake, nothing
    released), then print one line per assignment; 1 when any release failed."""
    names = lint_assignments(args.assignments, command="course release",
                             action="nothing was released")
    workspace = Workspace(args.workspace) if args.workspace else Workspace.default()
    failed = 0
    for name in names:
        try:
            written = release_assignment(name, workspace=workspace, out=args.out)
        except ReleaseError as error:
            print(f"FAILED {name}: {error}")
            failed += 1
            continue
        shown = written.relative_to(paths.ROOT) if written.is_relative_to(paths.ROOT) else written
        print(f"released {name} -> {shown}")
        students = graded_students(name, workspace)
        if students and not is_recorded(name, workspace):
            print(f"  {len(students)} submissions of {name} in {workspace.root} were graded "
                  f"against an earlier master: `course grade {name} SUBMISSIONS` regrades them, "
                  "keeping the manual grades of unchanged cells")
    return 1 if failed else 0
