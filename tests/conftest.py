"""Shared test set-up: the fast profile, a headless plot backend, a quiet TensorFlow."""

from __future__ import annotations

import os
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

# Notebooks under tests/ are fixtures (e.g. hostile submissions), never run by nbval.
collect_ignore_glob = ["**/*.ipynb"]
