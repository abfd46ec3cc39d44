"""Tests of course.lms: the LMSs' download names and import files, read as the LMSs read them."""
