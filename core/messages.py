"""Problems a user can meet, told in words anyone can act on, in any language.

A `Problem` is a ValueError whose text is the English message (for the command line and logs)
and which also carries a `key` and the `fields` of that message, so the app can say the same
thing in the user's language from its catalogs (`problems.<key>`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any


class Problem(ValueError):
    def __init__(self, key: str, text: str, **fields: Any) -> None:
        super().__init__(text)
        self.key = key
        self.fields = fields

    def __reduce__(self):  # pickled across processes (a Ray worker's refusal) with its key
        return _rebuild, (type(self), self.key, str(self), self.fields)


def _rebuild(cls: type[Problem], key: str, text: str, fields: dict[str, Any]) -> Problem:
    return cls(key, text, **fields)


def without_paths(what: str) -> Callable:
    """Decorate a function whose OSErrors name server paths (a full disk while writing a run):
    the error raised instead says `what` and the system's reason, never the path; the full
    error goes to the server's log. FileExistsError passes as it is (callers expect it)."""
    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except FileExistsError:
                raise
            except OSError as error:
                logging.getLogger(function.__module__).warning("%s: %s", what, error)
                raise OSError(error.errno, f"{what} ({error.strerror or 'error'})") from None
        return wrapper
    return decorate
