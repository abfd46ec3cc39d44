"""Every lecture reads like a lecture: 2-4 quick questions in the text, and it ends with an
"Exercises" section of 4-8 exercises, each followed by its worked answer, a code cell that is
collapsed in JupyterLab and hidden on the site (the answers run whenever the lecture does:
nbval and ``course build`` execute every cell).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

LECTURES = sorted((Path(__file__).resolve().parents[2] / "lectures").glob("[0-9]*.ipynb"))
QUICK_QUESTION = re.compile(r"<summary><b>Quick question\.</b>")
EXERCISE = re.compile(r"^\*\*Exercise (\d+) \(", re.MULTILINE)   # **Exercise 3 (a title).**


@pytest.fixture(params=LECTURES, ids=[path.stem for path in LECTURES])
def lecture(request) -> nbformat.NotebookNode:
    return nbformat.read(request.param, as_version=4)


def headings(cell) -> list[str]:
    return [line for line in cell.source.splitlines() if line.startswith("## ")]


def test_there_are_lectures():
    assert len(LECTURES) >= 8


def test_two_to_four_quick_questions(lecture):
    count = sum(len(QUICK_QUESTION.findall(cell.source)) for cell in lecture.cells
                if cell.cell_type == "markdown")
    assert 2 <= count <= 4, f"{count} quick questions"


def test_ends_with_four_to_eight_exercises_with_collapsed_answers(lecture):
    sections = [i for i, cell in enumerate(lecture.cells)
                if cell.cell_type == "markdown" and headings(cell)]
    last = sections[-1]
    assert headings(lecture.cells[last])[-1] == "## Exercises", "the last section is not Exercises"
    cells = lecture.cells[last:]
    exercises = [(i, EXERCISE.search(cell.source)) for i, cell in enumerate(cells)
                 if cell.cell_type == "markdown" and EXERCISE.search(cell.source)]
    assert 4 <= len(exercises) <= 8, f"{len(exercises)} exercises"
    for number, (index, found) in enumerate(exercises, start=1):
        assert found.group(1) == str(number), f"exercise {found.group(1)} is number {number}"
        answer = cells[index + 1]
        assert answer.cell_type == "code" and answer.source.startswith("# Answer"), (
            f"exercise {number} is not followed by its answer")
        assert answer.metadata.get("jupyter", {}).get("source_hidden") is True, (
            f"exercise {number}'s answer is not collapsed in JupyterLab")
        assert "hide-input" in answer.metadata.get("tags", []), (
            f"exercise {number}'s answer is not hidden on the site")
