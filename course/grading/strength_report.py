"""The committed strength report of an assignment, and the checks ``make test`` runs on it.

``course check ASSIGNMENT --mutants --seeds K --report`` writes what
:func:`course.grading.strength.check_strength` found to ``solutions/_strength/<assignment>.json``
(beside the masters, outside every assignment's folder: ``course release`` copies an
assignment's whole folder to students, and the report names what the hidden tests catch):

* ``sources``: the SHA-256 of every file the verdicts depend on (:func:`report_sources`): the
  master, the modules of ``helpers`` it imports, and the modules of ``course`` the check runs,
  each with everything it imports in turn; ``digest``: the digest of them all;
* ``seeds``: the seeds the solution ran under, and ``flaky``: the tests whose outcome changed;
* ``mutants``: per mutant its ``id`` (``cell:mistake``), cell, mistake, line, ``change``
  (solution and mutant line), ``verdict`` (``visible``, ``hidden`` or ``none``) and the tests
  that failed; an instructor may add ``"equivalent": "why nothing can catch it"`` to a mutant
  nothing catches: the annotation is kept when the report is written again, as long as the
  mutant makes the same change.

:func:`report_problems` is what the quick test asserts empty: a report missing or stale (a
source changed since), a mutant nothing catches without an ``equivalent`` reason, a flaky
test, a solution that fails a test. :func:`audit_sample` picks, from the report's digest, the
few mutants the slow test runs again to see that the report tells the truth.

Example:
    >>> write_report(check_strength("ps1", SandboxSettings(), mutants=True, seeds=3))
    ...                                                                  # doctest: +SKIP
    (PosixPath('.../solutions/_strength/ps1.json'), [])
    >>> report_problems("ps1")                                        # doctest: +SKIP
    []
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from course import paths
from course.grading.integrity import strip_magics
from course.grading.strength import StrengthReport
from course.workspace import atomic_write, digest, master_notebook

__all__ = ["CHECK_MODULE", "MIN_SEEDS", "REPORTS", "audit_sample", "load_report",
           "project_path", "regenerate_command", "report_path", "report_problems", "report_sources",
           "write_report"]

REPORTS = "_strength"   # the folder of reports in solutions/ ('_': not an assignment)
MIN_SEEDS = 2           # fewer seeds cannot show a flaky test
CHECK_MODULE = "course.grading.strength"   # what decides a verdict, with what it imports
_PACKAGES = ("helpers", "course")          # the project's packages a verdict can depend on
_DOTTED = re.compile(r"(?:helpers|course)(?:\.\w+)+")
_SCRIPT = re.compile(r"\w+\.py")
_SHOWN = 5   # changed sources named in a stale report's message


def report_path(assignment: str, *, solutions: Path | None = None) -> Path:
    """``solutions/_strength/<assignment>.json``.

    Example:
        >>> report_path("ps1").relative_to(paths.ROOT).as_posix()
        'solutions/_strength/ps1.json'
    """
    return (solutions or paths.SOLUTIONS) / REPORTS / f"{assignment}.json"


def regenerate_command(assignment: str) -> str:
    """The command that writes the report of ``assignment`` again.

    Example:
        >>> regenerate_command("ps1")
        'course check ps1 --mutants --seeds 3 --report'
    """
    return f"course check {assignment} --mutants --seeds {MIN_SEEDS + 1} --report"


def _module_file(name: str) -> Path | None:
    """The source file of a module of the project's packages, or ``None``."""
    parts = name.split(".")
    if parts[0] not in _PACKAGES or not all(part.isidentifier() for part in parts):
        return None
    base = paths.ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _references(tree: ast.AST, package: str) -> set[str]:
    """The dotted names a module's code may import: its imports (those inside functions too,
    relative ones resolved against ``package``), ``helpers.data``-style attributes (the
    package imports its submodules on first use), strings naming a module (``python -m``)
    and strings naming a file beside it (``Path(__file__).with_name("server.py")``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            names.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _DOTTED.fullmatch(node.value):
                names.add(node.value)
            elif _SCRIPT.fullmatch(node.value) and package:   # a sibling run as a script
                names.add(f"{package}.{node.value[:-3]}")
    return names


def _closure(names: set[str]) -> set[Path]:
    """The source files of the named modules, their packages and everything they import."""
    found: set[Path] = set()
    queue = sorted(names)
    while queue:
        parts = queue.pop().split(".")
        for end in range(1, len(parts) + 1):
            module = ".".join(parts[:end])
            source = _module_file(module)
            if source is None or source in found:
                continue
            found.add(source)
            package = module if source.name == "__init__.py" else module.rpartition(".")[0]
            queue += sorted(_references(ast.parse(source.read_text("utf-8")), package))
    return found


def _notebook_references(notebook: Path) -> set[str]:
    """What the code cells of a notebook may import (a cell Python cannot parse: nothing)."""
    import nbformat

    names = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "code":
            try:
                names |= _references(ast.parse(strip_magics(cell.source)), "")
            except SyntaxError:
                continue
    return names


def report_sources(assignment: str, *, solutions: Path | None = None) -> list[Path]:
    """The files the report of ``assignment`` depends on: the master first, then the modules
    of ``helpers`` it imports and those of ``course`` that :data:`CHECK_MODULE` imports (the
    kernel's launcher included), each with all it imports in turn, sorted.

    Example:
        >>> report_sources("ps1")[0].name                              # doctest: +SKIP
        'ps1_convolution.ipynb'
    """
    master = master_notebook(assignment, solutions=solutions)
    modules = _closure(_notebook_references(master) | {CHECK_MODULE})
    return [master, *sorted(modules)]


def project_path(path: Path) -> str:
    """A path as reports and messages name it: relative to the project (or to the folder that
    holds ``solutions/``) when inside it.

    Example:
        >>> project_path(paths.SOLUTIONS / "_strength" / "ps1.json")
        'solutions/_strength/ps1.json'
    """
    for root in (paths.ROOT, paths.SOLUTIONS.parent):
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return str(path)


def _source_hashes(assignment: str, solutions: Path | None) -> dict[str, str]:
    return {project_path(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in report_sources(assignment, solutions=solutions)}


def _digest(sources: dict[str, str]) -> str:
    return digest(json.dumps(sources, sort_keys=True))


def load_report(assignment: str, *, solutions: Path | None = None) -> dict[str, Any] | None:
    """The report of ``assignment``, or ``None`` when there is none.

    Raises:
        ValueError: when the file is not a report (not JSON, or no ``mutants`` list).
    """
    path = report_path(assignment, solutions=solutions)
    if not path.is_file():
        return None
    try:
        report = json.loads(path.read_text("utf-8"))
    except ValueError as error:
        raise ValueError(f"The strength report '{path}' is not JSON ({error}).") from None
    if not isinstance(report, dict) or not isinstance(report.get("mutants"), list):
        raise ValueError(f"The strength report '{path}' has no 'mutants' list.")
    return report


def write_report(report: StrengthReport, *, sandbox: str,
                 solutions: Path | None = None) -> tuple[Path, list[str]]:
    """Write the report of a :func:`~course.grading.strength.check_strength` run with mutants
    and at least :data:`MIN_SEEDS` seeds, keeping the ``equivalent`` annotations of the mutants
    that make the same change as before.

    Args:
        report: the run.
        sandbox: the sandbox's status line (what the runs were isolated by).
        solutions: the folder of master notebooks (default ``solutions/``).

    Returns:
        The file written, and one line per annotation dropped because its mutant changed.

    Raises:
        ValueError: when ``report`` ran fewer than :data:`MIN_SEEDS` seeds.
    """
    if len(report.seeds) < MIN_SEEDS:
        raise ValueError(f"The 'report' parameter of write_report must have run at least "
                         f"{MIN_SEEDS} seeds; got {len(report.seeds)}.")
    name = report.assignment
    try:
        previous = load_report(name, solutions=solutions) or {"mutants": []}
    except ValueError:
        previous = {"mutants": []}
    kept = {entry.get("id"): entry for entry in previous["mutants"] if isinstance(entry, dict)
            and entry.get("equivalent")}
    dropped, mutants = [], []
    for result in report.mutants:
        entry = {"id": result.id, "cell": result.cell, "mistake": result.mutant.mistake.name,
                 "line": result.mutant.line, "change": list(result.mutant.change),
                 "verdict": result.caught_by, "failed": sorted(result.run.failed),
                 "status": result.run.status}
        annotated = kept.pop(result.id, None)
        if annotated is not None and annotated.get("change") == entry["change"]:
            entry["equivalent"] = annotated["equivalent"]
        elif annotated is not None:
            dropped.append(f"{name}: the 'equivalent' note of {result.id} was dropped: the "
                           "mutant changed; look at it again")
        mutants.append(entry)
    dropped += [f"{name}: the 'equivalent' note of {gone} was dropped: no such mutant any more"
                for gone in kept]
    sources = _source_hashes(name, solutions)
    record = {"assignment": name, "command": regenerate_command(name),
              "digest": _digest(sources), "sources": sources, "sandbox": sandbox,
              "seeds": sorted(report.seeds), "flaky": report.flaky,
              "solution_failed": sorted(report.solution.failed),
              "counts": {kind: sum(entry["verdict"] == kind for entry in mutants)
                         for kind in ("visible", "hidden", "none")},
              "mutants": mutants}
    path = report_path(name, solutions=solutions)
    atomic_write(path, json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return path, dropped


def report_problems(assignment: str, *, solutions: Path | None = None) -> list[str]:
    """What is wrong with the committed report of ``assignment``, one line each (empty: it
    is up to date, and the tests catch every mutant that is not equivalent, without a flaky
    test).

    Example:
        >>> report_problems("ps1")                                    # doctest: +SKIP
        []
    """
    run = f"run `{regenerate_command(assignment)}`"
    path = project_path(report_path(assignment, solutions=solutions))
    try:
        report = load_report(assignment, solutions=solutions)
    except ValueError as error:
        return [f"{assignment}: {error} {run}"]
    if report is None:
        return [f"{assignment}: no strength report ({path}): {run}"]
    current = _source_hashes(assignment, solutions)
    if report.get("digest") != _digest(current):
        recorded = report.get("sources") or {}
        changed = sorted(name for name in set(current) | set(recorded)
                         if current.get(name) != recorded.get(name))
        named = ", ".join(changed[:_SHOWN]) + (" ..." if len(changed) > _SHOWN else "")
        return [f"{assignment}: the strength report {path} is stale (changed since: "
                f"{named or 'its digest'}): {run}"]
    problems = []
    if len(report.get("seeds", [])) < MIN_SEEDS:
        problems.append(f"{assignment}: the report ran {len(report.get('seeds', []))} seed(s), "
                        f"fewer than {MIN_SEEDS}: {run}")
    if report.get("solution_failed"):
        problems.append(f"{assignment}: the solution fails "
                        f"{', '.join(report['solution_failed'])} in the check's runs")
    if report.get("flaky"):
        problems.append(f"{assignment}: flaky tests (the outcome changes with the seed): "
                        f"{', '.join(report['flaky'])}")
    for mutant in report["mutants"]:
        change = " -> ".join(mutant.get("change", [])) or f"line {mutant.get('line')}"
        if mutant.get("verdict") == "none" and not str(mutant.get("equivalent", "")).strip():
            problems.append(
                f"{assignment}: mutant {mutant.get('id')} ({change}) is caught by no test: "
                f"strengthen a test (then {run}), or, if the change makes no difference, add "
                f"\"equivalent\": \"why\" to it in {path}")
        elif mutant.get("verdict") != "none" and mutant.get("equivalent"):
            problems.append(f"{assignment}: mutant {mutant.get('id')} is marked equivalent but "
                            f"{', '.join(mutant.get('failed', []))} catch it: remove its "
                            f"\"equivalent\" note in {path}")
    return problems


def audit_sample(report: dict[str, Any], count: int = 2) -> list[str]:
    """``count`` mutant ids of ``report``, chosen by its digest (the same until it changes).

    Example:
        >>> audit_sample({"digest": "ab", "mutants": [{"id": "f:constant"}]})
        ['f:constant']
    """
    ids = [mutant["id"] for mutant in report["mutants"]]
    return sorted(ids, key=lambda id_: hashlib.sha256(
        f"{report.get('digest')}\0{id_}".encode()).hexdigest())[:count]
