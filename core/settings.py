"""The server's settings read from environment variables: a number, or nothing when unset. A
value that is not a number is an error naming the variable, so a misconfigured server says so
when the setting is first needed instead of running on a default nobody chose.

$AE_PUBLIC=1 is the public profile, for a server open to the internet (a free two-vCPU host):
every setting in PUBLIC_DEFAULTS that the environment leaves unset takes its public default
instead of the classroom one; a setting the environment names always wins."""

from __future__ import annotations

import os

PUBLIC_ENV = "AE_PUBLIC"
# Sized for two shared vCPUs and visitors who owe the server nothing: a few trainings at once,
# short ones, small models and uploads, few classes, and limits per client address (fresh
# cookies make a new "browser" at will: a private window, a script)
PUBLIC_DEFAULTS: dict[str, float] = {
    "AE_SHARED_JOBS": 4,  # trainings admitted at once (the rest wait in line)
    "AE_MAX_JOBS": 1,  # computing at the same instant
    "AE_JOB_MINUTES": 5,
    "AE_MAX_EPOCHS": 40,  # the zoo's longest recipe (deep-2d): every lesson still retrains
    "AE_MAX_PARAMETERS": 5_000_000,
    "AE_UPLOAD_MAX_MB": 20,
    "AE_UPLOAD_MAX_MEGAPIXELS": 64,
    "AE_RUNS_MAX_MB": 1024,
    "AE_OWNER_RUNS": 5,
    "AE_OWNER_MAX_MB": 64,
    "AE_MAX_CLASSES": 3,
    "AE_CLASSES_PER_TEACHER": 1,
    "AE_CLASS_STUDENTS": 40,
    "AE_CLASS_IDLE_HOURS": 2,
    # per client address, per hour (core.runs.address_limits)
    "AE_ADDRESS_CLASSES": 3,
    "AE_ADDRESS_SEATS": 60,
    "AE_ADDRESS_TRAININGS": 30,
    "AE_ADDRESS_UPLOADS": 20,
}


def public() -> bool:
    """Whether this server runs the public profile ($AE_PUBLIC=1)."""
    return env_flag(PUBLIC_ENV, False)


def _default(name: str, default: float | None) -> float | None:
    return PUBLIC_DEFAULTS.get(name, default) if public() else default


def env_number(name: str, default: float | None = None, what: str = "a number") -> float | None:
    """The number in $name; `default` when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    if not value:
        return _default(name, default)
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not {what}.") from None


def env_int(name: str, default: int) -> int:
    """The whole number in $name; `default` when it is unset or blank."""
    value = env_number(name, _default(name, default), "a whole number")
    if not float(value).is_integer():
        raise ValueError(f"{name}={os.environ[name]!r} is not a whole number.")
    return int(value)


def env_text(name: str, default: str | None = None) -> str | None:
    """The text in $name, stripped; `default` when it is unset or blank."""
    return os.environ.get(name, "").strip() or default


def env_flag(name: str, default: bool) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off; `default` when unset or blank."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not 1 or 0 (yes or no).")
