"""Shared test set-up: the fast profile, a headless plot backend, a quiet TensorFlow; the
data mirror and a loopback server that any test can use."""

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


# Notebooks under tests/ are fixtures (e.g. hostile submissions), never run by nbval.
collect_ignore_glob = ["**/*.ipynb"]
