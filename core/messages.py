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
