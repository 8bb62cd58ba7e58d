"""Problems a user can meet, told in words anyone can act on, in any language.

A `Problem` is a ValueError whose text is the English message (for the command line and logs)
and which also carries a `key` and the `fields` of that message, so the app can say the same
thing in the user's language from its catalogs (`problems.<key>`)."""

from __future__ import annotations

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
