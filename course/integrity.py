"""Tests that cannot be talked out of failing.

Two defences, used by :mod:`course.execution` when it grades a submission:

1. **Rebuild from the master** (:func:`rebuild_from_master`, before nbgrader's own checks):
   the graded notebook is the master's cell list, in the master's order, where only the
   *answer* cells (nbgrader solution cells, matched by ``grade_id``) and the student's own
   extra cells come from the submission. Deleted, edited, retyped, duplicated, reordered or
   markdown-ified test cells, forged nbgrader metadata and unknown ``grade_id`` values are all
   undone, and each repair is reported. (nbgrader's ``OverwriteCells`` alone restores the
   source and type of a test cell only while its metadata survives; it leaves deleted cells
   out unless ``add_missing_cells`` is on, keeps the *last* of duplicated ids, and crashes the
   validation on unknown ids.)
2. **A guard inside the kernel** (:func:`guard_source`): before any student code runs it imports
   the modules the tests use and snapshots the checking machinery: every function and class of
   ``builtins``, ``numpy``, ``scipy``, ``math``, ``unittest``, ``keras``, IPython and ipykernel
   (module attributes and class methods), ``sys.modules`` entries, ``sys.excepthook``,
   ``sys.displayhook``, trace/profile hooks, IPython's event callbacks, input and AST
   transformers, custom exception handlers, the kernel's message handlers, and every name a
   master cell binds (so ``assert_allclose = lambda *a: None`` in a student cell is undone).
   Before every test cell the grader asks the guard to put all of it back, and after the test
   cell to check that nothing changed *while* it ran (a student function called by the test
   that patches ``np.allclose`` makes that test fail). Both calls answer through
   ``user_expressions``; a guard that does not answer fails the test.

Also here: :func:`sanitize_test_outputs` (nbgrader gives partial credit for an
``execute_result`` even when the cell then failed; a student function can publish one) and
:func:`redact_hidden_tests` (no hidden-test line in any output, e.g. a traceback or a student
function that prints ``In[-1]``).

What this does NOT defend against: code that runs in the same process as the tests can in
principle find and disable any in-process guard (``gc.get_objects()``), restore a patch
before the post-test check runs, or keep re-patching from a thread between the check and the
test. The guard defeats the known recipes and reports every restoration in the grade message,
so such a submission stands out for a human; real isolation of the tests from student code
would need the tests to run in another process.

Example:
    >>> graded, repairs = rebuild_from_master(master_nb, submitted_nb)   # doctest: +SKIP
    >>> repairs                                                          # doctest: +SKIP
    ["test cell 'test_conv2d' was missing: restored"]
"""

from __future__ import annotations

import ast
import copy
import inspect
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbformat import NotebookNode

__all__ = ["rebuild_from_master", "guard_source", "guard_call", "imported_modules",
           "hidden_test_lines",
           "redact_hidden_tests", "sanitize_test_outputs", "cell_role", "GUARDED_MODULES",
           "REDACTED", "REPAIRS_KEY", "ORIGIN_KEY", "RebuildFromMaster"]

GUARDED_MODULES = ("builtins", "sys", "math", "cmath", "operator", "functools", "numpy",
                   "scipy", "unittest", "traceback", "keras", "IPython", "ipykernel",
                   "helpers")
REDACTED = "[hidden test text removed]"
_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$(.*?)^\s*### END HIDDEN TESTS\s*$",
                     re.M | re.S)


