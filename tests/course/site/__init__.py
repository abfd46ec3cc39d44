"""Tests of course.site: the build and the course page."""
