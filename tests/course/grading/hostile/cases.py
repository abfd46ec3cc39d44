"""The hostile-submission corpus: one table, one small generator per case.

Every case derives a student folder from the BLANK student version of ps1
(``assignments/ps1/ps1_convolution.ipynb``) and declares the outcome ``course grade`` must give
it: a status and a score, where ``FULL`` is the assignment's maximum and ``FULL - tests`` the
maximum minus those test cells' points (read from the notebook's nbgrader metadata).

Three starting points, all built from the blank version:

* ``blank``: the released notebook as is (every answer raises ``NotImplementedError``);
* ``solved``: the blank notebook with the master's answer code pasted into the answer cells
  (what an honest student who solved everything submits) - to show that grading carries on,
  with the right score, after the hostile cell;
* ``cheater``: wrong answers that merely have the right type (``return 0``, a 1x1x1 array),
  which score 0 unless the tests are talked out of failing - the base of every "patch the
  checking functions" case (an unprotected grader gives them points).

A hostile cell that would, against a broken sandbox, do harm prints ``ESCAPED: ...`` when it
succeeds; the test asserts that no graded notebook contains that word.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat import NotebookNode

__all__ = [
    "CASES",
    "FULL",
    "HONEST",
    "ZERO",
    "Case",
    "Context",
    "answers_of",
    "expected_score",
    "hidden_lines",
    "solved_notebook",
    "tests_of",
]

FULL, ZERO = "full", "zero"
ANSWER_BEGIN, ANSWER_END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclasses.dataclass(frozen=True)
class Context:
    """What the generators may use: the blank and master notebooks and the paths a hostile
    student would aim at (all outside the sandbox)."""

    blank: NotebookNode                 # released student version
    master: NotebookNode                # solutions/ps1 (solution + hidden tests)
    notebook_name: str                  # ps1_convolution.ipynb
    project_root: Path                  # the checkout
    workspace: Path                     # the grading workspace (gradebook, autograded/)
    submissions: Path                   # SUBMISSIONS/ (other students' folders)
    victim: str                         # an honest student whose files are attacked
    canary: Path                        # a file outside everything; must not change
    project_canary: Path                # a file inside the project (.grading/); must not change
    port: int                           # a TCP server on 127.0.0.1 that must get no connection
    token: str                          # unique per run: names of files an escape would create


@dataclasses.dataclass(frozen=True)
class Case:
    """One hostile student: ``make(ctx)`` returns the files of their folder."""

    name: str
    what: str
    make: Callable[[Context], dict[str, bytes]]
    status: str | tuple[str, ...]       # one status, or those the issue allows ("a kernel that
                                        # hangs: crashed or timeout")
    score: str | tuple[str, ...]        # FULL, ZERO, or (FULL, "-test_id", ...)

    @property
    def statuses(self) -> tuple[str, ...]:
        return (self.status,) if isinstance(self.status, str) else self.status


# -------------------------------------------------------------------------------- notebooks
def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def answers_of(nb: NotebookNode) -> list[str]:
    return [_nbgrader(c)["grade_id"] for c in nb.cells if _nbgrader(c).get("solution")]


def tests_of(nb: NotebookNode) -> dict[str, float]:
    """grade_id -> points of every test cell."""
    return {_nbgrader(c)["grade_id"]: float(_nbgrader(c)["points"]) for c in nb.cells
            if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")}


def expected_score(case_score, blank: NotebookNode) -> float:
    points = tests_of(blank)
    if case_score == ZERO:
        return 0.0
    if case_score == FULL:
        return sum(points.values())
    _, *minus = case_score
    return sum(points.values()) - sum(points[name.lstrip("-")] for name in minus)


def hidden_lines(master: NotebookNode, blank: NotebookNode) -> list[str]:
    """Lines of the hidden tests that appear nowhere in the student version."""
    visible = {line.strip() for cell in blank.cells for line in cell.source.splitlines()}
    found = set()
    for cell in master.cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                                cell.source, re.DOTALL):
            found.update(line.strip() for line in block.splitlines()
                         if len(line.strip()) >= 12 and line.strip() not in visible)
    return sorted(found)


def _cell(nb: NotebookNode, grade_id: str):
    return next(c for c in nb.cells if _nbgrader(c).get("grade_id") == grade_id)


def solved_notebook(ctx: Context) -> NotebookNode:
    """The blank notebook with the master's answers pasted in (markers removed)."""
    nb = copy.deepcopy(ctx.blank)
    for grade_id in answers_of(nb):
        source = _cell(ctx.master, grade_id).source
        _cell(nb, grade_id).source = "\n".join(
            line for line in source.splitlines() if line.strip() not in (ANSWER_BEGIN,
                                                                         ANSWER_END))
    return nb


