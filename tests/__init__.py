"""The test suite (a package, so that tests/course/ never shadows the course package)."""
