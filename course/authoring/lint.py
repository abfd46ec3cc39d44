"""The rules of a master notebook, and a lint that names the cell and the field of every mistake.

A master is the notebook an instructor writes in ``solutions/<assignment>/``. ``course
release`` and ``course check`` lint the masters they are given before nbgrader sees them and
stop with exit code 2 and one line per mistake; ``course grade`` stops on the first master
that breaks a rule. The rules, and what goes wrong without each:

===========================================  =====================================================
rule                                         without it
===========================================  =====================================================
one notebook per folder, named               each student sends one notebook per assignment; the
``<assignment>_<topic>.ipynb``               grader matches whatever file arrives (``Copy of …``)
                                             to the one notebook of the folder it is named after
first cell: a title and the Colab badge      students cannot open the assignment in Colab
(opening ``assignments/<assignment>/…``)
second cell: the setup cell                  the notebook fails in Colab (no course package)
(``import helpers``)
an answer code cell holds ``### BEGIN         nbgrader replaces the whole cell with the stub:
SOLUTION``/``### END SOLUTION`` inside the    students lose the function's signature and docstring
function's body
a test cell has ``points`` above 0           nbgrader's validation fails without naming a cell
a ``grade_id`` is used once                  nbgrader keeps one cell per id: the other is lost
every visible ``assert`` has a message       a failing test tells the student nothing
a hidden ``assert``'s message is a constant  a computed message (an f-string) would show the
sentence                                     hidden inputs in the student's feedback
===========================================  =====================================================

Any other nbgrader metadata problem (schema version, a markdown test cell ...) is found with
nbgrader's own validator and reported for its cell.

Example:
    >>> for mistake in lint_assignment("ps5"):                   # doctest: +SKIP
    ...     print(mistake)
    solutions/ps9/ps9_pooling.ipynb: cell 6 'test_pool' (code), metadata.nbgrader.points: ...
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import colab, paths
from course.errors import CourseError, first_line
from course.workspace import assignment_folder_problem, resolve_assignments

_MistakeOf = Callable[[str, str, str], "Mistake"]   # (field, problem, fix) -> one cell's mistake

__all__ = [
    "BADGE_PATTERN",
    "HIDDEN_TESTS",
    "NAME_PATTERN",
    "SOLUTION",
    "AuthoringError",
    "Mistake",
    "expected_badge",
    "lint_assignment",
    "lint_assignments",
    "lint_notebook",
    "released_path",
    "require_sound",
]

BADGE_PATTERN = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\((?P<url>[^)]*)\)")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# nbgrader's delimiters: a line that contains one opens or closes a region.
SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_TESTS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_GRADE_ID = re.compile(r"[a-zA-Z0-9_\-]+")   # nbgrader's schema
_TOOLBAR = "(JupyterLab: Nbgrader > Create Assignment shows each cell's type, ID and points)"


@dataclass(frozen=True)
class Mistake:
    """One broken rule: where (file, cell, field), what is wrong and how to fix it.

    Args:
        path: the master notebook (or the assignment's folder), relative to the project.
        field: what is wrong in it: ``metadata.nbgrader.points``, ``source``, ``file name``...
        problem: what is wrong, and what it would break.
        fix: what to do.
        cell: the cell's index (0 is the first cell), or ``None`` for the notebook or folder.
        grade_id: the cell's nbgrader id, when it has one.
        cell_type: ``code``, ``markdown`` or ``raw``.

    Example:
        >>> print(Mistake("solutions/ps5/ps5_a.ipynb", "metadata.nbgrader.points", "missing",
        ...               "set the cell's points", cell=6, grade_id="test_a", cell_type="code"))
        solutions/ps5/ps5_a.ipynb: cell 6 'test_a' (code), metadata.nbgrader.points: missing. Fix: set the cell's points.
    """

    path: str
    field: str
    problem: str
    fix: str
    cell: int | None = None
    grade_id: str = ""
    cell_type: str = ""

    def __str__(self) -> str:
        where = self.path
        if self.cell is not None:
            where += f": cell {self.cell}" + (f" {self.grade_id!r}" if self.grade_id else "")
            where += f" ({self.cell_type})" if self.cell_type else ""
        return f"{where}, {self.field}: {self.problem}. Fix: {self.fix}."


class AuthoringError(CourseError):
    """Masters that break the rules (bad input: exit code 2); its message has one line per
    mistake.

    Args:
        mistakes: what :func:`lint_assignment` found (at least one).
        action: what did not happen because of them (``"nothing was released"``).

    Example:
        >>> raise AuthoringError([mistake], action="nothing was released")   # doctest: +SKIP
    """

    def __init__(self, mistakes: Sequence[Mistake], *, action: str) -> None:
        self.mistakes = tuple(mistakes)
        count = len(self.mistakes)
        super().__init__(f"{count} authoring mistake{'s' if count > 1 else ''} in the masters, "
                         f"{action}:\n" + "\n".join(f"  {mistake}" for mistake in self.mistakes))


def released_path(assignment: str, notebook_name: str) -> str:
    """The student version's path in the project (what the Colab badge opens).

    Args:
        assignment: the assignment id.
        notebook_name: the notebook's file name.

    Example:
        >>> released_path("ps1", "ps1_convolution.ipynb")
        'assignments/ps1/ps1_convolution.ipynb'
    """
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
    return colab.badge_markdown(released_path(assignment, notebook_name))


def _shown(path: Path) -> str:
    return path.relative_to(paths.ROOT).as_posix() if path.is_relative_to(paths.ROOT) else str(path)


# ---------------------------------------------------------------------------- one notebook
def lint_notebook(notebook: Any, *, assignment: str, path: str) -> list[Mistake]:
    """Every mistake in a master notebook, in cell order.

    Args:
        notebook: the master (``nbformat.read(..., as_version=4)``).
        assignment: the assignment id (its folder's name).
        path: the notebook's path as the messages show it.

    Returns:
        The mistakes (empty for a sound master).

    Example:
        >>> lint_notebook(nbformat.read(master_notebook("ps1"), as_version=4),
        ...               assignment="ps1", path="solutions/ps1/ps1_convolution.ipynb")  # doctest: +SKIP
        []
    """
    mistakes = list(_notebook_layout(notebook, assignment=assignment, path=path))
    first_use: dict[str, int] = {}
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        grade_id = grade_id if isinstance(grade_id, str) else ""
        mistake = functools.partial(Mistake, path, cell=index, grade_id=grade_id,
                                    cell_type=cell.cell_type)
        mistakes += _metadata(meta, cell, mistake)
        if grade_id and isinstance(meta, dict) and _is_recorded(meta):
            if grade_id in first_use:
                mistakes.append(mistake(
                    "metadata.nbgrader.grade_id",
                    f"{grade_id!r} is also the id of cell {first_use[grade_id]}; nbgrader "
                    "records one cell per id, so one of the two would be lost",
                    f"give this cell an id of its own {_TOOLBAR}"))
            first_use.setdefault(grade_id, index)
        meta = meta if isinstance(meta, dict) else {}
        mistakes += _regions(meta, cell, mistake)
        if _is_test(meta, cell):
            mistakes += _asserts(cell, mistake)
    return mistakes


def _notebook_layout(notebook: Any, *, assignment: str, path: str) -> Iterator[Mistake]:
    """The first two cells (badge, setup) and the notebook's name."""
    name = Path(path).name
    expected = released_path(assignment, name)
    if Path(name).stem != assignment and not Path(name).stem.startswith(f"{assignment}_"):
        yield Mistake(path, "file name",
                      f"the notebook is named {name!r}, not after its assignment {assignment!r}; "
                      f"students download it under that name and the grader matches their "
                      "files to it, so it would be mistaken for another assignment's",
                      f"rename it {assignment}_<topic>.ipynb (git mv)")
    cells = notebook.cells
    first = cells[0] if cells else None
    badge = BADGE_PATTERN.search(first.source) if first is not None else None
    if first is None or first.cell_type != "markdown" or badge is None:
        yield Mistake(path, "source", "the first cell is not a markdown cell with the 'Open In "
                      "Colab' badge, which students open the assignment with",
                      "start the notebook with a markdown cell: a '# Title' line, one line on "
                      "what the assignment practises, and the badge line "
                      f"{expected_badge(assignment, name)} (`course new` writes one)",
                      cell=0, cell_type=first.cell_type if first is not None else "")
    elif not badge["url"].endswith("/" + expected):
        yield Mistake(path, "source", f"the Colab badge opens {badge['url']!r}, not this "
                      f"assignment's student version {expected!r}",
                      f"replace the badge with {expected_badge(assignment, name)}",
                      cell=0, cell_type=first.cell_type)
    second = cells[1] if len(cells) > 1 else None
    if second is None or second.cell_type != "code" or "import helpers" not in second.source:
        yield Mistake(path, "source", "the second cell is not the setup cell (it installs the "
                      "course package in Colab and runs `import helpers`)",
                      "insert the setup cell that course.colab.setup_cell_source() builds as "
                      "the second cell (`course new` writes one)",
                      cell=1, cell_type=second.cell_type if second is not None else "")


def _is_recorded(meta: dict) -> bool:
    """Whether nbgrader records the cell (and so needs its ``grade_id`` to be unique)."""
    return any(meta.get(flag) is True for flag in ("grade", "solution", "locked", "task"))


def _is_test(meta: dict, cell: Any) -> bool:
    """An autograded test cell: graded code that is not an answer."""
    return cell.cell_type == "code" and meta.get("grade") is True and meta.get("solution") is not True


def _metadata(meta: Any, cell: Any, mistake: _MistakeOf) -> Iterator[Mistake]:
    """The cell's nbgrader metadata: the course's rules, then nbgrader's own validation."""
    if meta is None:
        return
    if not isinstance(meta, dict):
        yield mistake("metadata.nbgrader", f"is {type(meta).__name__}, not a mapping",
                      f"set the cell's type again {_TOOLBAR}")
        return
    grade_id = meta.get("grade_id")
    found = False
    if _is_recorded(meta) and (not isinstance(grade_id, str) or not _GRADE_ID.fullmatch(grade_id)):
        found = True
        yield mistake("metadata.nbgrader.grade_id",
                      "missing" if grade_id in (None, "") else
                      f"{grade_id!r} is not an id (letters, digits, '_' and '-' only)",
                      f"give the cell a unique id such as 'test_conv2d' {_TOOLBAR}")
    if meta.get("grade") is True:
        points = meta.get("points")
        if points is None:
            found = True
            yield mistake("metadata.nbgrader.points", "missing: a graded cell must say what it "
                          "is worth (nbgrader's validation fails otherwise)",
                          f"set the cell's points, e.g. 1 {_TOOLBAR}")
        elif isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            found = True
            yield mistake("metadata.nbgrader.points", f"{points!r} is not a number above 0",
                          f"set the cell's points, e.g. 1 {_TOOLBAR}")
    if not found:
        yield from _nbgrader_validation(cell, mistake)


def _nbgrader_validation(cell: Any, mistake: _MistakeOf) -> Iterator[Mistake]:
    """What nbgrader's own validator says about the cell, as a mistake of that cell."""
    import copy

    from nbgrader.nbgraderformat import ValidationError
    from nbgrader.nbgraderformat.common import SchemaMismatchError
    from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

    try:
        MetadataValidatorV3().validate_cell(copy.deepcopy(cell))
    except SchemaMismatchError as error:
        yield mistake("metadata.nbgrader.schema_version", first_line(error),
                      f"set the cell's type again {_TOOLBAR}, which writes schema version 3")
    except (ValidationError, KeyError) as error:
        # jsonschema's errors carry the path of the field; nbgrader's own checks do not
        field = ".".join(["metadata", "nbgrader", *map(str, getattr(error, "absolute_path", ()))])
        yield mistake(field, f"nbgrader rejects it: {first_line(error)}",
                      f"set the cell's type again {_TOOLBAR}")


def _region_lines(source: str, markers: tuple[str, str]) -> tuple[list[tuple[int, int]], str]:
    """The (first, last) line numbers (1-based, markers included) of each region, and what is
    wrong with the markers ('' when they pair up)."""
    begin, end = markers
    regions, opened = [], None
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            if opened is not None:
                return regions, f"line {number} opens '### {begin}' again before line " \
                                f"{opened}'s is closed"
            opened = number
        elif end in line:
            if opened is None:
                return regions, f"line {number} closes '### {end}' that no line opened"
            regions.append((opened, number))
            opened = None
    if opened is not None:
        return regions, f"line {opened} opens '### {begin}' and no line closes it"
    return regions, ""


def _regions(meta: dict, cell: Any, mistake: _MistakeOf) -> Iterator[Mistake]:
    """Solution and hidden-test markers: where they may be, paired, around the right lines."""
    source = cell.source
    solution_cell = meta.get("solution") is True
    for markers, allowed, role in ((SOLUTION, solution_cell, "an answer cell"),
                                   (HIDDEN_TESTS, _is_test(meta, cell), "a test cell")):
        regions, broken = _region_lines(source, markers)
        if not regions and not broken:
            continue
        if not allowed:
            yield mistake("source", f"has '### {markers[0]}' but the cell is not {role}, so "
                          "nbgrader would refuse the notebook",
                          f"make it {role} {_TOOLBAR}, or remove the markers")
        elif broken:
            yield mistake("source", f"the markers do not pair up: {broken}",
                          f"close every '### {markers[0]}' with a '### {markers[1]}' line")
    if cell.cell_type != "code" or not solution_cell:
        return
    regions, broken = _region_lines(source, SOLUTION)
    if not regions and not broken:
        yield mistake("source", "an answer cell without '### BEGIN SOLUTION' / '### END "
                      "SOLUTION' markers: nbgrader would replace the whole cell with the stub, "
                      "so students would lose the function's signature and docstring",
                      "put the two marker lines inside the function body, around the lines "
                      "students write")
        return
    lines = source.split("\n")
    for first, last in regions:
        marker_indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
        for number in range(first + 1, last):
            line = lines[number - 1]
            if marker_indent == 0 and re.match(r"(async\s+)?(def|class)\s", line):
                yield mistake("source", f"line {number}, {line.strip()[:60]!r}, is inside the "
                              "solution region, so students would lose the signature",
                              "move '### BEGIN SOLUTION' into the function's body, after its "
                              "docstring, indented like the body")
                break


def _asserts(cell: Any, mistake: _MistakeOf) -> Iterator[Mistake]:
    """Visible asserts need a message; hidden ones a constant one (it reaches the feedback)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(cell.source))
    except SyntaxError as error:
        yield mistake("source", f"line {error.lineno} does not parse: {error.msg}",
                      "correct the test's Python")
        return
    hidden, _ = _region_lines(cell.source, HIDDEN_TESTS)
    lines = cell.source.split("\n")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assert):
            continue
        text = lines[node.lineno - 1].strip()[:70]
        if any(first < node.lineno < last for first, last in hidden):
            if node.msg is not None and not (isinstance(node.msg, ast.Constant)
                                             and isinstance(node.msg.value, str)):
                yield mistake("source", f"line {node.lineno}, {text!r}: a hidden test's message "
                              "is computed, so it could show the hidden inputs in the "
                              "student's feedback",
                              "make it a constant sentence naming the behaviour tested, e.g. "
                              "\"test_pool_hidden: windows that do not fit are dropped\"")
        elif node.msg is None:
            yield mistake("source", f"line {node.lineno}, {text!r}: a visible assert without a "
                          "message; when it fails the student sees a bare AssertionError",
                          "add a message saying what was expected, what the code returned and "
                          "a hint, e.g. assert got == 156, f\"got {got}, expected 156: one bias "
                          "per filter?\"")


# -------------------------------------------------------------------------- assignments
def lint_assignment(assignment: str, *, solutions: Path | None = None) -> list[Mistake]:
    """Every mistake in ``solutions/<assignment>/``: its folder, name and master notebook.

    Args:
        assignment: the assignment id (a folder of ``solutions/``).
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        The mistakes (empty for a sound assignment).

    Example:
        >>> lint_assignment("ps1")                                  # doctest: +SKIP
        []
    """
    import nbformat

    folder = (solutions or paths.SOLUTIONS) / assignment
    shown = _shown(folder) + "/"
    mistakes = []
    if not NAME_PATTERN.fullmatch(assignment):
        mistakes.append(Mistake(shown, "folder name",
                                f"{assignment!r} is not an assignment id (lower-case letters, "
                                "digits and '_', starting with a letter; it appears in URLs, "
                                "file names and the gradebook)",
                                "rename the folder, e.g. ps5"))
    problem = assignment_folder_problem(folder)
    if problem is not None:
        return [*mistakes, Mistake(shown, "folder", *problem)]
    (path,) = folder.glob("*.ipynb")
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 - any unreadable file is one mistake
        return [*mistakes, Mistake(_shown(path), "file", f"not a readable notebook: "
                                   f"{first_line(error)}", "repair the JSON (or restore the "
                                   "file from git) and open it in JupyterLab")]
    return mistakes + lint_notebook(notebook, assignment=assignment, path=_shown(path))


def lint_assignments(names: Sequence[str] | None, *, command: str, action: str,
                     solutions: Path | None = None) -> list[str]:
    """The assignments a command works on, once every one of them passes the lint.

    With no names, every folder of ``solutions/`` is an assignment, and a folder that holds
    no notebook or several is a mistake too.

    Args:
        names: the ids the command was given (none: all).
        command: the command, for the messages (``"course release"``).
        action: what does not happen when a master breaks a rule (``"nothing was released"``).
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        The assignment ids, as :func:`course.workspace.resolve_assignments` gives them.

    Raises:
        AuthoringError: one line per mistake, in every assignment asked for.
        CourseError: an id that is no folder of ``solutions/``.

    Example:
        >>> lint_assignments(["ps1"], command="course release",
        ...                  action="nothing was released")          # doctest: +SKIP
        ['ps1']
    """
    folder = solutions or paths.SOLUTIONS
    if names:
        asked = list(dict.fromkeys(names))
        unknown = [name for name in asked if not (folder / name).is_dir()]
        if unknown:
            resolve_assignments(unknown, solutions=solutions, command=command)  # names them
    else:
        asked = sorted(child.name for child in folder.iterdir() if child.is_dir()
                       and not child.name.startswith((".", "_"))) if folder.is_dir() else []
    mistakes = [mistake for name in asked for mistake in lint_assignment(name, solutions=solutions)]
    if mistakes:
        raise AuthoringError(mistakes, action=action)
    return resolve_assignments(asked, solutions=solutions, command=command)


def require_sound(assignment: str, *, solutions: Path | None = None, action: str) -> None:
    """Raise unless ``solutions/<assignment>/`` passes the lint.

    Args:
        assignment: the assignment id.
        solutions: the folder of master notebooks (default ``solutions/``).
        action: what does not happen (``"nothing was graded"``).

    Raises:
        AuthoringError: one line per mistake.

    Example:
        >>> require_sound("ps1", action="nothing was graded")        # doctest: +SKIP
    """
    mistakes = lint_assignment(assignment, solutions=solutions)
    if mistakes:
        raise AuthoringError(mistakes, action=action)