def _replace_body(source: str, body: str) -> str:
    """Keep an answer cell's signature and docstring, replace the student stub by ``body``."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if "# YOUR CODE HERE" in line)
    indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
    rest = [line for line in lines[start + 1:] if "raise NotImplementedError()" not in line]
    return "\n".join(lines[:start] + [indent + row for row in body.splitlines()] + rest)


CHEATER_BODIES = {   # right type, wrong values
    "conv_output_size": "return 0",
    "zero_pad": "return np.zeros((1, 1, 1))",
    "conv2d": "return np.zeros((1, 1, 1))",
    "max_pool2d": "return np.zeros((1, 1, 1))",
    "avg_pool2d": "return np.zeros((1, 1, 1))",
    "conv_params": "return 0",
    "conv_multiplications": "return 0",
}


def cheater_notebook(ctx: Context, body: dict[str, str] | None = None) -> NotebookNode:
    nb = copy.deepcopy(ctx.blank)
    for grade_id in answers_of(nb):
        cell = _cell(nb, grade_id)
        cell.source = _replace_body(cell.source, (body or {}).get(grade_id,
                                                                  CHEATER_BODIES[grade_id]))
    return nb


def _first_answer_index(nb: NotebookNode) -> int:
    return next(i for i, c in enumerate(nb.cells) if _nbgrader(c).get("solution"))


def _with_cell(nb: NotebookNode, source: str, *, at: int | None = None) -> NotebookNode:
    """A student cell inserted before the first answer (after the imports)."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(_first_answer_index(nb) if at is None else at,
                    nbformat.v4.new_code_cell(source))
    return nb


def _files(nb: NotebookNode, ctx: Context, name: str | None = None) -> dict[str, bytes]:
    return {name or ctx.notebook_name: nbformat.writes(nb).encode()}


def _solved_with(source: Callable[[Context], str]) -> Callable[[Context], dict[str, bytes]]:
    return lambda ctx: _files(_with_cell(solved_notebook(ctx), source(ctx)), ctx)


def _cheater_with(source: Callable[[Context], str]) -> Callable[[Context], dict[str, bytes]]:
    return lambda ctx: _files(_with_cell(cheater_notebook(ctx), source(ctx)), ctx)


def _blank_with(source: Callable[[Context], str]) -> Callable[[Context], dict[str, bytes]]:
    return lambda ctx: _files(_with_cell(ctx.blank, source(ctx)), ctx)


def _edit_tests(edit: Callable[[NotebookNode, NotebookNode], NotebookNode | None]):
    """Apply ``edit(cell, nb)`` to every test cell of the cheater notebook."""
    def make(ctx: Context) -> dict[str, bytes]:
        nb = cheater_notebook(ctx)
        cells = []
        for cell in nb.cells:
            if _nbgrader(cell).get("grade") and not _nbgrader(cell).get("solution"):
                cells.extend(edit(copy.deepcopy(cell), nb) or [])
            else:
                cells.append(cell)
        nb.cells = cells
        return _files(nb, ctx)
    return make


def _markdown(cell, nb, *, keep_metadata: bool):
    new = nbformat.v4.new_markdown_cell(cell.source)
    if keep_metadata:
        new.metadata = cell.metadata
    return [new]


def _retyped(cell, nb):
    return [nbformat.v4.new_code_cell("assert True  # the tests, as I remember them")]


