"""helpers.setup(): the first call of every notebook."""

from __future__ import annotations

import subprocess
import sys

import pytest

import helpers


@pytest.mark.slow
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
