"""The workspace's shared services: the atomic write, the digest, the result store."""

from __future__ import annotations

import os
import stat

import pytest

from course.workspace import Workspace, atomic_write, digest


def test_atomic_write_replaces_the_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "out" / "grades.csv"
    atomic_write(target, "a,b\n")
    atomic_write(target, b"c,d\n")
    assert target.read_bytes() == b"c,d\n"
    assert [path.name for path in target.parent.iterdir()] == ["grades.csv"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    target.write_text("old")

    def refuse(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["manifest.json"]


def test_digest_follows_content_names_and_pattern(tmp_path):
    package = tmp_path / "helpers"
    (package / "models").mkdir(parents=True)
    (package / "models" / "vgg.py").write_text("FILTERS = 64\n")
    (package / "README.txt").write_text("notes")
    first = digest(package, pattern="**/*.py")
    assert len(first) == 64 and int(first, 16) >= 0
    (package / "README.txt").write_text("other notes")              # not a .py file
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "vgg.cpython-311.pyc").write_bytes(b"\0")
    assert digest(package, pattern="**/*.py") == first
    assert digest(package) != first                                   # every file counts
    (package / "models" / "vgg.py").rename(package / "models" / "vgg16.py")
    assert digest(package, pattern="**/*.py") != first                # names count
    (package / "models" / "vgg16.py").rename(package / "models" / "vgg.py")
    assert digest(package, pattern="**/*.py") == first


def test_digest_of_strings_and_files_is_order_sensitive(tmp_path):
    notebook = tmp_path / "01.ipynb"
    notebook.write_text("{}")
    assert digest(notebook, "fast") != digest(notebook, "full")
    assert digest("fast", "full") != digest("full", "fast")
    (tmp_path / "profile").write_text("fast")
    assert digest(tmp_path / "profile") != digest("fast")            # a file is not its text
    assert digest(tmp_path / "absent", "fast") == digest("fast")      # a missing path: nothing


def test_result_store_round_trip(tmp_path):
    workspace = Workspace(tmp_path / "workspace")
    assert workspace.load_result("ps1", "alice") is None and workspace.load_results("ps1") == {}
    record = {"fingerprint": "f00d", "outcome": {"student_id": "alice", "status": "graded"}}
    workspace.save_result("ps1", "alice", record)
    workspace.save_result("ps1", "A. Smith", {"fingerprint": None, "outcome": {}})
    assert workspace.load_result("ps1", "alice") == record
    assert sorted(workspace.load_results("ps1")) == ["A. Smith", "alice"]
    workspace.result_file("ps1", "bob").write_text("{ half written")   # unreadable: skipped
    assert sorted(workspace.load_results("ps1")) == ["A. Smith", "alice"]
    assert workspace.result_file("ps1", "alice") == (
        tmp_path / "workspace" / "results" / "ps1" / "alice.json")
