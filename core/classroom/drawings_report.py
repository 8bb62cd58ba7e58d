"""The class's report's section on the class's own handwriting (core.classroom.drawings): how
many drawings, from how many students, and per digit how many with a few of them as a strip of
inline PNG pictures. Texts from the caller (the area "classreport"), as the report's other
sections."""

from __future__ import annotations

import base64
import html
import io

import numpy as np
from PIL import Image

from core.classroom import drawings
from core.classroom.report_writer import Html, Writer, table, tag

EXAMPLES = 8  # drawings shown per digit: the newest


def _strip(pictures: list[np.ndarray]) -> bytes:
    """Drawings (28, 28) uint8 side by side, 2 px apart, as a PNG."""
    gap = np.full((28, 2), 40, np.uint8)
    parts = [part for picture in pictures for part in (picture, gap)][:-1]
    buffer = io.BytesIO()
    Image.fromarray(np.hstack(parts)).save(buffer, format="PNG")
    return buffer.getvalue()


def _examples(w: Writer, digit: int, pictures: list[np.ndarray]) -> Html | str:
    if not pictures:
        return ""
    data = base64.b64encode(_strip(pictures)).decode()
    alt = html.escape(w.say("drawings_alt", count=len(pictures), digit=digit))
    return Html(f'<img src="data:image/png;base64,{data}" alt="{alt}">')


def drawings_section(w: Writer, code: str) -> str:
    """The section: a heading, the counts, and a table of the digits with examples."""
    found = drawings.all_drawings(code)
    parts = [tag("h2", w.say("drawings"))]
    if not found:
        return "".join(parts) + tag("p", w.say("drawings_none"))
    students = {d["nickname"] for d in found}
    parts.append(
        tag("p", w.say("drawings_counts", count=w.num(len(found)), students=w.num(len(students))))
    )
    head = [w.say(k) for k in ("col_digit", "col_drawings", "col_examples")]
    rows = []
    for digit in range(10):
        mine = [d["pixels"] for d in found if d["label"] == digit]
        rows.append([str(digit), w.num(len(mine)), _examples(w, digit, mine[::-1][:EXAMPLES])])
    return "".join(parts) + table(head, rows, numeric=(1,))
