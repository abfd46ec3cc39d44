"""Profiles: one place that decides how big every notebook's work is.

``fast`` takes small subsets and few epochs (CI, a laptop's CPU); ``full`` reproduces the
slides' results on a GPU; ``auto`` (the default) picks ``full`` when a GPU or TPU is present.
``COURSE_PROFILE`` overrides the default; an explicit argument overrides both. The settings of
the last ``helpers.setup()`` are the current ones (:func:`current_settings`).

Example:
    >>> get_settings("fast").epochs, get_settings("full").epochs
    (2, 20)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from helpers.devices import accelerator_kind

__all__ = ["PROFILES", "Settings", "current_settings", "get_settings", "resolve_profile",
           "use_settings"]

PROFILES = ("fast", "full", "auto")
ENV_VAR = "COURSE_PROFILE"


@dataclass(frozen=True)
class Settings:
    """Sizes notebooks read instead of writing literals in cells.

    Attributes:
        profile: ``"fast"`` or ``"full"`` (``auto`` is already resolved).
        seed: the seed set by ``helpers.setup``.
        n_train: training examples to use (``None`` means the whole dataset).
        n_test: test examples to use (``None`` means the whole dataset).
        epochs: epochs for a typical training run.
        batch_size: batch size for a typical training run.
        image_size: side of generated images (the shapes dataset, U-Net, detection).
        device: a one-line description of the device the run uses.
        data_source: where real datasets come from (``helpers.data.describe_data_source``).
    """

    profile: str
    seed: int = 42
    n_train: int | None = 2000
    n_test: int | None = 500
    epochs: int = 2
    batch_size: int = 64
    image_size: int = 32
    device: str = "CPU"
    data_source: str = "not loaded yet"

    def pick(self, *, fast: Any, full: Any) -> Any:
        """Return ``fast`` or ``full`` for this profile.

        Example:
            >>> Settings("fast").pick(fast=2, full=30)
            2
        """
        return fast if self.profile == "fast" else full

    def with_(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (settings are immutable)."""
        return replace(self, **changes)


_DEFAULTS = {
    "fast": dict(n_train=2000, n_test=500, epochs=2, batch_size=64, image_size=32),
    "full": dict(n_train=None, n_test=None, epochs=20, batch_size=128, image_size=64),
}


def resolve_profile(profile: str | None = None, *, has_accelerator: bool | None = None) -> str:
    """Resolve ``profile`` (argument, then ``COURSE_PROFILE``, then ``auto``) to fast or full.

    Args:
        profile: ``"fast"``, ``"full"``, ``"auto"`` or ``None``.
        has_accelerator: whether a GPU/TPU is present; detected when ``None`` and needed.

    Returns:
        ``"fast"`` or ``"full"``.

    Raises:
        ValueError: when the profile is not one of ``PROFILES``.
    """
    if profile is None:
        # An empty value (``COURSE_PROFILE= make lab``) means unset, as for any shell variable.
        profile = os.environ.get(ENV_VAR, "").strip() or "auto"
        if profile.lower() not in PROFILES:
            raise ValueError(f"The {ENV_VAR} environment variable must be one of {PROFILES} "
                             f"(or unset); got {profile!r}.")
    if not isinstance(profile, str) or profile.lower() not in PROFILES:
        raise ValueError(f"The 'profile' parameter of resolve_profile must be one of "
                         f"{PROFILES}; got {profile!r}.")
    profile = profile.lower()
    if profile != "auto":
        return profile
    if has_accelerator is None:
        has_accelerator = accelerator_kind() != "CPU"
    return "full" if has_accelerator else "fast"


def get_settings(profile: str | None = None, *, seed: int = 42, device: str = "CPU",
                 has_accelerator: bool | None = None) -> Settings:
    """Return the settings of ``profile``, resolved as in :func:`resolve_profile`.

    Args:
        profile: ``"fast"``, ``"full"``, ``"auto"`` or ``None`` (reads ``COURSE_PROFILE``).
        seed: the run's seed.
        device: a one-line description of the device.
        has_accelerator: whether a GPU/TPU is present; detected when ``None`` and needed.

    Raises:
        ValueError: when the profile is not one of ``PROFILES``.
    """
    name = resolve_profile(profile, has_accelerator=has_accelerator)
    return Settings(profile=name, seed=seed, device=device, **_DEFAULTS[name])


_current: Settings | None = None


def current_settings() -> Settings:
    """Return the settings of the last ``helpers.setup()``, else fresh ones for the profile.

    Example:
        >>> current_settings().profile in ("fast", "full")     # doctest: +SKIP
        True
    """
    return _current if _current is not None else get_settings()


def use_settings(settings: Settings | None) -> None:
    """Make ``settings`` the current settings (``None`` forgets them); ``setup()`` calls it.

    Raises:
        TypeError: when ``settings`` is neither a :class:`Settings` nor ``None``.
    """
    global _current
    if settings is not None and not isinstance(settings, Settings):
        raise TypeError(f"The 'settings' parameter of use_settings must be a Settings or None; "
                        f"got {type(settings).__name__}.")
    _current = settings
