"""Shared test set-up: the fast profile, a headless plot backend, a quiet TensorFlow; the
data mirror and a loopback server that any test can use; and the order in which ``make test``
hands test files to its workers (the longest first)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("COURSE_PROFILE", "fast")
os.environ.setdefault("MPLBACKEND", "Agg")


ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the checkout; tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (tests that read it skip)")
    return SHARED


@pytest.fixture(scope="session")
def mnist_mirror(shared_dir: Path) -> Path:
    """The real MNIST test set in IDX format (../shared/data/mnist)."""
    folder = shared_dir / "data" / "mnist"
    if not (folder / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("../shared/data/mnist is absent")
    return folder


class LoopbackServer:
    """A TCP server on 127.0.0.1 that accepts and counts connections: what a sandboxed kernel
    (no network) must never reach.

    Attributes:
        port: the port it listens on (chosen by the system).
        connections: how many connections it has accepted so far.
    """

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port: int = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        """Stop accepting and close the socket."""
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture(scope="module")
def loopback_server() -> Iterator[LoopbackServer]:
    """A :class:`LoopbackServer` for the whole test module (compare ``connections`` before
    and after what must not connect)."""
    server = LoopbackServer()
    try:
        yield server
    finally:
        server.close()


# The test files that take longest (a module-scoped grading run, or many sandboxed runs), longest
# first: `make test` (pytest-xdist, --dist loadscope) gives each worker whole files, in the order
# of the collection, so these start at once instead of holding the run up at its end.
LONGEST_FILES = (
    "tests/course/grading/test_strength_of_assignments.py",
    "tests/course/grading/test_cluster.py",
    "tests/course/grading/test_check.py",
    "tests/course/grading/test_hostile.py",
    "tests/project/test_dependencies.py",
)


def file_rank(path: str, items: list[pytest.Item]) -> tuple[int, int]:
    """Where a test file comes in the run: the :data:`LONGEST_FILES`, then the other files that
    hold a slow test, then the notebooks nbval runs, then the quick files.

    Args:
        path: the file's path as in a node id (``tests/.../test_x.py``, ``lectures/x.ipynb``).
        items: the file's collected tests.

    Returns:
        A sort key (smaller starts sooner).

    Example:
        >>> file_rank("tests/course/grading/test_cluster.py", [])
        (0, 1)
    """
    if path in LONGEST_FILES:
        return 0, LONGEST_FILES.index(path)
    if any(item.get_closest_marker("slow") for item in items):
        return 1, 0
    return (2, 0) if path.endswith(".ipynb") else (3, 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Sort the items by :func:`file_rank`; a stable sort, so each file's tests stay together
    and in their order."""
    by_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    ranks = {path: file_rank(path, file_items) for path, file_items in by_file.items()}
    items.sort(key=lambda item: ranks[item.nodeid.split("::", 1)[0]])


# Notebooks under tests/ are fixtures (e.g. hostile submissions), never run by nbval.
collect_ignore_glob = ["**/*.ipynb"]
