"""What gets graded and how: submissions in, nbgrader's autograde steps, outcomes, feedback."""
