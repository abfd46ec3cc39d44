"""Tests of the course package (the instructor CLI and the grader), folder by folder."""
