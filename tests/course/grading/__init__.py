"""Tests of course.grading, and the hostile-submission corpus."""
