"""nbval executes lectures/ and solutions/ from the repository root (``make test``). Besides
nbval's own check (no cell raises), every executed cell must be free of TensorFlow's warnings
and log lines: a student should never see them (issue: lecture 05's retracing warnings)."""

from __future__ import annotations

import re

import pytest

#: TensorFlow's Python warnings, its C++ (absl) log lines and tf.function's retracing note.
TENSORFLOW_NOISE = re.compile(
    r"^(WARNING:tensorflow:.*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called.*"
    r"|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.]+:\d+\] .*"
    r"|.*triggered tf\.function retracing.*)$",
    re.MULTILINE)


def tensorflow_noise(outputs: list) -> list[str]:
    """The lines of TensorFlow noise in a cell's outputs (nbformat output nodes)."""
    return [match.group(0) for output in outputs if output.get("output_type") == "stream"
            for match in TENSORFLOW_NOISE.finditer(output.get("text", ""))]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    noise = tensorflow_noise(getattr(item, "test_outputs", None) or [])
    if noise:  # an nbval cell that ran, and printed TensorFlow's own lines
        pytest.fail(f"{item.name} printed TensorFlow's warnings or log lines (fix their cause "
                    "in the notebook or helpers, do not hide them):\n" + "\n".join(noise[:5]),
                    pytrace=False)
    return result
