"""The pages of ``course similarity``: the ranked top pairs, and each pair side by side.

``DIR/similarity.html`` lists the top pairs; ``DIR/pairs/<rank>.html`` shows, cell by cell,
the two students' code as submitted, each fragment they share in its own colour (the same
colour on both sides) and the lines the template gave in grey. Every text from a submission
is HTML-escaped; pages are plain HTML and CSS (no script), readable offline.

Example:
    >>> write_pages(Path("similarity/ps1"), "ps1", top, students, template,
    ...             grade_ids)                                     # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

from course.grading.code_match import Answer, CellMatch, PairResult, Student
from course.workspace import atomic_write

__all__ = ["pair_page", "write_pages"]

PALETTE = ("#ffe08a", "#a8e6cf", "#b5d8ff", "#ffc4d6", "#d7c4ff", "#ffd1a8")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table.code { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.code td { vertical-align: top; width: 50%; padding: 0 .5rem; }
pre { margin: 0; font-size: 12px; line-height: 1.35; white-space: pre-wrap; }
pre span { display: block; }
pre span::before { content: attr(data-n); display: inline-block; width: 3em; color: #999; }
.given { color: #999; }
table.ranking { border-collapse: collapse; }
table.ranking td, table.ranking th { border: 1px solid #ccc; padding: .2rem .5rem; }
.note { background: #f4f4f4; padding: .5rem 1rem; border-left: 4px solid #999; }
"""
EXPLANATION = ("Evidence for a person to look at, not a verdict: short exercises have few "
               "natural solutions, and students may have worked together as allowed. The "
               "score of a cell is the share of code fragments the two have in common "
               "(after names and literals are replaced by placeholders, and the template "
               "and code found in many submissions are left out) times the share of their "
               "code that lines up in order; a pair's score is the mean over the cells both "
               "answered, weighted by how many fragments the two wrote there.")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n")


def _line_colours(answer: Answer, match: CellMatch) -> dict[int, int]:
    """Line number -> index of the first shared fragment covering it."""
    colours: dict[int, int] = {}
    for index, fingerprint in enumerate(match.shared):
        for position in answer.fingerprints.get(fingerprint, ()):
            for line in answer.fragment_lines(position):
                colours.setdefault(line, index)
    return colours


def _code(answer: Answer, match: CellMatch, template: Answer) -> str:
    """The answer's lines, numbered, shared fragments coloured, template lines in grey."""
    colours = _line_colours(answer, match)
    given = {line.strip() for line in template.source.splitlines() if line.strip()}
    rows = []
    for number, line in enumerate(answer.source.splitlines() or [""], start=1):
        if number in colours:
            attributes = f' style="background:{PALETTE[colours[number] % len(PALETTE)]}"'
        elif line.strip() in given:
            attributes = ' class="given"'
        else:
            attributes = ""
        rows.append(f'<span data-n="{number}"{attributes}>{html.escape(line) or " "}</span>')
    if answer.truncated:
        rows.append('<span class="given">[the rest of the cell was not compared]</span>')
    return "<pre>" + "".join(rows) + "</pre>"


def pair_page(rank: int, assignment: str, pair: PairResult, students: Mapping[str, Student],
              template: Mapping[str, Answer], grade_ids: Sequence[str]) -> str:
    """The side-by-side page of one pair.

    Args:
        rank: the pair's rank (1 = most similar).
        assignment: the assignment id.
        pair: the compared pair.
        students: every student, by id (their answers).
        template: the released version's answer cells, by ``grade_id``.
        grade_ids: the answer cells, in the master's order.

    Returns:
        The page's HTML.
    """
    first, second = students[pair.student_a], students[pair.student_b]
    a, b = html.escape(pair.student_a), html.escape(pair.student_b)
    parts = ["<p><a href=\"../similarity.html\">all pairs</a></p>",
             f"<h1>{html.escape(assignment)} #{rank}: {a} and {b}</h1>",
             f"<p>score <b>{pair.score:.3f}</b>, {pair.shared_fragments} shared fragments"
             f"{'; ' + html.escape(pair.note) if pair.note else ''}</p>",
             f"<p class=\"note\">{EXPLANATION} Coloured: fragments found in both answers "
             "(the same colour on both sides); grey: lines the template gave.</p>"]
    for grade_id in grade_ids:
        match = pair.cells.get(grade_id)
        if match is None:
            continue
        parts.append(f"<h2>{html.escape(grade_id)}: {match.score:.3f}</h2>"
                     f"<p>{len(match.shared)} shared fragments (Jaccard {match.jaccard:.2f}), "
                     f"{match.in_order:.0%} of the code in the same order</p>")
        mine, theirs = first.answers[grade_id], second.answers[grade_id]
        parts.append(f"<table class=\"code\"><tr><th>{a}</th><th>{b}</th></tr><tr>"
                     f"<td>{_code(mine, match, template[grade_id])}</td>"
                     f"<td>{_code(theirs, match, template[grade_id])}</td></tr></table>")
    return _page(f"{assignment} #{rank}: {pair.student_a} and {pair.student_b}", "\n".join(parts))


def _ranking(assignment: str, top: Sequence[PairResult], grade_ids: Sequence[str]) -> str:
    header = "".join(f"<th>{html.escape(g)}</th>" for g in grade_ids)
    rows = []
    for rank, pair in enumerate(top, start=1):
        cells = "".join(f"<td>{pair.cells[g].score:.2f}</td>" if g in pair.cells else "<td></td>"
                        for g in grade_ids)
        rows.append(f"<tr><td><a href=\"pairs/{rank:03d}.html\">#{rank}</a></td>"
                    f"<td>{html.escape(pair.student_a)}</td><td>{html.escape(pair.student_b)}</td>"
                    f"<td><b>{pair.score:.3f}</b></td><td>{pair.shared_fragments}</td>{cells}</tr>")
    body = (f"<h1>{html.escape(assignment)}: the {len(top)} most similar pairs</h1>"
            f"<p class=\"note\">{EXPLANATION} Every pair is in similarity.csv.</p>"
            "<table class=\"ranking\"><tr><th>rank</th><th>student</th><th>student</th>"
            f"<th>score</th><th>shared fragments</th>{header}</tr>{''.join(rows)}</table>")
    return _page(f"{assignment}: similar submissions", body)


def write_pages(out: Path, assignment: str, top: Sequence[PairResult],
                students: Mapping[str, Student], template: Mapping[str, Answer],
                grade_ids: Sequence[str]) -> None:
    """Write ``out/similarity.html`` and ``out/pairs/<rank>.html`` (pages of an earlier run
    are removed first).

    Args:
        out: the output folder.
        assignment: the assignment id.
        top: the pairs to show, the most similar first (all compared).
        students: every student, by id.
        template: the released version's answer cells, by ``grade_id``.
        grade_ids: the answer cells, in the master's order.
    """
    for old in (out / "pairs").glob("*.html"):
        old.unlink()
    for rank, pair in enumerate(top, start=1):
        atomic_write(out / "pairs" / f"{rank:03d}.html",
                     pair_page(rank, assignment, pair, students, template, grade_ids))
    atomic_write(out / "similarity.html", _ranking(assignment, top, grade_ids))
