"""What every section of the class's report writes with: the caller's texts and language and the
number, date and label formats (`Writer`), HTML tables and tags whose values are escaped, and
`Html`, a cell that is HTML already."""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass
from typing import Any

from core.numbers import significant, whole


class Html(str):
    """A table cell that is HTML already (its values escaped where it was made)."""


@dataclass(frozen=True)
class Writer:
    """The caller's texts and language, and the formats every section shares."""

    texts: dict[str, str]
    language: str

    def say(self, key: str, **fields: Any) -> str:
        text = self.texts.get(key, key)
        return text.format(**fields) if fields and key in self.texts else text

    def num(self, value: Any, digits: int = 4) -> str:
        """A measure to `digits` significant digits; whole numbers with the thousands mark."""
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return "-"
        if isinstance(value, int) or (math.isfinite(value) and abs(value) >= 10**digits):
            return whole(value, self.language)
        return significant(float(value), digits, self.language)

    def value(self, value: Any) -> str:
        """A setting's value: numbers in the language's way, choices and booleans as words."""
        if isinstance(value, bool):
            return self.say(str(value).lower())
        if isinstance(value, str):
            return self.label("choice", value)
        if isinstance(value, (list, tuple)):
            return ", ".join(self.value(v) for v in value)
        return self.num(value, 6)

    def day(self, stamp: float) -> str:
        return time.strftime(
            "%d/%m/%Y" if self.language == "pt" else "%Y-%m-%d", time.localtime(stamp)
        )

    def label(self, kind: str, name: Any) -> str:
        """The name of a variant, lesson, status, setting or noise kind (`kind`: variant,
        lesson, ...) as the caller gave it; the name itself when not given."""
        return self.texts.get(f"{kind}_{name}", str(name))

    def dataset(self, name: Any) -> str:
        kind = str(name).partition(":")[0]
        shown = kind if kind in ("upload", "class") and ":" in str(name) else name
        return self.label("dataset", shown)

    def variant(self, record: dict[str, Any]) -> str:
        return self.label("variant", record.get("variant"))


def cell(value: Any) -> str:
    return value if isinstance(value, Html) else html.escape(str(value))


def table(head: list[str], rows: list[list[Any]], numeric: tuple[int, ...] = ()) -> str:
    heading = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i in numeric else ''}>{cell(c)}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{heading}</tr></thead><tbody>{body}</tbody></table>"


def tag(tag: str, text: str) -> str:
    return f"<{tag}>{html.escape(text)}</{tag}>"
