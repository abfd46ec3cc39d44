"""``course grade --scheduler``, the quick loop: bad values and an unreachable scheduler are
one clear line (nothing written), and a change of the master graded through an in-process
Dask cluster keeps and drops exactly the manual grades a one-machine run does."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest

from course.cli import main
from course.errors import CourseError
from course.grading import cluster
from course.grading.cluster import parse_scheduler
from course.grading.grade import export_grades, grade_assignment
from course.grading.revision import pending_regrades

from .conftest import ExecExecutor
from .test_revision import NAME, NOTEBOOK, _change_master, _manual_state
from .test_revision import graded as graded  # noqa: F401 - fixtures of the scenario
from .test_revision import graded_course as graded_course  # noqa: F401


@pytest.mark.parametrize("value, expected", [
    ("local:1", 1), ("local:16", 16), ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
    ("tcp://node-7.cluster:8786", "tcp://node-7.cluster:8786"), ("tls://10.0.0.5:8786",
                                                                 "tls://10.0.0.5:8786")])
def test_scheduler_values(value, expected):
    assert parse_scheduler(value) == expected


@pytest.mark.parametrize("value", ["local:0", "local:", "local:two", "localhost:8786",
                                   "127.0.0.1:8786", "tcp://127.0.0.1", "http://host:8786",
                                   "tcp://host:99999", "tcp://host:0", ""])
def test_bad_scheduler_names_option_value_and_what_is_allowed(value):
    with pytest.raises(CourseError) as error:
        parse_scheduler(value)
    message = str(error.value)
    assert "'--scheduler'" in message and repr(value) in message
    assert "local:N" in message and "tcp://HOST:PORT" in message


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_bad_scheduler_on_the_command_line_writes_nothing(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    code = main(["grade", "ps1", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                 "--workspace", str(tmp_path / "ws"), "--scheduler", "localhost:8786"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "'--scheduler'" in err and "'localhost:8786'" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "ws").exists()


def test_unreachable_scheduler_is_one_line_without_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{_free_port()}"
    (tmp_path / "subs").mkdir()
    code = main(["grade", "ps1", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                 "--workspace", str(tmp_path / "ws"), "--scheduler", address, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert "Could not reach the Dask scheduler" in line and address in line
    assert "--scheduler" in line
    assert not (tmp_path / "out").exists() and not (tmp_path / "ws").exists()


def test_change_of_master_through_a_cluster_matches_one_machine(graded, tmp_path):  # noqa: F811
    """The scenario of ``test_revision``: after a change of the master, every submission set
    aside is regraded, here on a Dask cluster (workers in this process, shipped the same
    parcels as remote ones); the rows, the manual grades kept and dropped and the summary are
    those of the expected one-machine run."""
    path, subs, workspace = graded
    root = subs.parent
    _change_master(path)
    assert main(["release", NAME]) == 0
    with _in_process() as client:
        run = grade_assignment(NAME, subs, root / "out", executor=ExecExecutor(),
                               progress=False, client=client)
    assert [row.student_id for row in run.outcomes] == ["alice", "bob"]
    assert run.master_change[-1] == ("manual grades dropped (cell changed, grade it again): 1 "
                                     "(alice: test_pooled_size)")
    assert not pending_regrades(workspace, NAME)
    after = {o.student_id: (o.score, o.max_score, o.status.value)
             for o in export_grades(workspace, NAME)}
    # as in test_revision: test_pooled_size 2 + test_pooled_size_seven 1 + explain_pooling 1
    assert after == {"alice": (4, 4, "graded"), "bob": (0, 4, "graded"),
                     "carol": (3.5, 4, "graded")}
    state = _manual_state(workspace)
    assert state[("carol", "explain_pooling", "score")] == 0.5
    assert ("alice", "test_pooled_size", "score") not in state
    for student in ("alice", "bob"):
        assert (root / "out" / "feedback" / student / NOTEBOOK.replace(".ipynb", ".html")).is_file()
        assert (workspace.autograded(student, NAME) / NOTEBOOK).is_file()


@contextlib.contextmanager
def _in_process() -> Iterator[object]:
    """A client of a stand-in for ``local:N`` whose one worker is a thread of this process."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as local, Client(local) as client:
        yield client
