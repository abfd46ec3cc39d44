"""The import graphs of helpers and course: dependencies run one way, imports inside functions
included."""

from __future__ import annotations

import ast
from pathlib import Path

import course
import helpers


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its code; a package also points
    at its submodules (it exposes them, eagerly or on first use)."""
    modules = {_module_name(path, package): path for path in package.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        if path.name == "__init__.py":
            graph[name] |= {other for other in modules
                            if other.rpartition(".")[0] == name}
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}"
                           in modules else node.module for alias in node.names]
            else:
                continue
            graph[name] |= {target for target in targets if target in modules} - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as a list of modules, or [] when there is none."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_find_cycle_finds_a_loop_through_a_function_level_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_helpers_has_no_import_loop():
    graph = import_graph(Path(helpers.__file__).parent)
    assert graph["helpers.train"] >= {"helpers.profiles", "helpers.devices"}  # read right
    assert find_cycle(graph) == []


def test_course_has_no_import_loop():
    graph = import_graph(Path(course.__file__).parent)
    assert graph["course.grading.check"] >= {"course.grading.strength",
                                             "course.grading.jobs"}  # read right
    assert find_cycle(graph) == []
