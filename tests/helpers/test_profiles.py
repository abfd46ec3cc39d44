"""helpers.profiles: how big every notebook's work is, and the current settings."""

from __future__ import annotations

import pytest

from helpers import profiles
from helpers.profiles import current_settings, get_settings, resolve_profile, use_settings


@pytest.mark.parametrize("value, accelerator, expected", [
    ("fast", True, "fast"), ("full", False, "full"), ("auto", True, "full"),
    ("auto", False, "fast"), ("FAST", False, "fast"),
])
def test_resolve_profile(value, accelerator, expected):
    assert resolve_profile(value, has_accelerator=accelerator) == expected


def test_environment_variable_is_read_and_argument_wins(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    assert resolve_profile(None, has_accelerator=False) == "full"
    assert resolve_profile("fast", has_accelerator=False) == "fast"


@pytest.mark.parametrize("bad", ["quick", "", 3])
def test_unknown_profile_is_rejected_with_the_allowed_values(bad):
    with pytest.raises(ValueError, match=r"'profile' parameter of resolve_profile must be one of \('fast', 'full', 'auto'\)"):
        resolve_profile(bad)


def test_bad_environment_variable_names_it(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    with pytest.raises(ValueError, match=r"COURSE_PROFILE environment variable must be one of "
                                         r"\('fast', 'full', 'auto'\) \(or unset\); got 'turbo'"):
        resolve_profile(None)


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_environment_variable_means_unset(monkeypatch, empty):
    monkeypatch.setenv("COURSE_PROFILE", empty)
    assert resolve_profile(None, has_accelerator=False) == "fast"
    assert resolve_profile(None, has_accelerator=True) == "full"


def test_fast_is_smaller_than_full():
    fast, full = get_settings("fast"), get_settings("full")
    assert fast.n_train < 10_000 and full.n_train is None
    assert fast.epochs < full.epochs
    assert fast.pick(fast=1, full=2) == 1 and full.pick(fast=1, full=2) == 2


def test_use_settings_makes_them_current_until_forgotten(monkeypatch):
    monkeypatch.setattr(profiles, "_current", None)  # restored after the test
    monkeypatch.setenv("COURSE_PROFILE", "full")
    chosen = get_settings("fast", seed=3)
    use_settings(chosen)
    assert current_settings() is chosen
    use_settings(None)
    assert current_settings().profile == "full" and current_settings().seed == 42


def test_use_settings_rejects_what_is_not_settings():
    with pytest.raises(TypeError, match=r"The 'settings' parameter of use_settings must be a "
                                        r"Settings or None; got dict"):
        use_settings({"profile": "fast"})
