"""course.grading.strength_report: what a committed report depends on, what makes it stale or
failing, the instructor's notes across regeneration, and that students never receive it."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import nbformat
import pytest

from course import paths
from course.cli import main
from course.grading import strength
from course.grading.strength import MutantResult, StrengthReport
from course.grading.strength_report import (
    audit_sample,
    load_report,
    regenerate_command,
    report_path,
    report_problems,
    report_sources,
    write_report,
)
from course.release import release_assignment
from course.workspace import known_assignments
from helpers.arithmetic import conv_param_count

SOURCE = ("def half(n):\n    ### BEGIN SOLUTION\n    return n // 2\n    ### END SOLUTION")
CAUGHT = strength.TestRun(frozenset({"test_half"}), frozenset({"test_half"}), "graded")
MISSED = strength.TestRun(frozenset(), frozenset(), "graded")


def _results(division: strength.TestRun) -> list[MutantResult]:
    """The two mutants of ``half``: '/' for '//' (with ``division``'s run) and a constant."""
    from course.grading.mutants import mutants_of_source

    runs = {"division": division, "constant": CAUGHT}
    return [MutantResult("half", mutant, runs[mutant.mistake.name])
            for mutant in mutants_of_source(SOURCE)]


def _report(division: strength.TestRun = MISSED, seeds: dict | None = None) -> StrengthReport:
    passed = strength.TestRun(frozenset(), frozenset(), "graded")
    return StrengthReport("demo", passed, _results(division),
                          seeds if seeds is not None else {0: passed, 1: passed})


@pytest.fixture
def demo(scratch_course):
    """A master ``demo`` (``course new``'s) in a scratch project's solutions/."""
    from course.authoring.scaffold import new_assignment

    return new_assignment("demo")


def _annotate(mutant_id: str, reason: str) -> None:
    path = report_path("demo")
    report = json.loads(path.read_text())
    for mutant in report["mutants"]:
        if mutant["id"] == mutant_id:
            mutant["equivalent"] = reason
    path.write_text(json.dumps(report))


def test_the_report_lives_outside_every_assignment_and_is_never_released(demo):
    write_report(_report(), sandbox="none")
    assert report_path("demo").is_file()
    assert known_assignments() == ["demo"]
    release_assignment("demo")
    released = sorted(path.name for path in (paths.ASSIGNMENTS / "demo").rglob("*"))
    assert released == [demo.name]
    assert not (paths.ASSIGNMENTS / "_strength").exists()


def test_the_real_reports_are_outside_the_assignment_folders():
    assert report_path("ps1").parent == paths.SOLUTIONS / "_strength"


def test_sources_hold_the_master_and_what_it_imports_not_the_rest_of_helpers(demo):
    master = nbformat.read(demo, as_version=4)
    master.cells.append(nbformat.v4.new_code_cell(
        "%matplotlib inline\nfrom helpers.arithmetic import conv_param_count"))
    nbformat.write(master, demo)
    sources = report_sources("demo")
    assert sources[0] == demo
    assert paths.ROOT / inspect.getsourcefile(conv_param_count) in sources
    assert not any("helpers/models" in path.as_posix() for path in sources)
    assert not any(path.name in ("cluster.py", "remote.py", "cli.py") for path in sources)


def test_sources_hold_every_course_and_helpers_module_the_check_imports(demo):
    """Python's own import of the check (and of the kernel's launcher, run as ``-m``) is the
    reference: each module it loads from the project is among the sources."""
    code = ("import sys, course.grading.strength, course.sandbox.launcher, "
            "course.sandbox.template\nprint('\\n'.join(m.__file__ for n, m in "
            "list(sys.modules.items()) if n.split('.')[0] in ('course', 'helpers')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=paths.ROOT).stdout.split()
    sources = {path.resolve() for path in report_sources("demo")}
    assert loaded and {paths.ROOT / path for path in loaded} - sources == set()
    sandbox = set((paths.ROOT / "course" / "sandbox").glob("*.py"))   # runs the kernels
    assert sandbox - sources == set()


def test_a_missing_report_names_the_command(demo):
    assert report_problems("demo") == [
        f"demo: no strength report (solutions/_strength/demo.json): run `{regenerate_command('demo')}`"]
    assert regenerate_command("demo") == "course check demo --mutants --seeds 3 --report"


def test_a_change_of_the_master_makes_the_report_stale(demo):
    write_report(_report(CAUGHT), sandbox="none")
    assert report_problems("demo") == []
    master = nbformat.read(demo, as_version=4)
    master.cells[-1].source += "\n# a comment"
    nbformat.write(master, demo)
    (problem,) = report_problems("demo")
    assert problem.startswith(f"demo: the strength report solutions/_strength/demo.json is stale "
                              f"(changed since: solutions/demo/{demo.name}): run `course check demo")


def test_a_mutant_nothing_catches_fails_until_marked_equivalent(demo):
    write_report(_report(MISSED), sandbox="none")
    (problem,) = report_problems("demo")
    assert problem.startswith("demo: mutant half:division (-return n // 2 -> +return n / 2) is "
                              "caught by no test: strengthen a test")
    _annotate("half:division", "   ")
    assert len(report_problems("demo")) == 1          # an empty reason is no reason
    _annotate("half:division", "only even numbers reach it")
    assert report_problems("demo") == []


def test_a_note_survives_regeneration_only_while_the_mutant_is_the_same(demo):
    write_report(_report(MISSED), sandbox="none")
    _annotate("half:division", "only even numbers reach it")
    _, dropped = write_report(_report(MISSED), sandbox="none")
    assert dropped == [] and report_problems("demo") == []
    assert load_report("demo")["mutants"][0]["equivalent"] == "only even numbers reach it"
    report = json.loads(report_path("demo").read_text())
    report["mutants"][0]["change"] = ["-return n // 4", "+return n / 4"]   # an older mutant
    report_path("demo").write_text(json.dumps(report))
    _, dropped = write_report(_report(MISSED), sandbox="none")
    assert dropped == ["demo: the 'equivalent' note of half:division was dropped: the mutant "
                       "changed; look at it again"]
    assert "equivalent" not in load_report("demo")["mutants"][0]


def test_a_note_on_a_caught_mutant_is_a_problem(demo):
    write_report(_report(MISSED), sandbox="none")
    _annotate("half:division", "only even numbers reach it")
    report = json.loads(report_path("demo").read_text())
    report["mutants"][0].update(verdict="visible", failed=["test_half"])
    report_path("demo").write_text(json.dumps(report))
    assert report_problems("demo") == [
        "demo: mutant half:division is marked equivalent but test_half catch it: remove its "
        "\"equivalent\" note in solutions/_strength/demo.json"]


def test_a_flaky_test_fails(demo):
    flaky = {0: strength.TestRun(frozenset(), frozenset(), "graded"),
             1: strength.TestRun(frozenset(), frozenset({"test_half"}), "graded")}
    write_report(_report(CAUGHT, seeds=flaky), sandbox="none")
    assert report_problems("demo") == [
        "demo: flaky tests (the outcome changes with the seed): test_half"]


def test_a_report_needs_two_seeds(demo):
    with pytest.raises(ValueError, match="'report' parameter of write_report must have run at "
                                         "least 2 seeds; got 1"):
        write_report(_report(seeds={0: MISSED}), sandbox="none")


def test_a_file_that_is_not_a_report_is_one_line(demo):
    report_path("demo").parent.mkdir(parents=True)
    report_path("demo").write_text("{not json")
    (problem,) = report_problems("demo")
    assert problem.startswith("demo: The strength report") and "is not JSON" in problem


def test_the_audit_sample_follows_the_digest():
    mutants = [{"id": f"cell:{number}"} for number in range(10)]
    first = audit_sample({"digest": "a", "mutants": mutants})
    assert first == audit_sample({"digest": "a", "mutants": mutants}) and len(first) == 2
    assert any(audit_sample({"digest": str(seed), "mutants": mutants}) != first
               for seed in range(5))


@pytest.mark.parametrize("options", [["--report"], ["--report", "--mutants", "--seeds", "1"],
                                     ["--report", "--seeds", "3"]])
def test_report_needs_mutants_and_two_seeds(options, capsys):
    assert main(["check", "ps1", *options]) == 2
    assert "The '--report' option needs --mutants and --seeds K with K >= 2" in (
        capsys.readouterr().err)
