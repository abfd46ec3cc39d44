"""Tests of course.sandbox: what each layer enforces."""
