"""Formgrader's own route table against the guard's: every action that would autograde
outside the sandbox, write nbgrader's feedback (hidden tests) or use the exchange is refused;
manual grading is not."""

from __future__ import annotations

import re

import pytest
from nbgrader.server_extensions.formgrader import apihandlers

from course.lab.formgrader_guard import REFUSED_ACTIONS, STYLESHEET_RULES, refusal

MUST_REFUSE = {"AutogradeHandler", "GenerateFeedbackHandler", "GenerateAllFeedbackHandler",
               "ReleaseFeedbackHandler", "ReleaseAllFeedbackHandler", "AssignHandler",
               "ReleaseHandler", "UnReleaseHandler", "CollectHandler"}


def example_url(pattern: str) -> str:
    """A URL the route serves: each group filled with an id."""
    return re.sub(r"\([^)]*\)", "ps1", pattern)


def refused(url: str) -> bool:
    return any(re.fullmatch(pattern, url) for pattern, _, _ in REFUSED_ACTIONS)


@pytest.mark.parametrize("pattern, handler", [(route[0], route[1].__name__)
                                              for route in apihandlers.default_handlers])
def test_each_formgrader_route_is_refused_exactly_when_it_must(pattern, handler) -> None:
    assert refused(example_url(pattern)) == (handler in MUST_REFUSE), (pattern, handler)


def test_every_refused_action_is_one_of_formgrader_s_routes() -> None:
    routes = [route[0] for route in apihandlers.default_handlers]
    for pattern, _, _ in REFUSED_ACTIONS:
        assert any(re.fullmatch(pattern, example_url(route)) for route in routes), pattern


def test_the_refusal_names_the_course_command() -> None:
    answer = refusal("it would run outside the sandbox", "course grade {assignment} SUBS", "ps2")
    assert answer == {"success": False, "log": "", "error": "Refused by the course: it would "
                      "run outside the sandbox. Run `course grade ps2 SUBS` instead."}


def test_the_stylesheet_replaces_each_refused_button() -> None:
    for cell in ("autograde", "generate-feedback", "release-feedback", "assign", "release",
                 "collect"):
        assert f"td.{cell} > *" in STYLESHEET_RULES and f"td.{cell}::after" in STYLESHEET_RULES
