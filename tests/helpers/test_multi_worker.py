"""helpers.train.get_strategy under TF_CONFIG: two worker processes on loopback ports train one
model together through helpers.train.fit."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers.train import get_strategy

JOB = Path(__file__).with_name("multi_worker_job.py")
TIME_LIMIT = 300  # seconds for the whole run; importing TensorFlow dominates on a shared CPU


def free_ports(count: int) -> list[int]:
    """Ports that are free on 127.0.0.1 now (the system picks them)."""
    sockets = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


# A log record: a line that starts like "E0000 00:00:1796 ..." and the lines that continue it.
LOG_RECORD = re.compile(r"^[IWEF]\d{4} .*?(?=^[IWEF]\d{4} |\Z)", re.MULTILINE | re.DOTALL)


def noise(stderr: str) -> str:
    """What a job wrote to stderr, less gRPC's records of a refused connection: while the
    cluster comes up, a worker may call its peer before the peer listens, and retries."""
    return LOG_RECORD.sub(lambda record: "" if "Connection refused" in record.group(0)
                          else record.group(0), stderr).strip()


def start_job(out: Path, tf_config: dict | None) -> subprocess.Popen:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="-1",
               COURSE_PROFILE="fast")
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return subprocess.Popen([sys.executable, str(JOB), str(out)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_noise_keeps_everything_but_refused_connections():
    refused = ('E0000 00:00:1796 1234 grpc_server_lib.cc:42] UNAVAILABLE: failed to connect\n'
               '  ipv4:127.0.0.1:5000: Failed to connect to remote host: Connection refused", '
               'grpc_status:14}\n')
    other = "W0000 00:00:1796 5678 op_level_cost_estimator.cc:699] Error in PredictCost()\n"
    assert noise(refused) == ""
    assert noise(refused + other) == other.strip()
    assert noise("Traceback (most recent call last):\n") == "Traceback (most recent call last):"


def weights(path: Path, stage: str) -> list[np.ndarray]:
    saved = np.load(path)
    return [saved[f"{stage}_{i}"] for i in range(sum(k.startswith(stage) for k in saved))]


@pytest.mark.slow
def test_two_workers_train_one_model_and_end_with_the_same_weights(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    start = time.monotonic()
    jobs = {f"worker{i}": start_job(tmp_path / f"worker{i}.npz",
                                    {"cluster": cluster, "task": {"type": "worker", "index": i}})
            for i in range(2)}
    # the reference: the same script in one process, without TF_CONFIG
    jobs["single"] = start_job(tmp_path / "single.npz", None)
    outputs = {}
    for name, job in jobs.items():
        try:
            outputs[name] = job.communicate(timeout=TIME_LIMIT)
        except subprocess.TimeoutExpired:
            for other in jobs.values():
                other.kill()
            pytest.fail(f"{name} did not finish within {TIME_LIMIT} s")
        assert job.returncode == 0, f"{name} failed:\n{outputs[name][1][-3000:]}"
    elapsed = time.monotonic() - start
    assert elapsed < TIME_LIMIT

    assert outputs["worker0"][0] == "Strategy: MultiWorkerMirroredStrategy, worker 0 of 2\n"
    assert outputs["worker1"][0] == "Strategy: MultiWorkerMirroredStrategy, worker 1 of 2\n"
    assert outputs["single"][0] == "Strategy: default (one device: CPU)\n"
    assert all(noise(stderr) == "" for _, stderr in outputs.values()), outputs

    first, second = (weights(tmp_path / f"worker{i}.npz", "final") for i in range(2))
    initial = weights(tmp_path / "worker0.npz", "initial")
    assert len(first) == len(initial) == 4  # two Dense layers: kernel and bias each
    for mine, theirs, before in zip(first, second, initial):
        np.testing.assert_array_equal(mine, theirs)   # one model, kept in sync at every step
        assert np.abs(mine - before).max() > 1e-3      # and it did train
    # Each worker took its half of every global batch of 64 and the gradients were summed:
    # the same steps as one process training on the whole batches (a worker that trained on
    # all the data, or on the same half as the other, would take different steps).
    reference = weights(tmp_path / "single.npz", "final")
    np.testing.assert_array_equal(weights(tmp_path / "single.npz", "initial")[0], initial[0])
    for mine, single in zip(first, reference):
        np.testing.assert_allclose(mine, single, rtol=0, atol=1e-4)


@pytest.fixture
def tf_config(monkeypatch):
    """Set TF_CONFIG for one test; get_strategy's cached choice is dropped before and after."""
    def set_config(value: str) -> None:
        monkeypatch.setenv("TF_CONFIG", value)

    get_strategy.cache_clear()
    yield set_config
    get_strategy.cache_clear()


@pytest.mark.parametrize("value", ["not json", "[]", '{"cluster": {"worker": ["a:1"]}}'])
def test_get_strategy_rejects_a_tf_config_without_cluster_and_task(tf_config, value):
    tf_config(value)
    with pytest.raises(ValueError, match="The TF_CONFIG environment variable of get_strategy "
                                         "must be JSON with a 'cluster' and a 'task'"):
        get_strategy()


@pytest.mark.parametrize("task", [{"type": "worker", "index": 2}, {"type": "ps", "index": 0},
                                  {"type": "worker", "index": "0"}])
def test_get_strategy_rejects_a_task_that_is_not_a_worker_of_the_cluster(tf_config, task):
    tf_config(json.dumps({"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
                          "task": task}))
    with pytest.raises(ValueError, match="The 'task' of the TF_CONFIG environment variable of "
                                         "get_strategy must name one of the cluster's workers"):
        get_strategy()


def test_get_strategy_with_a_cluster_of_one_worker_is_the_local_choice(tf_config, capsys):
    tf_config(json.dumps({"cluster": {"worker": ["127.0.0.1:1"]},
                          "task": {"type": "worker", "index": 0}}))
    get_strategy()
    assert capsys.readouterr().out == "Strategy: default (one device: CPU)\n"


@pytest.mark.slow
def test_get_strategy_says_to_come_first_when_tensorflow_already_started():
    tf_config = {"cluster": {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]},
                 "task": {"type": "worker", "index": 0}}
    script = ("import tensorflow as tf\ntf.config.list_logical_devices()\n"
              "from helpers.train import get_strategy\nget_strategy()\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="-1",
               TF_CONFIG=json.dumps(tf_config))
    done = subprocess.run([sys.executable, "-c", script], env=env, text=True,
                          capture_output=True, timeout=TIME_LIMIT)
    assert done.returncode == 1
    assert ("RuntimeError: get_strategy() must run before anything else uses TensorFlow when "
            "TF_CONFIG describes a cluster") in done.stderr
