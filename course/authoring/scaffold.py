"""``course new NAME``: a new master notebook that already follows every rule of the lint.

It writes ``solutions/NAME/NAME_<topic>.ipynb``: the title with the Colab badge and the setup
cell (as :mod:`course.colab` builds them), how students work, one answer cell (a function
whose body lies between ``### BEGIN SOLUTION`` and ``### END SOLUTION``), its test cell (a
visible assert with a message that teaches, hidden tests with a constant message, points) and
one answer graded by hand (a markdown cell with points). ``course release NAME`` and ``course
check NAME`` pass on it at once; replace the example with the assignment's own questions.

Example:
    $ course new ps9 --title "Pooling" --topic pooling
    wrote solutions/ps9/ps9_pooling.ipynb: ...
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from course import colab, paths
from course.authoring.lint import NAME_PATTERN, expected_badge, lint_notebook
from course.errors import CourseError
from course.workspace import atomic_write

__all__ = ["add_arguments", "new_assignment", "new_command", "scaffold_notebook"]

TOPIC_PATTERN = re.compile(r"[a-z][a-z_]*")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

INSTRUCTIONS = """\
Write your code where it says `# YOUR CODE HERE` (delete the `raise NotImplementedError()`
line), then run the test cell below each function: a test cell that runs without an error
earns its points. The autograder runs further, hidden tests of the same behaviour on other
inputs, so make your functions correct in general, not just for the visible examples. Answers
in words are graded by hand."""

QUESTION = """\
## 1. The size of a pooled feature map

A pooling window of size $k$ moves by $k$ pixels (it does not overlap itself), so along an axis
of $n$ pixels it fits $\\lfloor (n - k) / k \\rfloor + 1$ times; a last window that does not
fit is dropped."""

ANSWER = '''\
def pooled_size(input_size: int, pool_size: int) -> int:
    """Number of positions of a non-overlapping pooling window along one axis.

    Args:
        input_size: height (or width) of the input, in pixels.
        pool_size: size of the window, which is also its stride.

    Returns:
        The output's height (or width).

    Example:
        >>> pooled_size(28, 2)
        14
    """
    ### BEGIN SOLUTION
    return (input_size - pool_size) // pool_size + 1
    ### END SOLUTION'''

TEST = """\
# LeNet-5: 2x2 pooling halves a 28x28 feature map.
got = pooled_size(28, 2)
assert got == 14, (f"pooled_size(28, 2) returned {got!r}, expected 14: a 2-pixel window fits "
                   "14 times along 28 pixels, (n - k) // k + 1")
### BEGIN HIDDEN TESTS
for n in range(1, 20):
    for k in range(1, n + 1):
        assert pooled_size(n, k) == len(range(0, n - k + 1, k)), (
            "test_pooled_size_hidden: other sizes and windows; a last window that does not "
            "fit is dropped")
### END HIDDEN TESTS"""

WRITTEN_QUESTION = """\
## 2. In your own words

Why does a CNN pool its feature maps? Answer in two or three sentences in the cell below."""