def _edited(cell, nb):
    cell.source = "pass"
    return [cell]


def _duplicated(cell, nb):
    copies = []
    for suffix in ("-a", "-b"):
        copy_ = copy.deepcopy(cell)
        copy_.source = "pass"
        if "id" in cell:
            copy_["id"] = cell["id"] + suffix
        copies.append(copy_)
    return [copies[0], cell, copies[1]]


def _reordered(ctx: Context) -> dict[str, bytes]:
    nb = solved_notebook(ctx)
    tests = [c for c in nb.cells if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")]
    others = [c for c in nb.cells if c not in tests]
    nb.cells = tests + others
    return _files(nb, ctx)


def _forged(ctx: Context) -> dict[str, bytes]:
    nb = cheater_notebook(ctx)
    cell = nbformat.v4.new_code_cell("pass  # bonus")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": True,
                                 "points": 100, "schema_version": 3, "solution": False,
                                 "task": False}
    nb.cells.append(cell)
    return _files(nb, ctx)


def _renamed(name: str) -> Callable[[Context], dict[str, bytes]]:
    return lambda ctx: _files(solved_notebook(ctx), ctx,
                              name.format(stem=Path(ctx.notebook_name).stem))


def _r_kernel(ctx: Context) -> dict[str, bytes]:
    nb = solved_notebook(ctx)
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    nb.metadata["language_info"] = {"name": "R"}
    return _files(nb, ctx)


def _huge_notebook(ctx: Context) -> dict[str, bytes]:
    nb = solved_notebook(ctx)
    nb.cells[0].source += "\n" + "x" * (70 * 2**20)
    return _files(nb, ctx)


def _wrong_nbformat(ctx: Context) -> dict[str, bytes]:
    data = json.loads(nbformat.writes(solved_notebook(ctx)))
    data["nbformat"] = 99
    return {ctx.notebook_name: json.dumps(data).encode()}


def _answer_body(grade_id: str, body: str) -> Callable[[Context], dict[str, bytes]]:
    def make(ctx: Context) -> dict[str, bytes]:
        nb = solved_notebook(ctx)
        cell = _cell(nb, grade_id)
        cell.source = _cell(ctx.blank, grade_id).source
        cell.source = _replace_body(cell.source, body)
        return _files(nb, ctx)
    return make


# ------------------------------------------------------------------------- hostile code
def _patch_numpy_testing(ctx: Context) -> str:
    return ("import numpy.testing\n"
            "def _accept(*args, **kwargs):\n    return None\n"
            "for _name in dir(numpy.testing):\n"
            "    if _name.startswith('assert_'):\n"
            "        setattr(numpy.testing, _name, _accept)\n")


def _patch_numpy_internals(ctx: Context) -> str:
    return ("import numpy.testing._private.utils as _utils\n"
            "_utils.assert_array_compare = lambda *args, **kwargs: None\n"
            "np.allclose = lambda *args, **kwargs: True\n"
            "np.isclose = lambda *args, **kwargs: True\n"
            "np.array_equal = lambda *args, **kwargs: True\n")


def _rebind_np(ctx: Context) -> str:
    return ("import types, numpy\n"
            "_fake_testing = types.SimpleNamespace(**{n: (lambda *a, **k: None)\n"
            "    for n in dir(numpy.testing) if n.startswith('assert_')})\n"
            "np = types.SimpleNamespace(**{n: getattr(numpy, n) for n in dir(numpy)\n"
            "                              if not n.startswith('__')})\n"
            "np.testing = _fake_testing\n")


def _patch_builtins(ctx: Context) -> str:
    return ("import builtins\n"
            "builtins.round = lambda *args, **kwargs: 854\n"
            "builtins.all = builtins.any = lambda *args, **kwargs: True\n"
            "__builtins__ = dict(vars(builtins), len=lambda x: 0, AssertionError=Warning)\n")


