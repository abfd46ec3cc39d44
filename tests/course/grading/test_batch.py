"""Batches: named after SUBMISSIONS, recorded in the workspace, and the scope of feedback and
export (the only batch, or --batch; several without --batch is an error listing them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.errors import CourseError
from course.grading import batch
from course.lms import Identity
from course.workspace import Workspace


@pytest.mark.parametrize(("submissions", "name"), [
    ("downloads/CNN-101-ps1 submissions.zip", "CNN-101-ps1 submissions"),
    ("section-a", "section-a"),
    ("SUBMISSIONS.ZIP", "SUBMISSIONS"),
    ("ps1: résumé/", "ps1- r-sum"),
    ("###.zip", "submissions"),
])
def test_default_names(submissions, name):
    assert batch.default_name(Path(submissions)) == name


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", "x" * 101])
def test_bad_batch_names_are_refused(name):
    with pytest.raises(CourseError, match=r"The '--batch' parameter must be letters, digits"):
        batch.check_name(name)


def _batch(name: str, *students: str) -> batch.Batch:
    return batch.Batch("ps1", name, f"{name}.zip",
                 tuple((s, Identity("canvas", user_id=s[-5:], name=s[:-6])) for s in students))


def test_resolve_the_only_batch_a_named_one_or_fail_listing_them(tmp_path):
    workspace = Workspace(tmp_path)
    assert batch.resolve_batch(workspace, "ps1", None, command="course export") is None
    first = _batch("section-a", "smithjohn_12345", "smithjohn_12399")
    batch.save_batch(workspace, first)
    assert batch.resolve_batch(workspace, "ps1", None, command="course export") == first
    batch.save_batch(workspace, _batch("section-b", "smithjohn_12399", "doejane_12403"))
    with pytest.raises(CourseError, match=r"'ps1' has 2 batches in '.*': 'section-a' \(2 "
                                          r"students\), 'section-b' \(2 students\); pass "
                                          r"--batch NAME to course export"):
        batch.resolve_batch(workspace, "ps1", None, command="course export")
    assert batch.resolve_batch(workspace, "ps1", "section-a", command="x").identities == {
        "smithjohn_12345": Identity("canvas", user_id="12345", name="smithjohn"),
        "smithjohn_12399": Identity("canvas", user_id="12399", name="smithjohn")}
    with pytest.raises(CourseError, match=r"must be a batch of 'ps1' .* got 'section-c'; its "
                                          r"batches: 'section-a' \(2 students\)"):
        batch.resolve_batch(workspace, "ps1", "section-c", command="course feedback")
    assert batch.shared_students(workspace, first) == {"section-b": ["smithjohn_12399"]}