def _nbgrader(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


ORIGIN_KEY = "course_origin"   # cell metadata set by the rebuild: "master" or "student"


def cell_role(cell: NotebookNode) -> str:
    """What a cell is to the grader.

    ``'answer'`` (an nbgrader solution cell), ``'test'`` (autograder tests), ``'locked'``
    (another read-only instructor cell), ``'master'`` (an instructor cell without nbgrader
    metadata, put back by :func:`rebuild_from_master`) or ``'free'`` (the student's own).
    """
    meta = _nbgrader(cell)
    if meta.get("grade_id"):
        if meta.get("solution"):
            return "answer"
        if meta.get("grade"):
            return "test"
        if meta.get("locked"):
            return "locked"
    if cell.get("metadata", {}).get(ORIGIN_KEY) == "master":
        return "master"
    return "free"


def _force_type(cell: NotebookNode, cell_type: str) -> NotebookNode:
    cell = copy.deepcopy(cell)
    if cell.cell_type == cell_type:
        return cell
    new = (nbformat.v4.new_code_cell if cell_type == "code" else
           nbformat.v4.new_markdown_cell if cell_type == "markdown" else
           nbformat.v4.new_raw_cell)(source=cell.source, metadata=cell.metadata)
    if "id" in cell:
        new["id"] = cell["id"]
    return new


def _tagged(cell: NotebookNode, origin: str) -> NotebookNode:
    cell = copy.deepcopy(cell)
    cell.setdefault("metadata", {})[ORIGIN_KEY] = origin
    return cell


def rebuild_from_master(master: NotebookNode, submitted: NotebookNode
                        ) -> tuple[NotebookNode, list[str]]:
    """The notebook to grade: the master's cells with the student's answers in them.

    * test and read-only cells: the master's, once each, in the master's order;
    * answer (solution) cells: the student's last cell with that ``grade_id``, converted back
      to the master's cell type, with the master's metadata; the master's stub if missing;
    * the master's cells without nbgrader metadata: the master's (``import numpy as np``
      runs as written); a student's edited version of such a code cell runs right after it;
    * the student's own extra cells: kept, after the cell they followed; forged nbgrader
      metadata on them is dropped.

    Every cell is tagged ``metadata["course_origin"]`` = ``"master"`` or ``"student"``.

    Args:
        master: the released (blank) student version; its test cells are replaced by the
            full tests (hidden ones included) later, by nbgrader's ``OverwriteCells``.
        submitted: the student's notebook (read with ``nbformat.read(..., as_version=4)``).

    Returns:
        ``(notebook, repairs)``: a new notebook (the arguments are not modified) and one
        sentence per repair made (empty for an untouched submission).

    Example:
        >>> nb, repairs = rebuild_from_master(blank, blank)   # doctest: +SKIP
        >>> repairs
        []
    """
    master_cells = list(master.cells)
    roles = {_nbgrader(c)["grade_id"]: cell_role(c) for c in master_cells
             if _nbgrader(c).get("grade_id")}
    master_ids = {c.get("id") for c in master_cells if c.get("id")}
    master_sources = {c.source: (_nbgrader(c).get("grade_id") or ("id", c.get("id")))
                      for c in master_cells}
    repairs: list[str] = []

    answers: dict[str, NotebookNode] = {}
    seen: dict[str, int] = {}
    mine_by_id: dict[str, NotebookNode] = {}
    extras: dict[object, list[NotebookNode]] = {}   # anchor (grade_id / cell id / None) -> cells
    anchor: object = None
    position: dict[str, int] = {}
    for index, cell in enumerate(submitted.cells):
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in roles:
            seen[grade_id] = seen.get(grade_id, 0) + 1
            position.setdefault(grade_id, index)
            if roles[grade_id] == "answer":
                answers[grade_id] = cell          # the last copy wins, as in nbgrader
            anchor = grade_id
            continue
        if grade_id:
            repairs.append(f"cell with unknown grade_id {grade_id!r}: kept as ordinary code")
        cell = copy.deepcopy(cell)
        cell.get("metadata", {}).pop("nbgrader", None)
        if cell.get("id") in master_ids and cell.get("id") not in mine_by_id:
            mine_by_id[cell["id"]] = cell
            anchor = ("id", cell["id"])
            continue
        if cell.source in master_sources:             # an untouched copy of a master cell
            anchor = master_sources[cell.source]
            continue
        extras.setdefault(anchor, []).append(_tagged(cell, "student"))

    cells: list[NotebookNode] = list(extras.get(None, []))
    order = []
    for cell in master_cells:
        grade_id = _nbgrader(cell).get("grade_id")
        role = roles.get(grade_id, "free") if grade_id else "free"
        kind = {"test": "test cell", "locked": "read-only cell", "answer": "answer cell"}
        if role == "answer" and grade_id in answers:
            mine = answers[grade_id]
            if mine.cell_type != cell.cell_type:
                repairs.append(f"answer cell {grade_id!r} was {mine.cell_type}: "
                               f"graded as {cell.cell_type}")
            new = _force_type(mine, cell.cell_type)
            new.metadata = copy.deepcopy(cell.metadata)
            cells.append(_tagged(new, "student"))
        elif role in kind:
            count = seen.get(grade_id, 0)
            if count == 0:
                repairs.append(f"{kind[role]} {grade_id!r} was missing: restored")
            elif count > 1:
                repairs.append(f"{kind[role]} {grade_id!r} appeared {count} times: kept one")
            cells.append(_tagged(cell, "master" if role != "answer" else "student"))
        else:
            cells.append(_tagged(cell, "master"))
            mine = mine_by_id.get(cell.get("id")) if cell.get("id") else None
            if (mine is not None and cell.cell_type == "code" and mine.cell_type == "code"
                    and mine.source != cell.source and mine.source.strip()):
                mine = _tagged(mine, "student")
                mine["id"] = f"{cell['id']}-student"[:64]
                cells.append(mine)
        if grade_id:
            order.append(position.get(grade_id, -1))
        key = grade_id or (("id", cell.get("id")) if cell.get("id") else None)
        if key is not None:
            cells.extend(extras.get(key, []))
    present = [p for p in order if p >= 0]
    if present != sorted(present):
        repairs.append("instructor cells were reordered: graded in the master's order")
    notebook = copy.deepcopy(master)
    notebook.cells = cells
    return notebook, repairs


# --------------------------------------------------------------------------------------------
# The guard that runs inside the kernel. It is sent as source text (the kernel cannot import
# the course package), so it must be self-contained.

def _kernel_guard(key, imports, prefixes):  # pragma: no cover - runs inside the kernel
    import builtins
    import functools
    import importlib
    import signal
    import sys
    import types

    for name in imports:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module the tests do not need here
            pass
    kinds = [types.FunctionType, types.BuiltinFunctionType, types.MethodType, type,
             classmethod, staticmethod, property, functools.partial,
             types.WrapperDescriptorType, types.MethodDescriptorType]
    if "numpy" in sys.modules:
        kinds.append(sys.modules["numpy"].ufunc)
    kinds = tuple(kinds)
    method_kinds = (types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                    classmethod, staticmethod, property, functools.partial)
    dotted = tuple(p + "." for p in prefixes)

    def guarded(name):
        return name in prefixes or name.startswith(dotted)

    modules = {n: m for n, m in list(sys.modules.items())
               if m is not None and guarded(n) and hasattr(m, "__dict__")}
    module_items, class_items = [], {}
    for name, module in modules.items():
        for attr, value in list(vars(module).items()):
            # NumPy's public functions are dispatcher objects, not functions: any callable.
            if (isinstance(value, kinds) or callable(value)) and not isinstance(
                    value, types.ModuleType):
                module_items.append((name, module, attr, value))
                if isinstance(value, type) and getattr(value, "__module__", None) == name:
                    class_items[value] = {k: v for k, v in list(vars(value).items())
                                          if isinstance(v, kinds)}
    shell = get_ipython()  # noqa: F821 - defined in the kernel
    kernel = getattr(shell, "kernel", None)
    objects = [o for o in (shell, kernel, shell.displayhook, shell.display_pub, shell.compile,
                           getattr(shell, "input_transformer_manager", None),
                           getattr(kernel, "session", None)) if o is not None]
    object_keys = {id(o): (o, set(vars(o))) for o in objects}
    state = {
        "excepthook": sys.excepthook, "displayhook": sys.displayhook,
        "breakpointhook": sys.breakpointhook, "stdout": sys.stdout, "stderr": sys.stderr,
        "meta_path": list(sys.meta_path), "path_hooks": list(sys.path_hooks),
        "sigint": signal.getsignal(signal.SIGINT),
        "events": {k: list(v) for k, v in shell.events.callbacks.items()},
        "ast_transformers": list(shell.ast_transformers),
        "cleanup": list(shell.input_transformers_cleanup),
        "post": list(shell.input_transformers_post),
        "custom_exceptions": shell.custom_exceptions, "CustomTB": shell.CustomTB,
        "showtraceback": vars(type(shell)).get("showtraceback"),
        "handlers": dict(getattr(kernel, "shell_handlers", {})),
        "control": dict(getattr(kernel, "control_handlers", {})),
    }
    master_names = {}
    marks = {}
    wrapped = {}
    suspect = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__",
               "__array__", "__array_ufunc__", "__array_function__", "__float__", "__int__",
               "__index__", "__getattr__", "__getattribute__", "__abs__", "__sub__")

    class IntegrityError(Exception):
        """A graded function returned something built to fool the tests."""

    def notebook_class(cls):
        for klass in getattr(cls, "__mro__", ()):
            if getattr(klass, "__module__", None) == "__main__" and any(
                    name in vars(klass) for name in suspect):
                return klass
        return None

    def inspect_result(name, value, depth=0):
        klass = notebook_class(type(value))
        if klass is not None:
            raise IntegrityError(
                f"{name}() returned an instance of {klass.__qualname__}, a class defined in "
                "the notebook that redefines comparisons or conversions; return plain "
                "numbers, tuples or NumPy arrays")
        if depth < 2 and isinstance(value, (tuple, list)):
            for item in value[:100]:
                inspect_result(name, item, depth + 1)
        elif depth < 2 and isinstance(value, dict):
            for item in list(value.values())[:100]:
                inspect_result(name, item, depth + 1)

    def make_wrapper(name, function):
        @functools.wraps(function)
        def checked(*args, **kwargs):
            result = function(*args, **kwargs)
            inspect_result(name, result)
            return result
        return checked

    def wrap_answers():
        user_ns = shell.user_ns
        for name, value in list(user_ns.items()):
            if (isinstance(value, types.FunctionType) and value.__module__ == "__main__"
                    and name not in master_names and not name.startswith("_")):
                wrapped[name] = value
                user_ns[name] = make_wrapper(name, value)

    def unwrap_answers():
        user_ns = shell.user_ns
        for name, function in wrapped.items():
            if getattr(user_ns.get(name), "__wrapped__", None) is function:
                user_ns[name] = function
        wrapped.clear()

    def same(now, then):
        # Bound methods are made afresh on each access (IPython swaps sys.excepthook and
        # ipykernel builtins.input for every request): equal is the same for them.
        return now is then or (isinstance(then, types.MethodType) and now == then)

    def check(restore, names=True):
        changed = []
        for name, module in modules.items():
            if sys.modules.get(name) is not module:
                changed.append(f"sys.modules[{name!r}]")
                if restore:
                    sys.modules[name] = module
        for name, module, attr, value in module_items:
            if not same(vars(module).get(attr), value):
                changed.append(f"{name}.{attr}")
                if restore:
                    vars(module)[attr] = value
        for cls, items in class_items.items():
            current = vars(cls)
            for attr, value in items.items():
                if not same(current.get(attr), value):
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{attr}")
                    if restore:
                        try:
                            setattr(cls, attr, value)
                        except (TypeError, AttributeError):
                            pass
            for attr in [a for a, v in list(current.items())
                         if a not in items and isinstance(v, method_kinds)]:
                changed.append(f"{cls.__module__}.{cls.__qualname__}.{attr} (added)")
                if restore:
                    try:
                        delattr(cls, attr)
                    except (TypeError, AttributeError):
                        pass
        for obj, keys in object_keys.values():
            for attr in [a for a, v in list(vars(obj).items())
                         if a not in keys and callable(v)]:
                changed.append(f"{type(obj).__name__}.{attr} (instance override)")
                if restore:
                    vars(obj).pop(attr, None)
        hooks = (("sys.excepthook", sys.excepthook, state["excepthook"], "excepthook"),
                 ("sys.displayhook", sys.displayhook, state["displayhook"], "displayhook"),
                 ("sys.breakpointhook", sys.breakpointhook, state["breakpointhook"],
                  "breakpointhook"),
                 ("sys.stdout", sys.stdout, state["stdout"], "stdout"),
                 ("sys.stderr", sys.stderr, state["stderr"], "stderr"))
        for label, now, then, attr in hooks:
            if not same(now, then):
                changed.append(label)
                if restore:
                    setattr(sys, attr, then)
        if sys.gettrace() is not None or sys.getprofile() is not None:
            changed.append("sys.settrace/setprofile")
            if restore:
                sys.settrace(None)
                sys.setprofile(None)
                import threading
                threading.settrace(None)
                threading.setprofile(None)
        for label, now, then in (("sys.meta_path", sys.meta_path, state["meta_path"]),
                                 ("sys.path_hooks", sys.path_hooks, state["path_hooks"])):
            # Libraries add and remove import hooks; one made in the notebook is suspect.
            added = [entry for entry in now if entry not in then and "__main__" in (
                getattr(entry, "__module__", None), getattr(type(entry), "__module__", None))]
            if added:
                changed.append(label)
                if restore:
                    now[:] = [entry for entry in now if entry not in added]
        if signal.getsignal(signal.SIGINT) is not state["sigint"]:
            changed.append("SIGINT handler")
            if restore:
                signal.signal(signal.SIGINT, state["sigint"])
        callbacks = shell.events.callbacks
        if {k: list(v) for k, v in callbacks.items()} != state["events"]:
            changed.append("IPython event callbacks")
            if restore:
                for event, functions in state["events"].items():
                    callbacks[event] = list(functions)
        for label, attr in (("AST transformers", "ast_transformers"),
                            ("input transformers", "input_transformers_cleanup"),
                            ("input transformers", "input_transformers_post")):
            then = state[{"ast_transformers": "ast_transformers",
                          "input_transformers_cleanup": "cleanup",
                          "input_transformers_post": "post"}[attr]]
            if list(getattr(shell, attr)) != then:
                changed.append(label)
                if restore:
                    setattr(shell, attr, list(then))
        if (shell.custom_exceptions != state["custom_exceptions"]
                or shell.CustomTB is not state["CustomTB"]):
            changed.append("custom exception handler")
            if restore:
                shell.custom_exceptions = state["custom_exceptions"]
                shell.CustomTB = state["CustomTB"]
        for label, now, then in (("kernel shell handlers", getattr(kernel, "shell_handlers", {}),
                                  state["handlers"]),
                                 ("kernel control handlers",
                                  getattr(kernel, "control_handlers", {}), state["control"])):
            if now != then:
                changed.append(label)
                if restore:
                    now.clear()
                    now.update(then)
        user_ns = shell.user_ns
        if user_ns.get("__builtins__") is not builtins:
            changed.append("__builtins__")
            if restore:
                user_ns["__builtins__"] = builtins
        for name, value in (master_names.items() if names else ()):
            if user_ns.get(name, marks) is not value:
                changed.append(f"{name} (bound by an instructor cell)")
                if restore:
                    user_ns[name] = value
        return changed

    def before_master():
        marks.clear()
        marks.update({k: v for k, v in shell.user_ns.items()})

    def after_master():
        for name, value in list(shell.user_ns.items()):
            if marks.get(name, marks) is not value and not name.startswith("_"):
                master_names[name] = value
        marks.clear()

    guard = types.ModuleType(key)
    guard.report = ""

    def run(step, token):
        changed = []
        if step == "before_test":
            changed = check(restore=True)
            wrap_answers()
        elif step == "after_test":
            unwrap_answers()
            # The test cell itself rebinds instructor names (x, rng ...): not tampering.
            changed = check(restore=True, names=False)
        elif step == "before_master":
            before_master()
        elif step == "after_master":
            after_master()
        guard.report = token + "|" + "|".join(changed)
        return guard.report

    guard.run = run
    sys.modules[key] = guard
    guard.report = "installed|"


