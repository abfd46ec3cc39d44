"""One status vocabulary: the words of grades.csv, checked where an outcome is made."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from course.grading.outcome import Execution, Outcome, Status


def test_the_statuses_are_the_words_of_grades_csv():
    # The README's list of what the status column of grades.csv can hold.
    assert [status.value for status in Status] == [
        "graded", "needs_manual", "missing", "invalid", "timeout", "crashed"]
    assert [status for status in Status if not status.executed] == [Status.MISSING,
                                                                     Status.INVALID]


def test_an_outcome_keeps_the_word_through_json():
    outcome = Outcome("alice", "ps1", 6, 13, "timeout", "interrupted after 120 s: cell 9")
    assert outcome.status is Status.TIMEOUT and outcome.row()["status"] == "timeout"
    stored = json.loads(json.dumps(asdict(outcome)))
    assert stored["status"] == "timeout"
    assert Outcome(**stored) == outcome


@pytest.mark.parametrize("make", [
    lambda: Outcome("alice", "ps1", 0, 13, "ok"),
    lambda: Execution("ok"),
])
def test_an_unknown_status_is_refused(make):
    with pytest.raises(ValueError, match=r"The 'status' parameter of (Outcome|Execution) must "
                                         r"be one of \('graded', 'needs_manual', 'missing', "
                                         r"'invalid', "
                                         r"'timeout', 'crashed'\); got 'ok'\."):
        make()