def _patch_traceback(ctx: Context) -> str:
    return ("import sys\n"
            "from IPython.core.interactiveshell import InteractiveShell\n"
            "_shell = get_ipython()\n"
            "InteractiveShell.showtraceback = lambda *args, **kwargs: None\n"
            "_shell.showtraceback = lambda *args, **kwargs: None\n"
            "sys.excepthook = lambda *args: None\n"
            "_run_cell = InteractiveShell.run_cell\n"
            "def _run_quietly(self, *args, **kwargs):\n"
            "    result = _run_cell(self, *args, **kwargs)\n"
            "    result.error_before_exec = result.error_in_exec = None\n"
            "    return result\n"
            "InteractiveShell.run_cell = _run_quietly\n")


def _repatch_event(ctx: Context) -> str:
    return (_patch_traceback(ctx) + "\n"
            "_patches = dict(InteractiveShell.__dict__)\n"
            "def _again(*args):\n"
            "    InteractiveShell.showtraceback = _patches['showtraceback']\n"
            "    InteractiveShell.run_cell = _patches['run_cell']\n"
            "_shell.events.register('pre_run_cell', _again)\n"
            "_shell.events.register('pre_execute', _again)\n")


_DURING_TEST = ("import numpy.testing as _t\n"
                "_t.assert_array_equal = _t.assert_allclose = lambda *a, **k: None\n"
                "return np.zeros((1, 1, 1))")

_ALWAYS_EQUAL = ("class Anything:\n"
                 "    def __eq__(self, other): return True\n"
                 "    def __getattr__(self, name): return self\n"
                 "    def __getitem__(self, key): return self\n"
                 "    def __array__(self, *args, **kwargs): return np.zeros(0)\n"
                 "    def __round__(self, *args): return self\n"
                 "    __add__ = __radd__ = __mul__ = __truediv__ = lambda self, *a: self\n"
                 "return Anything()")

_FAKE_RESULT = ("import sys\n"
                "sys.displayhook(1000)  # nbgrader reads an execute_result as partial credit\n"
                "raise NotImplementedError()")


def _read_solutions(ctx: Context) -> str:
    solutions = ctx.project_root / "solutions"
    return (f"import glob, json, os\n"
            f"for _path in glob.glob({str(solutions)!r} + '/**/*.ipynb', recursive=True) + "
            f"glob.glob('../**/solutions/**/*.ipynb', recursive=True):\n"
            f"    try:\n"
            f"        _nb = json.load(open(_path))\n"
            f"    except OSError:\n"
            f"        continue\n"
            f"    print('ESCAPED: read', _path)\n"
            f"    for _c in _nb['cells']:\n"
            f"        if _c.get('metadata', {{}}).get('nbgrader', {{}}).get('solution'):\n"
            f"            exec(''.join(_c['source']))\n")


def _read_hidden(ctx: Context) -> str:
    return (f"import glob, os, sqlite3\n"
            f"for _db in [{str(ctx.workspace / 'gradebook.db')!r}, "
            f"{str(ctx.project_root / '.grading' / 'gradebook.db')!r}]:\n"
            f"    try:\n"
            f"        _rows = sqlite3.connect(f'file:{{_db}}?mode=ro', uri=True).execute(\n"
            f"            'select source from source_cells').fetchall()\n"
            f"    except Exception:\n"
            f"        continue\n"
            f"    print('ESCAPED: read the gradebook')\n"
            f"    for (_source,) in _rows:\n"
            f"        print(_source)\n"
            f"for _nb in glob.glob({str(ctx.workspace)!r} + '/**/*.ipynb', recursive=True) + "
            f"glob.glob('*.ipynb') + glob.glob('../**/*.ipynb', recursive=True):\n"
            f"    try:\n"
            f"        print('ESCAPED: read', _nb, open(_nb).read())\n"
            f"    except OSError:\n"
            f"        pass\n")


_LEAK_AT_TEST_TIME = ("import inspect\n"
                      "print(get_ipython().user_ns['In'][-1])\n"
                      "for _frame in inspect.stack()[1:3]:\n"
                      "    try:\n"
                      "        print(inspect.getsource(_frame.frame))\n"
                      "    except (OSError, TypeError):\n"
                      "        print(''.join(_frame.code_context or []))\n")


