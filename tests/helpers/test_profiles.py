"""Profiles and helpers.setup(): the first call of every notebook."""

from __future__ import annotations

import subprocess
import sys

import pytest

import helpers
from helpers.profiles import get_settings, resolve_profile


@pytest.mark.parametrize("value, accelerator, expected", [
    ("fast", True, "fast"), ("full", False, "full"), ("auto", True, "full"),
    ("auto", False, "fast"), ("FAST", False, "fast"),
])
def test_resolve_profile(value, accelerator, expected):
    assert resolve_profile(value, has_accelerator=accelerator) == expected


def test_environment_variable_is_read_and_argument_wins(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    assert resolve_profile(None, has_accelerator=False) == "full"
    assert resolve_profile("fast", has_accelerator=False) == "fast"


@pytest.mark.parametrize("bad", ["quick", "", 3])
def test_unknown_profile_is_rejected_with_the_allowed_values(bad):
    with pytest.raises(ValueError, match=r"'profile' parameter must be one of \('fast', 'full', 'auto'\)"):
        resolve_profile(bad)


def test_bad_environment_variable_names_it(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    with pytest.raises(ValueError, match="'COURSE_PROFILE'.*got 'turbo'"):
        resolve_profile(None)


def test_fast_is_smaller_than_full():
    fast, full = get_settings("fast"), get_settings("full")
    assert fast.n_train < 10_000 and full.n_train is None
    assert fast.epochs < full.epochs
    assert fast.pick(fast=1, full=2) == 1 and full.pick(fast=1, full=2) == 2


def test_setup_reports_versions_device_and_profile_on_stdout_only():
    code = ("import helpers; s = helpers.setup('fast', seed=7); "
            "import numpy as np; print('draw', np.random.rand())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True) for _ in range(2)]
    out = runs[0].stdout
    assert "TensorFlow 2." in out and "Keras 3." in out
    assert "Device: CPU" in out and "Profile: fast" in out and "seed=7" in out
    assert "Data: " in out
    assert len(out.strip().splitlines()) <= 6
    assert runs[0].stderr == "", runs[0].stderr  # nbgrader fails cells that write to stderr
    # the seed is really set: the same draw twice
    assert out.splitlines()[-1] == runs[1].stdout.splitlines()[-1]


def test_setup_rejects_a_bad_seed():
    with pytest.raises(ValueError, match="'seed' parameter of setup"):
        helpers.setup("fast", seed=-1)
