"""Tests of course.authoring: the lint of masters and `course new`."""