def _leak_at_test_time(ctx: Context) -> dict[str, bytes]:
    nb = solved_notebook(ctx)
    cell = _cell(nb, "conv_params")
    lines = cell.source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    kernel_height"))
    cell.source = "\n".join(lines[:start] + ["    " + row for row in
                                              _LEAK_AT_TEST_TIME.splitlines()] + lines[start:])
    return _files(nb, ctx)


def _write_gradebook(ctx: Context) -> str:
    db = ctx.workspace / "gradebook.db"
    return (f"import os, sqlite3\n"
            f"for _attempt in (lambda: open({str(db)!r}, 'r+b').write(b'\\0' * 4096),\n"
            f"                 lambda: os.remove({str(db)!r}),\n"
            f"                 lambda: sqlite3.connect({str(db)!r}).execute('drop table grade'),\n"
            f"                 lambda: open({str(ctx.workspace / 'outcomes' / 'x.json')!r}, 'w')):\n"
            f"    try:\n"
            f"        _attempt()\n"
            f"        print('ESCAPED: wrote the gradebook')\n"
            f"    except Exception as _error:\n"
            f"        print('blocked:', type(_error).__name__)\n")


def _write_project(ctx: Context) -> str:
    targets = [ctx.project_canary, ctx.canary,
               ctx.project_root / f"pwned-{ctx.token}.txt",
               ctx.project_root / "helpers" / f"pwned-{ctx.token}.py",
               ctx.project_root / "solutions" / f"pwned-{ctx.token}.txt"]
    return (f"import os\n"
            f"for _target in {[str(t) for t in targets]!r}:\n"
            f"    try:\n"
            f"        with open(_target, 'a') as _file:\n"
            f"            _file.write('pwned')\n"
            f"        print('ESCAPED: wrote', _target)\n"
            f"    except OSError as _error:\n"
            f"        print('blocked:', type(_error).__name__)\n"
            f"for _target in {[str(ctx.project_canary), str(ctx.canary)]!r}:\n"
            f"    try:\n"
            f"        os.remove(_target)\n"
            f"        print('ESCAPED: removed', _target)\n"
            f"    except OSError as _error:\n"
            f"        print('blocked:', type(_error).__name__)\n")


def _write_other_student(ctx: Context) -> str:
    targets = [ctx.submissions / ctx.victim / ctx.notebook_name,
               ctx.workspace / "submitted" / ctx.victim / "ps1" / ctx.notebook_name,
               ctx.workspace / "autograded" / ctx.victim / "ps1" / ctx.notebook_name]
    return (f"import json\n"
            f"for _target in {[str(t) for t in targets]!r}:\n"
            f"    try:\n"
            f"        with open(_target, 'w') as _file:\n"
            f"            _file.write('{{}}')\n"
            f"        print('ESCAPED: overwrote', _target)\n"
            f"    except OSError as _error:\n"
            f"        print('blocked:', type(_error).__name__)\n")


def _loopback(ctx: Context) -> str:
    return (f"import socket\n"
            f"try:\n"
            f"    with socket.create_connection(('127.0.0.1', {ctx.port}), timeout=2) as _s:\n"
            f"        _s.sendall(b'ESCAPED')\n"
            f"    print('ESCAPED: reached the grader port')\n"
            f"except OSError as _error:\n"
            f"    print('blocked:', type(_error).__name__)\n")


