"""`course release` and what it releases: the committed student versions equal a fresh
release, hold no solution and no hidden test, and the masters are well-formed nbgrader
sources in the course's layout. The assignments are found in solutions/ (adding one needs no
change here); the README's table of points, where it lists one, must match its master."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.authoring.lint import expected_badge
from course.cli import main
from course.release import expected_setup
from course.workspace import known_assignments, master_notebook

ASSIGNMENTS = tuple(known_assignments())
TENSORFLOW_IMPORT = re.compile(r"^\s*(import|from)\s+(keras|tensorflow)\b", re.MULTILINE)
# | ps1 | ps1_convolution | topic | 13 |: the README's table of assignments and their points
README_ROW = re.compile(r"^\| (?P<id>\w+) +\| (?P<notebook>\w+) +\|[^|]*\| +(?P<points>\d+) \|$",
                        re.MULTILINE)


def _master(assignment: str):
    return nbformat.read(master_notebook(assignment), as_version=4)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _regions(source: str, begin: str, end: str) -> list[str]:
    """The lines inside every begin/end region of a cell."""
    lines, inside, found = source.split("\n"), False, []
    for line in lines:
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line)
    return found


def _is_test(cell) -> bool:
    """An autograded test cell (graded code that is not an answer)."""
    return cell.cell_type == "code" and _meta(cell).get("grade") and not _meta(cell).get("solution")


def _is_code_answer(cell) -> bool:
    return cell.cell_type == "code" and _meta(cell).get("solution")


def test_every_master_has_its_student_version():
    assert ASSIGNMENTS, "solutions/ holds no assignment"
    released = sorted(p.name for p in paths.ASSIGNMENTS.iterdir() if not p.name.startswith("."))
    assert released == list(ASSIGNMENTS), "run `course release` and commit assignments/"


def test_the_readme_table_gives_each_listed_assignment_its_points():
    rows = {row["id"]: row for row in README_ROW.finditer((paths.ROOT / "README.md").read_text())}
    assert rows, "the README lists the assignments in a table"
    for assignment, row in rows.items():
        master = _master(assignment)
        assert master_notebook(assignment).stem == row["notebook"]
        assert sum(_meta(cell)["points"] for cell in master.cells
                   if _meta(cell).get("grade")) == int(row["points"]), assignment


# --------------------------------------------------------------------- release in sync
@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """Every assignment released again, into a temporary folder, through the CLI."""
    root = tmp_path_factory.mktemp("release")
    code = main(["release", "--out", str(root / "assignments"), "--workspace", str(root / "workspace")])
    assert code == 0
    return root / "assignments"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_student_version_matches_a_fresh_release(regenerated, assignment):
    committed = sorted(p.relative_to(paths.ASSIGNMENTS) for p in (paths.ASSIGNMENTS / assignment).rglob("*"))
    fresh = sorted(p.relative_to(regenerated) for p in (regenerated / assignment).rglob("*"))
    assert committed == fresh, "run `course release` and commit assignments/"
    for relative in fresh:
        if (regenerated / relative).is_file():
            assert (paths.ASSIGNMENTS / relative).read_bytes() == (regenerated / relative).read_bytes(), (
                f"assignments/{relative} differs from a fresh release: run `course release` and commit it")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_has_no_solution_and_no_hidden_test(assignment):
    master = _master(assignment)
    (student_path,) = (paths.ASSIGNMENTS / assignment).glob("*.ipynb")
    student = nbformat.read(student_path, as_version=4)
    text = student_path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    secret, public = set(), set()
    for cell in master.cells:
        inside = False
        for line in cell.source.split("\n"):
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                inside = False
            else:
                (secret if inside else public).add(line.strip())
    shown = {line.strip() for cell in student.cells for line in cell.source.split("\n")}
    leaked = sorted(line for line in (secret - public) & shown if len(line) > 12)
    assert not leaked, leaked
    students = {_meta(cell)["grade_id"]: cell for cell in student.cells if _meta(cell)}
    for cell in master.cells:
        if _is_code_answer(cell):  # signature and docstring survive, the body is a stub
            head = cell.source.split("    ### BEGIN SOLUTION")[0]
            stub = students[_meta(cell)["grade_id"]].source
            assert stub.startswith(head) and "    # YOUR CODE HERE\n    raise NotImplementedError()" in stub
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


# --------------------------------------------------------------------- master notebooks
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_follows_the_course_layout(assignment):
    path = master_notebook(assignment)
    assert re.fullmatch(rf"{assignment}_[a-z_]+\.ipynb", path.name)
    master = _master(assignment)
    first, setup = master.cells[0], master.cells[1]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert expected_badge(assignment, path.name) in first.source
    assert setup.source == expected_setup(setup.source)
    # an assignment that imports TensorFlow calls helpers.setup() (seeds, device, profile)
    uses_tensorflow = any(TENSORFLOW_IMPORT.search(cell.source) for cell in master.cells
                          if cell.cell_type == "code")
    assert ("helpers.setup()" in setup.source) == uses_tensorflow
    # TensorFlow only after `import helpers` (it keeps TensorFlow's log off stderr)
    before_setup = first.source + setup.source.split("import helpers")[0]
    assert "tensorflow" not in before_setup and "keras" not in before_setup
    for cell in master.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit masters without outputs"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_master_nbgrader_metadata(assignment):
    master = _master(assignment)
    graded = [cell for cell in master.cells if _is_test(cell)]
    solutions = [cell for cell in master.cells if _is_code_answer(cell)]
    assert graded and solutions, "at least one answer and one autograded test"
    ids = [_meta(cell)["grade_id"] for cell in master.cells if _meta(cell)]
    assert len(ids) == len(set(ids))
    for cell in master.cells:
        meta = _meta(cell)
        if meta:
            assert meta["schema_version"] == 3
    for cell in graded:
        assert cell.cell_type == "code" and _meta(cell)["locked"] and _meta(cell)["points"] > 0
        assert "BEGIN HIDDEN TESTS" in cell.source, "every test cell also has hidden tests"
    for cell in solutions:
        # markers inside the function body: the signature and docstring survive the release
        assert cell.source.startswith("def ")
        begin = next(line for line in cell.source.split("\n") if "BEGIN SOLUTION" in line)
        assert begin.startswith("    ### BEGIN SOLUTION")
        assert '"""' in cell.source.split("### BEGIN SOLUTION")[0], "a docstring before the solution"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_tests_never_copy_the_solution(assignment):
    """Tests compare with independent references, so no solution line appears in a test."""
    master = _master(assignment)
    solution_lines = {line.strip() for cell in master.cells
                      for line in _regions(cell.source, "BEGIN SOLUTION", "END SOLUTION")
                      if len(line.strip()) > 25}
    for cell in master.cells:
        if _meta(cell).get("grade"):
            copied = [line for line in cell.source.split("\n") if line.strip() in solution_lines]
            assert not copied, copied
