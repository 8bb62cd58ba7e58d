"""The class report's challenge section: the metric and its limits, the leaderboard, and the
winners (or the leaders while it is open) with their settings beside the defaults and their
curves."""

from __future__ import annotations

import html
from typing import Any

from core.classroom import challenges
from core.classroom.report_writer import Html, Writer, table, tag
from core.models import MODELS
from core.takehome.run_report import svg_chart


def _challenge_title(w: Writer, challenge: dict[str, Any]) -> str:
    metric = w.say(f"metric_{challenge['metric']}")
    if challenge["metric"] == "noise":
        metric = w.say(
            "metric_noise_at",
            noise=w.label("noise", challenge.get("noise_kind")),
            level=w.num(challenge.get("noise_level")),
        )
    better = challenges.METRICS[challenge["metric"]][0]
    return w.say("challenge", metric=metric, better=w.say(better))


def _constraints(w: Writer, challenge: dict[str, Any]) -> str:
    found = []
    if challenge.get("variants"):
        shown = ", ".join(w.label("variant", v) for v in challenge["variants"])
        found.append(w.say("limit_variants", most=shown))
    for name in ("max_code", "max_epochs", "max_parameters"):
        if challenge.get(name) is not None:
            found.append(w.say(f"limit_{name}", most=w.num(challenge[name])))
    if challenge.get("dataset"):
        found.append(w.say("limit_dataset", most=w.dataset(challenge["dataset"])))
    return w.say("constraints", constraints="; ".join(found)) if found else w.say("no_constraints")


def _note(w: Writer, row: dict[str, Any], challenge: dict[str, Any]) -> str:
    if not row["broken"]:
        return w.say(f"state_{row['state']}")
    found = []
    for broken in row["broken"]:
        if broken["constraint"] == "variants":
            value = w.label("variant", broken["value"])
            most = ", ".join(w.label("variant", v) for v in challenge.get("variants", []))
        elif broken["constraint"] == "dataset":
            value, most = w.dataset(broken["value"]), w.dataset(broken["most"])
        else:
            value, most = w.value(broken["value"]), w.value(broken["most"])
        found.append(w.say(f"breaks_{broken['constraint']}", value=value, most=most))
    return "; ".join(found)


def challenge_section(
    w: Writer,
    challenge: dict[str, Any] | None,
    records: list[dict[str, Any]],
    rows: list[dict[str, Any]],
) -> str:
    if not challenge or challenge.get("metric") not in challenges.METRICS:
        return ""
    head = [
        w.say(k) for k in ("col_place", "col_student", "col_variant", "col_measure", "col_note")
    ]
    leaderboard = table(
        head,
        [
            [
                r["rank"] or "-",
                r.get("nickname") or "",
                w.variant(r),
                w.num(r["value"]),
                _note(w, r, challenge),
            ]
            for r in rows
        ],
        numeric=(0, 3),
    )
    found = {r.get("run_id"): r for r in records}
    if challenge.get("closed"):
        chosen, title = [found[i] for i in challenge.get("winners", []) if i in found], "winners"
    else:
        ranked = [r["run_id"] for r in rows if r["state"] == "ranked"][: challenges.WINNERS]
        chosen, title = [found[i] for i in ranked if i in found], "leaders"
    parts = [
        tag("h2", _challenge_title(w, challenge)),
        tag("p", _constraints(w, challenge)),
        tag("h3", w.say("leaderboard")),
        leaderboard if rows else tag("p", w.say("board_empty")),
        tag("h3", w.say(title)),
    ]
    return "".join(parts) + (_winners(w, chosen) if chosen else tag("p", w.say("no_winners")))


def _winners(w: Writer, chosen: list[dict[str, Any]]) -> str:
    names = [f"{place}. {r.get('nickname', '')}" for place, r in enumerate(chosen, 1)]
    variants = list(dict.fromkeys(r["variant"] for r in chosen))
    defaults = {v: challenges.default_settings(v) if v in MODELS else {} for v in variants}
    changed = [challenges.changed(r) for r in chosen]
    settings = list(dict.fromkeys(k for r in chosen for k in challenges.run_settings(r)))
    head = [
        w.say("col_setting"),
        *names,
        *(
            w.say("default_of", variant=w.label("variant", v))
            if len(variants) > 1
            else w.say("default")
            for v in variants
        ),
    ]
    rows = []
    for name in settings:
        row: list[Any] = [w.label("param", name)]
        for record, differs in zip(chosen, changed, strict=True):
            value = challenges.run_settings(record).get(name)
            shown = html.escape(w.value(value)) if value is not None else "-"
            row.append(Html(f"<strong>{shown}</strong>" if name in differs else shown))
        row += [w.value(defaults[v][name]) if name in defaults[v] else "-" for v in variants]
        rows.append(row)
    curves = [r.get("curve") if isinstance(r.get("curve"), dict) else {} for r in chosen]
    loss = svg_chart(
        {n: _series(c.get("steps"), c.get("loss")) for n, c in zip(names, curves, strict=True)},
        w.say("loss_chart"),
        w.say("step"),
        w.say("loss"),
        w.language,
        log_y=True,
    )
    val = svg_chart(
        {n: _series(None, c.get("val_error")) for n, c in zip(names, curves, strict=True)},
        w.say("val_chart"),
        w.say("epoch"),
        w.say("col_val"),
        w.language,
    )
    return table(head, rows) + tag("p", w.say("changed_bold")) + loss + val


def _series(xs: Any, ys: Any) -> tuple[list[float], list[float | None]]:
    """A curve's points as svg_chart takes them: numbers only, x from 1 when not given."""
    ys = [
        y if isinstance(y, (int, float)) and not isinstance(y, bool) else None
        for y in (ys if isinstance(ys, list) else [])
    ]
    xs = xs if isinstance(xs, list) else list(range(1, len(ys) + 1))
    pairs = [(x, y) for x, y in zip(xs, ys, strict=False) if isinstance(x, (int, float))]
    return [x for x, _ in pairs], [y for _, y in pairs]