def guard_source(key: str, imports: Iterable[str] = (), prefixes: Iterable[str] = GUARDED_MODULES
                 ) -> str:
    """Code that installs the guard in a kernel under ``sys.modules[key]``.

    It runs in a private namespace, so it adds nothing to the student's namespace.
    """
    function = inspect.getsource(_kernel_guard)
    first = [name for name in ("helpers",) if name in set(imports)]  # quiets TensorFlow
    ordered = first + sorted(set(imports) - set(first))
    call = f"_kernel_guard({key!r}, {ordered!r}, {tuple(prefixes)!r})"
    return f"exec({function + chr(10) + call!r}, {{'get_ipython': get_ipython}})"


def guard_call(key: str, step: str, token: str) -> tuple[str, dict[str, str]]:
    """``(code, user_expressions)`` that run one guard step and read its report.

    The report is ``"TOKEN|changed|changed..."``; a reply without the token means the guard
    did not run.
    """
    steps = ("before_master", "after_master", "before_test", "after_test")
    if step not in steps:
        raise ValueError(f"The 'step' parameter of guard_call must be one of {steps}; "
                         f"got {step!r}.")
    module = f"__import__('sys').modules[{key!r}]"
    return f"{module}.run({step!r}, {token!r})", {"report": f"{module}.report"}