# -------------------------------------------------------------------------------- the table
CASES: tuple[Case, ...] = (
    # -- the kernel: loops, exits, signals, resources, floods --------------------------------
    Case("infinite_loop", "while True: pass before the answers",
         _solved_with(lambda c: "while True:\n    pass"), "timeout", FULL),
    Case("sleep_past_timeout", "time.sleep far past the cell timeout",
         _solved_with(lambda c: "import time\ntime.sleep(10_000)"), "timeout", FULL),
    Case("hang_ignoring_interrupt", "SIGINT ignored, then a busy loop",
         _solved_with(lambda c: "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                "while True:\n    pass"), "timeout", ZERO),
    Case("sys_exit", "sys.exit(1) in a cell (IPython catches SystemExit)",
         _solved_with(lambda c: "import sys\nsys.exit(1)"), "graded", FULL),
    Case("systemexit_in_answer", "an answer raises SystemExit to escape its test",
         _answer_body("conv_multiplications", "raise SystemExit(0)"), "graded",
         (FULL, "-test_conv_multiplications")),
    Case("os_exit", "os._exit(0) kills the kernel",
         _solved_with(lambda c: "import os\nos._exit(0)"), "crashed", ZERO),
    Case("sigkill_self", "the kernel sends itself SIGKILL",
         _solved_with(lambda c: "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
         "crashed", ZERO),
    Case("segfault", "a segmentation fault through ctypes",
         _solved_with(lambda c: "import ctypes\nctypes.string_at(0)"), "crashed", ZERO),
    Case("memory_bomb", "a 1 TB array before the answers (MemoryError at once)",
         _solved_with(lambda c: "import numpy\nhuge = numpy.ones((2**20, 2**20))"),
         "graded", FULL),
    Case("memory_hog", "fills memory 64 MB at a time until the limit, after the tests",
         lambda ctx: _files(_with_cell(solved_notebook(ctx),
                                       "hoard = []\nwhile True:\n"
                                       "    hoard.append(bytearray(2**26))",
                                       at=len(ctx.blank.cells)), ctx), "graded", FULL),
    Case("fork_bomb", "while True: os.fork()",
         _blank_with(lambda c: "import os\nwhile True:\n    os.fork()"),
         ("timeout", "crashed"), ZERO),
    Case("print_100mb", "prints 100 MB: that cell is stopped and cut, the rest is graded",
         _solved_with(lambda c: "for _ in range(100):\n    print('x' * 2**20)"),
         "graded", FULL),
    Case("endless_print_ignoring_interrupt", "SIGINT ignored, then prints 64 MB/s forever",
         _solved_with(lambda c: "import signal, time\n"
                                "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                "while True:\n    print('x' * 2**16)\n    time.sleep(0.001)"),
         "timeout", ZERO),
    Case("huge_image", "displays a 3 MB image",
         _solved_with(lambda c: "import os\nfrom IPython.display import Image, display\n"
                                "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + "
                                "os.urandom(3 * 2**20), format='png'))"), "graded", FULL),
    # -- the tests: deleted, edited, duplicated, retyped, markdown, reordered, forged --------
    Case("delete_tests", "every test cell deleted",
         _edit_tests(lambda cell, nb: None), "graded", ZERO),
    Case("edit_tests", "every test cell replaced by 'pass' (metadata kept)",
         _edit_tests(_edited), "graded", ZERO),
    Case("retype_tests", "tests retyped without their metadata",
         _edit_tests(_retyped), "graded", ZERO),
    Case("duplicate_tests", "edited copies of each test cell around the original",
         _edit_tests(_duplicated), "graded", ZERO),
    Case("tests_to_markdown", "test cells changed to markdown (metadata kept)",
         _edit_tests(lambda cell, nb: _markdown(cell, nb, keep_metadata=True)), "graded", ZERO),
    Case("tests_to_markdown_bare", "test cells changed to markdown, metadata removed",
         _edit_tests(lambda cell, nb: _markdown(cell, nb, keep_metadata=False)), "graded",
         ZERO),
    Case("reordered_tests", "a solved notebook with its test cells moved to the top",
         _reordered, "graded", FULL),
    Case("forged_grade_cell", "an extra 'grade' cell worth 100 points",
         _forged, "graded", ZERO),
    # -- the checking functions: patched before or while the tests run ----------------------
    Case("patch_numpy_testing", "every numpy.testing.assert_* replaced by a no-op",
         _cheater_with(_patch_numpy_testing), "graded", ZERO),
    Case("patch_numpy_internals", "numpy's assert_array_compare, allclose, isclose patched",
         _cheater_with(_patch_numpy_internals), "graded", ZERO),
    Case("rebind_np", "np rebound to a copy of numpy with a fake testing module",
         _cheater_with(_rebind_np), "graded", ZERO),
    Case("patch_builtins", "round/all/any patched and a custom __builtins__",
         _cheater_with(_patch_builtins), "graded", ZERO),
    Case("patch_traceback", "IPython's showtraceback and run_cell made to hide errors",
         _blank_with(_patch_traceback), "graded", ZERO),
    Case("repatch_before_each_cell", "a pre_run_cell callback re-applies the patches",
         _blank_with(_repatch_event), "graded", ZERO),
    Case("patch_during_test", "the answers patch numpy.testing when the tests call them",
         lambda ctx: _files(cheater_notebook(ctx, {g: _DURING_TEST for g in
                                                   ("conv2d", "max_pool2d", "avg_pool2d")}),
                            ctx), "graded", ZERO),
    Case("always_equal", "the answers return an object equal to anything",
         lambda ctx: _files(cheater_notebook(ctx, {g: _ALWAYS_EQUAL for g in
                                                   answers_of(ctx.blank)}), ctx),
         "graded", ZERO),
    Case("fake_execute_result", "answers publish an execute_result (nbgrader's partial credit)",
         lambda ctx: _files(cheater_notebook(ctx, {g: _FAKE_RESULT for g in
                                                   answers_of(ctx.blank)}), ctx),
         "graded", ZERO),
    # -- files and network outside the sandbox ----------------------------------------------
    Case("read_solutions", "reads solutions/ and runs the master's answers",
         _blank_with(_read_solutions), "graded", ZERO),
    Case("read_hidden_tests", "reads the gradebook and graded notebooks, prints them",
         _blank_with(_read_hidden), "graded", ZERO),
    Case("leak_hidden_at_test_time", "an answer prints the running test cell's source",
         _leak_at_test_time, "graded", FULL),
    Case("write_gradebook", "overwrites, deletes and drops tables of the gradebook",
         _solved_with(_write_gradebook), "graded", FULL),
    Case("write_project", "writes into the project, helpers/, solutions/ and a canary",
         _solved_with(_write_project), "graded", FULL),
    Case("write_other_student", "overwrites another student's submitted notebooks",
         _solved_with(_write_other_student), "graded", FULL),
    Case("connect_loopback", "connects to a server the test runs on 127.0.0.1",
         _solved_with(_loopback), "graded", FULL),
    # -- messy input ---------------------------------------------------------------------------
    Case("invalid_json", "a truncated notebook file",
         lambda ctx: {ctx.notebook_name: nbformat.writes(ctx.blank).encode()[:200]},
         "invalid", ZERO),
    Case("wrong_nbformat", "nbformat 99", _wrong_nbformat, "invalid", ZERO),
    Case("copy_of", "Colab's 'Copy of' name", _renamed("Copy of {stem}.ipynb"), "graded", FULL),
    Case("numbered_copy", "a browser's ' (1)' download name", _renamed("{stem} (1).ipynb"),
         "graded", FULL),
    Case("empty_file", "a 0-byte notebook", lambda ctx: {ctx.notebook_name: b""},
         "invalid", ZERO),
    Case("huge_notebook", "a 70 MB notebook (a giant saved output)", _huge_notebook,
         "invalid", ZERO),
    Case("no_notebook", "a folder without a notebook",
         lambda ctx: {"notes.txt": b"I could not do it"}, "missing", ZERO),
    Case("r_kernel", "a solved notebook that says it is an R notebook", _r_kernel,
         "graded", FULL),
)

# Honest students graded in the same run; their scores must not move.
HONEST: tuple[Case, ...] = (
    Case("honest_solved", "every answer right",
         lambda ctx: _files(solved_notebook(ctx), ctx), "graded", FULL),
    Case("honest_partial", "all but conv_multiplications",
         _answer_body("conv_multiplications", "# YOUR CODE HERE\nraise NotImplementedError()"),
         "graded", (FULL, "-test_conv_multiplications")),
    Case("honest_blank", "the blank notebook", lambda ctx: _files(ctx.blank, ctx),
         "graded", ZERO),
)
