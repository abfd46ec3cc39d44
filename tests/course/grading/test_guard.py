"""The guard's code: what it snapshots (the modules the tests import) and how it is called."""

from __future__ import annotations

import pytest

from course.grading.guard import guard_call, guard_source, imported_modules


def test_imported_modules_follow_aliases_and_attributes():
    code = "import numpy as np\nfrom scipy import signal\nnp.testing.assert_allclose(1, 1)"
    found = imported_modules([code, "%matplotlib inline"])
    assert {"numpy", "numpy.testing", "scipy", "scipy.signal"} <= found


def test_guard_source_and_calls():
    code = guard_source("_k", ["numpy"])
    compile(code, "<guard>", "exec")
    call, expressions = guard_call("_k", "before_test", "t0")
    assert "before_test" in call and "report" in expressions
    with pytest.raises(ValueError, match="The 'step' parameter of guard_call must be one of "
                                         r"\('before_master', 'after_master', 'before_test', "
                                         r"'after_test'\); got 'during'."):
        guard_call("_k", "during", "t0")
