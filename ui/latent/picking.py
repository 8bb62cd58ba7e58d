"""What a selection on a Plotly map picked (GUIDE section 4: point_indices are per trace, so the
map's traces carry each point's global row id in customdata). Pure functions of the event."""

from __future__ import annotations

from typing import Any


def picked_ids(event: Any) -> list[int]:
    """The global row ids of the selected points (a click, a box or a lasso), in order."""
    if not event:
        return []
    points = event.selection.points
    return [int(p["customdata"]) for p in points if p.get("customdata") is not None]


def empty_box_centre(event: Any) -> tuple[float, float] | None:
    """The centre (x, y) of a box drawn where no point is: a place to decode; None otherwise."""
    if not event or picked_ids(event) or not event.selection.get("box"):
        return None
    box = event.selection["box"][-1]
    xs, ys = box.get("x") or [], box.get("y") or []
    if len(xs) < 2 or len(ys) < 2:
        return None
    return (float(xs[0]) + float(xs[1])) / 2, (float(ys[0]) + float(ys[1])) / 2
