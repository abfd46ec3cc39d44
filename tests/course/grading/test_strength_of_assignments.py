"""The committed strength report of every assignment (solutions/_strength/<assignment>.json):
up to date, every mutant caught (or marked equivalent, with a reason), no flaky test; and a
slow audit that runs one of its mutants again (chosen by the report's digest), live in the
sandbox, for the same verdicts.

Running every mutant and seed takes about 25 minutes for ps1-ps5 on 2 cores: `course check
ASSIGNMENT --mutants --seeds 3 --report` writes the report, these tests read it.
"""

from __future__ import annotations

import pytest

from course.grading.execution import SandboxSettings
from course.grading.strength import check_strength
from course.grading.strength_report import audit_sample, load_report, report_problems
from course.workspace import known_assignments

ASSIGNMENTS = known_assignments()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_report_is_up_to_date_and_the_tests_are_strong(assignment):
    problems = report_problems(assignment)
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_sample_of_the_report_holds_when_run_again(assignment):
    report = load_report(assignment)
    if report is None or any("stale" in problem for problem in report_problems(assignment)):
        pytest.skip("no up-to-date report (the quick test above says so)")
    sample = audit_sample(report, count=1)   # the solution and one mutant: ~1 min per set
    live = check_strength(assignment, SandboxSettings(), mutants=True, seeds=0, only=sample)
    recorded = {mutant["id"]: (mutant["verdict"], mutant["failed"])
                for mutant in report["mutants"] if mutant["id"] in sample}
    assert {result.id: (result.caught_by, sorted(result.run.failed))
            for result in live.mutants} == recorded
