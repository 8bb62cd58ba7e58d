"""The server's settings read from environment variables: a number, or nothing when unset. A
value that is not a number is an error naming the variable, so a misconfigured server says so
when the setting is first needed instead of running on a default nobody chose."""

from __future__ import annotations

import os


def env_number(name: str, default: float | None = None, what: str = "a number") -> float | None:
    """The number in $name; `default` when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not {what}.") from None


def env_int(name: str, default: int) -> int:
    """The whole number in $name; `default` when it is unset or blank."""
    value = env_number(name, default, "a whole number")
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
