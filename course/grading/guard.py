"""The guard inside the kernel: checking functions cannot be patched out of failing.

Before any student code runs, :func:`guard_source` installs, in the kernel, a snapshot of
the checking machinery (see :data:`GUARDED_MODULES`): every callable of those modules, the
methods of their classes, ``sys.modules`` entries, ``sys.excepthook``/``displayhook``, trace
and profile hooks, IPython's event callbacks, input and AST transformers, custom exception
handlers and the kernel's message handlers. :class:`course.grading.execution.GuardedClient` then
calls :func:`guard_call` steps, silently and with a fresh token each time:

* ``before_master``/``after_master`` around every instructor cell: the names it binds
  (``np``, ``assert_allclose``, test helpers) are remembered;
* ``before_test``: everything above, and those names, are put back as they were; the
  student's functions are wrapped so a result built to fool the tests (an instance of a
  class defined in the notebook that redefines ``==`` or conversions) fails the test;
* ``after_test``: what changed *while* the test ran is reported (and undone); the grader
  then fails that test.

A step that does not answer with its token means the guard was disabled: the test fails.
What an in-process guard cannot do is written in :mod:`course.grading.integrity`.

Example:
    >>> code = guard_source("_course_guard_1", ["numpy"])      # run silently in the kernel
    >>> code, expressions = guard_call("_course_guard_1", "before_test", "f00d")
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable

from course.grading.integrity import cell_role, strip_magics

__all__ = ["GUARDED_MODULES", "guard_call", "guard_source", "imported_modules",
           "instructor_imports"]

GUARDED_MODULES = ("builtins", "sys", "math", "cmath", "operator", "functools", "numpy",
                   "scipy", "unittest", "traceback", "keras", "IPython", "ipykernel",
                   "helpers")


# Sent to the kernel as source (inspect.getsource) and run there, where nothing of the course
# package is importable: it must be self-contained.
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
        except Exception:  # noqa: BLE001, S110 - a module the tests do not need here
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
        now_events = {k: list(v) for k, v in callbacks.items()}
        if now_events != state["events"]:
            # Always restored; named in the feedback unless the only additions are pyplot's
            # and the inline backend's figure drawing after each cell (a plot, not tampering).
            flushers = {id(value) for name in ("matplotlib.pyplot",
                                               "matplotlib_inline.backend_inline")
                        if name in sys.modules for value in vars(sys.modules[name]).values()}
            then_events = state["events"]
            added = {id(f) for event, functions in now_events.items() for f in functions
                     if not any(f is g for g in then_events.get(event, ()))}
            removed = any(not any(f is g for g in now_events.get(event, ()))
                          for event, functions in then_events.items() for f in functions)
            if removed or added - flushers:
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
        if step == "before_test":       # an instructor cell that tests
            before_master()
            changed = check(restore=True)
            wrap_answers()
        elif step == "after_test":
            unwrap_answers()
            # The test cell itself rebinds instructor names (x, rng ...): not tampering.
            changed = check(restore=True, names=False)
            after_master()
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

    Args:
        key: the guard's module name in the kernel (fresh for every submission).
        imports: modules to import before the snapshot (the tests' modules).
        prefixes: the modules whose callables are snapshot (and their submodules).

    Returns:
        One statement to execute silently in the kernel.

    Example:
        >>> compile(guard_source("_course_guard_1", ["numpy"]), "<guard>", "exec") is not None
        True
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

    Args:
        key: the guard's module name in the kernel.
        step: ``before_master``, ``after_master``, ``before_test`` or ``after_test``.
        token: a fresh random token the report must start with.

    Raises:
        ValueError: when ``step`` is not one of the four.

    Example:
        >>> guard_call("_g", "after_test", "f00d")[1]
        {'report': "__import__('sys').modules['_g'].report"}
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

    Args:
        sources: code cells' sources (magics are ignored, syntax errors skipped).

    Example:
        >>> sorted(imported_modules(["from scipy import signal"]))
        ['scipy', 'scipy.signal']
    """
    names: set[str] = set()
    trees = []
    aliases: dict[str, str] = {}
    for source in sources:
        try:
            trees.append(ast.parse(strip_magics(source)))
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


def instructor_imports(notebook) -> tuple[str, ...]:
    """The modules the instructor's cells (tests included) import, sorted: what the guard
    imports and snapshots before any student code runs.

    Args:
        notebook: the notebook to grade (after the rebuild from the master).

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("import numpy as np",
        ...                                  metadata={"course_origin": "master"})
        >>> instructor_imports(nbformat.v4.new_notebook(cells=[cell]))
        ('numpy',)
    """
    sources = [cell.source for cell in notebook.cells
               if cell.cell_type == "code" and cell_role(cell) in ("test", "locked", "master")]
    return tuple(sorted(imported_modules(sources)))
