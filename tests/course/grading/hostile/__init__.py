"""Hostile submissions for `course grade` (see cases.py)."""
