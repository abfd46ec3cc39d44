"""The root conftest's check for TensorFlow noise in executed notebook cells."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
root_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(root_conftest)

# Lines as TensorFlow 2.21 printed them on this machine (stderr of `import tensorflow` and a
# model called in a Python loop).
REAL_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796636359.931029    5902 port.cc:153] oneDNN custom operations are on. You may "
    "see slightly different numerical results due to floating-point round-off errors.",
    "W0000 00:00:1796636367.670751    5902 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.",
    "WARNING:tensorflow:5 out of the last 5 calls to <function TensorFlowTrainer.make_predict_"
    "function.<locals>.one_step_on_data_distributed at 0x7f> triggered tf.function retracing.",
]


def stream(text: str, name: str = "stderr"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_every_kind_of_tensorflow_line_is_found() -> None:
    outputs = [stream(line + "\n") for line in REAL_LINES]
    assert root_conftest.tensorflow_noise(outputs) == REAL_LINES


def test_the_course_s_own_output_is_not_noise() -> None:
    outputs = [
        stream("/tmp/ipykernel_1/2.py:3: StandInWarning: mnist is not available; using the "
               "stand-in 'digits'\n"),
        stream("Strategy: default (one device: CPU)\nEpoch 1/2\n", name="stdout"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "'WARNING:tensorflow'"}),
    ]
    assert root_conftest.tensorflow_noise(outputs) == []