WRITTEN_ANSWER = """\
Pooling keeps the strongest response of each window, so the feature maps shrink (the next
layers cost fewer multiplications) and a small shift of the input barely changes the output."""


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False,
              locked: bool = False, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def scaffold_notebook(name: str, notebook_name: str, *, title: str):
    """The new master notebook (see the module docstring for its cells).

    Args:
        name: the assignment id.
        notebook_name: the notebook's file name.
        title: the first cell's heading.

    Returns:
        An ``nbformat`` notebook (version 4), without outputs.

    Example:
        >>> len(scaffold_notebook("ps9", "ps9_pooling.ipynb", title="Pooling").cells)
        8
    """
    import nbformat
    from nbformat import v4

    cells = [
        v4.new_markdown_cell(f"# {title}\n\nWhat this problem set practises, in one line.\n\n"
                             f"{expected_badge(name, notebook_name)}",
                             id="title"),
        v4.new_code_cell(colab.setup_cell_source(call_setup=False), id="setup",
                         metadata=_nbgrader("setup", locked=True)),
        v4.new_markdown_cell(INSTRUCTIONS, id="instructions"),
        v4.new_markdown_cell(QUESTION, id="question-1"),
        v4.new_code_cell(ANSWER, id="pooled_size",
                         metadata=_nbgrader("pooled_size", solution=True)),
        v4.new_code_cell(TEST, id="test_pooled_size",
                         metadata=_nbgrader("test_pooled_size", grade=True, locked=True,
                                            points=2)),
        v4.new_markdown_cell(WRITTEN_QUESTION, id="question-2"),
        v4.new_markdown_cell(WRITTEN_ANSWER, id="explain_pooling",
                             metadata=_nbgrader("explain_pooling", grade=True, solution=True,
                                                points=1)),
    ]
    notebook = v4.new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                                      "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return notebook


def new_assignment(name: str, *, title: str = "A new problem set", topic: str = "exercises",
                   solutions: Path | None = None) -> Path:
    """Write ``solutions/<name>/<name>_<topic>.ipynb``, a master that releases and checks.

    Args:
        name: the assignment id: lower-case letters, digits and ``_``, starting with a letter.
        title: the first cell's heading.
        topic: the notebook name's second part: lower-case letters and ``_``.
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        The notebook written.

    Raises:
        CourseError: a bad name or topic, or an assignment of that name that exists already.

    Example:
        >>> new_assignment("ps5", topic="pooling")                   # doctest: +SKIP
        PosixPath('.../solutions/ps9/ps9_pooling.ipynb')
    """
    import nbformat

    if not NAME_PATTERN.fullmatch(name):
        raise CourseError(f"The 'NAME' parameter of course new must be lower-case letters, "
                          f"digits and '_', starting with a letter (e.g. ps5); got {name!r}.")
    if not TOPIC_PATTERN.fullmatch(topic):
        raise CourseError(f"The '--topic' parameter of course new must be lower-case letters "
                          f"and '_' (e.g. pooling); got {topic!r}.")
    if not title.strip():
        raise CourseError("The '--title' parameter of course new must not be empty.")
    folder = (solutions or paths.SOLUTIONS) / name
    for taken in (folder, paths.ASSIGNMENTS / name):
        if taken.exists():
            raise CourseError(f"The assignment {name!r} exists already ({taken}); choose "
                              "another NAME or edit that one.")
    notebook_name = f"{name}_{topic}.ipynb"
    notebook = scaffold_notebook(name, notebook_name, title=title.strip())
    path = folder / notebook_name
    mistakes = lint_notebook(notebook, assignment=name, path=str(path))
    if mistakes:  # the scaffold itself must follow the rules
        raise RuntimeError("course new wrote a master that breaks the lint: "
                           + "; ".join(map(str, mistakes)))
    atomic_write(path, nbformat.writes(notebook) + "\n")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course new``."""
    parser.add_argument("name", metavar="NAME", help="the new assignment's id, e.g. ps5")
    parser.add_argument("--title", default="A new problem set",
                        help="the notebook's title (default: %(default)s)")
    parser.add_argument("--topic", default="exercises",
                        help="the notebook is NAME_TOPIC.ipynb (default: %(default)s)")


def new_command(args: argparse.Namespace) -> int:
    """``course new``: write the master, say what to do next."""
    path = new_assignment(args.name, title=args.title, topic=args.topic)
    shown = path.relative_to(paths.ROOT) if path.is_relative_to(paths.ROOT) else path
    print(f"wrote {shown}: one answer with its tests and one answer graded by hand, as an "
          f"example to replace; then `course release {args.name} && course check "
          f"{args.name}`, and commit solutions/{args.name}/ and assignments/{args.name}/")
    return 0