def imported_modules(sources: Iterable[str]) -> set[str]:
    """Modules some code imports or reaches as attributes (for the guard's snapshot).

    ``import numpy as np`` then ``np.testing.assert_allclose(...)`` gives ``numpy`` and the
    candidates ``numpy.testing`` and ``numpy.testing.assert_allclose`` (NumPy loads
    ``numpy.testing`` lazily); ``from scipy import signal`` gives ``scipy`` and
    ``scipy.signal``. Candidates that are not modules fail to import and are skipped.
    """
    names: set[str] = set()
    trees = []
    aliases: dict[str, str] = {}
    for source in sources:
        try:
            trees.append(ast.parse(_strip_magics(source)))
        except SyntaxError:
            continue
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names.add(alias.name)
                    aliases[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                for alias in node.names:
                    if alias.name != "*":
                        names.add(f"{node.module}.{alias.name}")
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for tree in trees:
        for node in ast.walk(tree):
            chain = []
            while isinstance(node, ast.Attribute):
                chain.insert(0, node.attr)
                node = node.value
            if isinstance(node, ast.Name) and node.id in aliases and chain:
                for depth in range(1, min(len(chain), 3) + 1):
                    names.add(".".join([aliases[node.id], *chain[:depth]]))
    return names


def _strip_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


# --------------------------------------------------------------------------------------------
# Outputs

def hidden_test_lines(notebook: NotebookNode, *, min_chars: int = 8) -> list[str]:
    """The non-trivial lines between ``### BEGIN/END HIDDEN TESTS`` in a notebook's cells."""
    lines = set()
    for cell in notebook.cells:
        for block in _HIDDEN.findall(cell.source):
            lines.update(line.strip() for line in block.splitlines()
                         if len(line.strip()) >= min_chars)
    return sorted(lines, key=len, reverse=True)


def _redact_text(text: str, lines: list[str]) -> tuple[str, bool]:
    if not any(line in text for line in lines):
        return text, False
    kept = [REDACTED if any(line in row for line in lines) else row
            for row in text.split("\n")]
    return "\n".join(kept), True


def redact_hidden_tests(cell: NotebookNode, lines: list[str]) -> bool:
    """Remove every output line that contains a hidden-test line; True if one was found."""
    if not lines or cell.cell_type != "code":
        return False
    found = False
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            output.text, hit = _redact_text(output.text, lines)
            found |= hit
        elif output.output_type == "error":
            rows = []
            for row in output.traceback:
                row, hit = _redact_text(row, lines)
                rows.append(row)
                found |= hit
            output.traceback = rows
            output.evalue, hit = _redact_text(output.evalue, lines)
            found |= hit
        else:
            for mime, value in list(output.get("data", {}).items()):
                if isinstance(value, str):
                    output.data[mime], hit = _redact_text(value, lines)
                    found |= hit
    return found


def _ends_with_expression(source: str) -> bool:
    try:
        body = ast.parse(_strip_magics(source)).body
    except SyntaxError:
        return False
    return bool(body) and isinstance(body[-1], ast.Expr)


def sanitize_test_outputs(cell: NotebookNode, reply_status: str | None) -> None:
    """Make nbgrader's score of a test cell depend only on whether its tests passed.

    nbgrader scores a test cell by its first ``execute_result`` (a number is partial credit)
    before it looks for a later error, and a student function can publish an
    ``execute_result`` of its own. So: a failed cell keeps no ``execute_result`` and always
    has an error output; a cell whose last statement is not an expression keeps none.
    """
    if cell.cell_type != "code":
        return
    outputs = list(cell.get("outputs", []))
    failed = reply_status != "ok" or any(o.output_type == "error" for o in outputs)
    if failed or not _ends_with_expression(cell.source):
        outputs = [o for o in outputs if o.output_type != "execute_result"]
    if failed and not any(o.output_type == "error" for o in outputs):
        outputs.append(nbformat.v4.new_output(
            "error", ename="TestFailed", evalue="the test cell did not complete",
            traceback=["TestFailed: the test cell did not complete"]))
    cell.outputs = outputs


# --------------------------------------------------------------------------------------------
# nbgrader glue: the rebuild as the first of Autograde's sanitize preprocessors.

REPAIRS_KEY = "course_repairs"


def _rebuild_preprocessor():
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import Unicode

    class RebuildFromMaster(NbGraderPreprocessor):
        """Replace a submission by :func:`rebuild_from_master` of it (nbgrader preprocessor).

        ``master_directory`` holds the released notebooks as ``ASSIGNMENT/NOTEBOOK.ipynb``.
        The repairs are left in the notebook's metadata under ``course_repairs`` for
        :class:`course.execution.GuardedExecute` to report.
        """

        master_directory = Unicode("", help="Folder of the released notebooks."
                                   ).tag(config=True)

        def preprocess(self, nb, resources):
            info = resources["nbgrader"]
            path = Path(self.master_directory) / info["assignment"] / f"{info['notebook']}.ipynb"
            if not path.is_file():
                raise FileNotFoundError(f"The master notebook {str(path)!r} does not exist; "
                                        "set RebuildFromMaster.master_directory.")
            master = nbformat.read(path, as_version=4)
            rebuilt, repairs = rebuild_from_master(master, nb)
            rebuilt.metadata[REPAIRS_KEY] = repairs
            return rebuilt, resources

    return RebuildFromMaster


RebuildFromMaster = _rebuild_preprocessor()
