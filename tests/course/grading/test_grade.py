"""The pieces of `course grade` that need no kernel: grades.csv and the summary table."""

from __future__ import annotations

import csv

from course.grading.grade import summary_table, write_grades_csv
from course.grading.outcome import Outcome


def test_grades_csv_columns_and_number_format(tmp_path):
    outcomes = [Outcome("b", "ps1", 2.5, 13.0, "graded", "failed: test_x"),
                Outcome("a", "ps1", 0.0, 13.0, "missing", "no notebook, at all")]
    write_grades_csv(tmp_path / "grades.csv", outcomes)
    text = (tmp_path / "grades.csv").read_text()
    assert text.splitlines()[0] == ("student_id,assignment,score,max_score,status,message,"
                                    "lms_user_id,submission_id,late")
    assert list(csv.reader(text.splitlines()))[1:] == [
        ["b", "ps1", "2.5", "13", "graded", "failed: test_x", "", "", ""],
        ["a", "ps1", "0", "13", "missing", "no notebook, at all", "", "", ""]]
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_summary_table_counts_statuses_and_the_mean():
    table = summary_table([Outcome("a", "ps1", 13, 13, "graded"), Outcome("b", "ps1", 0, 13, "missing"),
                           Outcome("c", "ps1", 5, 13, "graded")])
    lines = table.splitlines()
    assert "graded            2" in lines and "missing           1" in lines
    assert lines[-1] == "mean score 6.00 / 13 over all 3 students"
