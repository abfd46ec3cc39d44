"""A Jupyter server extension for the instructor's JupyterLab: formgrader's buttons that would
bypass the course's grading answer with the ``course`` command that does the job instead.

Formgrader's Autograde button runs a student's notebook in a plain kernel (outside the
grading sandbox), its Generate Feedback writes nbgrader's pages, which show the hidden
tests, and its Generate, Release, Collect and Release Feedback buttons work on nbgrader's
exchange, which this course does not use (students get ``assignments/`` from the
repository and hand in through the LMS). This extension serves those API routes before
formgrader does (Jupyter Server loads extensions in alphabetical order, ``course…`` before
``nbgrader…``, and Tornado matches the first registered route): each answers
``{"success": false, "error": "<why>; run <command> instead"}``, which formgrader shows in
its error dialog, and nothing runs. It also serves formgrader's stylesheet with a few rules
that replace those buttons by the command's name. Manual grading (scores, comments, flags)
is untouched.

Example:
    $ jupyter lab --ServerApp.jpserver_extensions="{'course.lab.formgrader_guard': True}"
"""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.formgrader import handlers as formgrader_handlers
from tornado import web

__all__ = ["REFUSED_ACTIONS", "STYLESHEET_RULES", "refusal"]

_SANDBOX = "it would run the student's code outside the grading sandbox"
_HIDDEN = "nbgrader's feedback pages show the hidden tests"
_EXCHANGE = ("this course uses no nbgrader exchange: students get assignments/ from the "
             "repository and hand in through the LMS")
_GRADE = "course grade {assignment} SUBMISSIONS --out DIR"
_FEEDBACK = "course feedback {assignment} --out DIR"
_RELEASE = "course release {assignment}"

# (formgrader API route, why it is refused, the course command that does the job instead)
REFUSED_ACTIONS: tuple[tuple[str, str, str], ...] = (
    (r"/formgrader/api/submission/([^/]+)/[^/]+/autograde", _SANDBOX, _GRADE),
    (r"/formgrader/api/assignment/([^/]+)/generate_feedback", _HIDDEN, _FEEDBACK),
    (r"/formgrader/api/assignment/([^/]+)/[^/]+/generate_feedback", _HIDDEN, _FEEDBACK),
    (r"/formgrader/api/assignment/([^/]+)/release_feedback", _EXCHANGE, _FEEDBACK),
    (r"/formgrader/api/assignment/([^/]+)/[^/]+/release_feedback", _EXCHANGE, _FEEDBACK),
    (r"/formgrader/api/assignment/([^/]+)/assign",
     "the student version is generated from solutions/", _RELEASE),
    (r"/formgrader/api/assignment/([^/]+)/release", _EXCHANGE, _RELEASE),
    (r"/formgrader/api/assignment/([^/]+)/unrelease", _EXCHANGE, _RELEASE),
    (r"/formgrader/api/assignment/([^/]+)/collect", _EXCHANGE, _GRADE),
)

# Appended to formgrader's own stylesheet: the refused buttons' cells name the command.
STYLESHEET_RULES = """
/* course.lab.formgrader_guard: these buttons are refused; the course's commands do the job */
td.autograde > *, td.generate-feedback > *, td.release-feedback > *,
td.assign > *, td.release > *, td.collect > * { display: none !important; }
td.autograde::after, td.generate-feedback::after, td.release-feedback::after,
td.assign::after, td.release::after, td.collect::after {
    font-family: monospace; font-size: 85%; color: #777;
}
td.autograde::after, td.collect::after { content: "course grade"; }
td.generate-feedback::after, td.release-feedback::after { content: "course feedback"; }
td.assign::after, td.release::after { content: "course release"; }
"""

_STYLESHEET = Path(formgrader_handlers.static_path) / "css" / "nbgrader.css"


def refusal(reason: str, command: str, assignment: str) -> dict[str, object]:
    """The answer to a refused formgrader action, in formgrader's own result format.

    Args:
        reason: why formgrader must not do it.
        command: the course command that does the job (``{assignment}`` is filled in).
        assignment: the assignment id from the request's URL.

    Returns:
        ``{"success": False, "error": ..., "log": ""}``.

    Example:
        >>> refusal("no", "course grade {assignment}", "ps1")["error"]
        'Refused by the course: no. Run `course grade ps1` instead.'
    """
    return {"success": False, "log": "",
            "error": f"Refused by the course: {reason}. "
                     f"Run `{command.format(assignment=assignment)}` instead."}


class RefusedActionHandler(APIHandler):
    """Answers a formgrader action with :func:`refusal`; runs nothing."""

    def initialize(self, reason: str, command: str) -> None:
        self.reason = reason
        self.command = command

    @web.authenticated
    def post(self, assignment: str) -> None:
        self.log.warning("formgrader action refused: %s (%s)", self.request.path, self.reason)
        self.finish(json.dumps(refusal(self.reason, self.command, assignment)))


class StylesheetHandler(JupyterHandler):
    """Formgrader's stylesheet followed by :data:`STYLESHEET_RULES` (public, as formgrader's
    static files are)."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/css; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(_STYLESHEET.read_text(encoding="utf-8") + STYLESHEET_RULES)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp) -> None:
    base_url = serverapp.web_app.settings["base_url"]
    routes = [(url_path_join(base_url, pattern), RefusedActionHandler,
               {"reason": reason, "command": command})
              for pattern, reason, command in REFUSED_ACTIONS]
    routes.append((url_path_join(base_url, "/formgrader/static/css/nbgrader.css"),
                   StylesheetHandler))
    serverapp.web_app.add_handlers(".*$", routes)
    serverapp.log.info("course: formgrader's Autograde, Generate Feedback and exchange "
                       "buttons answer with the course command to use")
