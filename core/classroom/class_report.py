"""The class, kept: one self-contained HTML file, for the teacher before ending a class, that
opens offline: the board, the challenge's leaderboard and winners (settings beside the defaults,
curves), the lessons' verdicts across the class (how many runs agreed with each claim) and each
student's runs. As in core.takehome.run_report, texts come from the caller in the session's language
(the area "classreport", and labels `variant_<id>`, `lesson_<id>`, `claim_<id>`, `status_<s>`,
`param_<name>`, `choice_<value>`, `noise_<kind>`, `dataset_<name>`; a missing label shows the
name) and numbers and dates follow `language`. Every value read from the class is escaped;
images are inline PNG, charts inline SVG; nothing from the network; no run id, owner or path.

Long because: the class report's HTML is one template with its sections."""

from __future__ import annotations

import base64
import html
import math
import time
from dataclasses import dataclass
from typing import Any

from core.classroom import challenges, classes, members
from core.models import MODELS
from core.numbers import significant, whole
from core.takehome.run_report import STYLE, svg_chart
from core.teaching.lessons import LESSONS

WIDE = "body{max-width:1100px}td img{height:40px}h3{margin-bottom:.2em}"


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
        shown = "upload" if str(name).startswith("upload:") else name
        return self.label("dataset", shown)

    def variant(self, record: dict[str, Any]) -> str:
        return self.label("variant", record.get("variant"))


def _cell(value: Any) -> str:
    return value if isinstance(value, Html) else html.escape(str(value))


def _table(head: list[str], rows: list[list[Any]], numeric: tuple[int, ...] = ()) -> str:
    heading = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i in numeric else ''}>{_cell(c)}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{heading}</tr></thead><tbody>{body}</tbody></table>"


def _tag(tag: str, text: str) -> str:
    return f"<{tag}>{html.escape(text)}</{tag}>"


def _changed(w: Writer, record: dict[str, Any]) -> str:
    changed = challenges.changed(record)
    return "; ".join(f"{w.label('param', k)}: {w.value(v)}" for k, v in changed.items()) or w.say(
        "defaults"
    )


def _progress(w: Writer, r: dict[str, Any]) -> list[str]:
    """Status, epochs, validation and test error."""
    status = str(r.get("status") or "queued")
    shown = (
        w.say("measuring") if status == "done" and not r.get("final") else w.label("status", status)
    )
    return [
        shown,
        f"{r.get('epoch') or 0}/{r.get('epochs') or 0}",
        w.num(r.get("val_error")),
        w.num(r.get("test_error")),
    ]


def _preview(w: Writer, record: dict[str, Any]) -> Html | str:
    png = record.get("preview_png")
    if not isinstance(png, bytes) or not png.startswith(b"\x89PNG"):
        return ""
    data, alt = base64.b64encode(png).decode(), html.escape(w.say("preview_alt"))
    return Html(f'<img src="data:image/png;base64,{data}" alt="{alt}">')


def _verdict(w: Writer, record: dict[str, Any]) -> str:
    verdict = record.get("verdict")
    if not isinstance(verdict, dict) or "holds" not in verdict:
        return "-"
    lesson = w.label("lesson", verdict.get("lesson"))
    return w.say("holds" if verdict["holds"] else "fails", lesson=lesson)


# ---------------------------------------------------------------- the sections


def _header(w: Writer, code: str, settings: dict[str, Any], runs: int, students: int) -> str:
    now = time.time()
    return (
        _tag("h1", w.say("title", code=code))
        + _tag(
            "p",
            w.say(
                "dated",
                started=w.day(settings.get("created") or now),
                made=w.day(now),
                time=time.strftime("%H:%M", time.localtime(now)),
            ),
        )
        + _tag("p", w.say("counts", students=w.num(students), runs=w.num(runs)))
        + _tag("p", w.say("errors_help"))
    )


def _board(w: Writer, records: list[dict[str, Any]]) -> str:
    if not records:
        return _tag("h2", w.say("board")) + _tag("p", w.say("board_empty"))
    head = [
        w.say(k)
        for k in (
            "col_student",
            "col_variant",
            "col_dataset",
            "col_settings",
            "col_status",
            "col_epochs",
            "col_val",
            "col_test",
            "col_preview",
        )
    ]
    rows = [
        [
            r.get("nickname", ""),
            w.variant(r),
            w.dataset(r.get("dataset")),
            _changed(w, r),
            *_progress(w, r),
            _preview(w, r),
        ]
        for r in records
    ]
    return _tag("h2", w.say("board")) + _table(head, rows, numeric=(5, 6, 7))


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


def _challenge(
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
    table = _table(
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
        _tag("h2", _challenge_title(w, challenge)),
        _tag("p", _constraints(w, challenge)),
        _tag("h3", w.say("leaderboard")),
        table if rows else _tag("p", w.say("board_empty")),
        _tag("h3", w.say(title)),
    ]
    return "".join(parts) + (_winners(w, chosen) if chosen else _tag("p", w.say("no_winners")))


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
    return _table(head, rows) + _tag("p", w.say("changed_bold")) + loss + val


def _series(xs: Any, ys: Any) -> tuple[list[float], list[float | None]]:
    """A curve's points as svg_chart takes them: numbers only, x from 1 when not given."""
    ys = [
        y if isinstance(y, (int, float)) and not isinstance(y, bool) else None
        for y in (ys if isinstance(ys, list) else [])
    ]
    xs = xs if isinstance(xs, list) else list(range(1, len(ys) + 1))
    pairs = [(x, y) for x, y in zip(xs, ys, strict=False) if isinstance(x, (int, float))]
    return [x for x, _ in pairs], [y for _, y in pairs]


def _verdicts(w: Writer, records: list[dict[str, Any]]) -> str:
    counts: dict[str, list[int]] = {}
    for record in records:
        verdict = record.get("verdict")
        if isinstance(verdict, dict) and "holds" in verdict:
            agreed = counts.setdefault(str(verdict.get("lesson")), [0, 0])
            agreed[0 if verdict["holds"] else 1] += 1
    order = [lesson for lesson in LESSONS if lesson in counts]
    order += sorted(lesson for lesson in counts if lesson not in LESSONS)
    parts = [_tag("h2", w.say("verdicts")), _tag("p", w.say("verdicts_intro"))]
    if not order:
        return "".join(parts) + _tag("p", w.say("no_verdicts"))
    head = [
        w.say(k) for k in ("col_lesson", "col_claim", "col_measured", "col_agreed", "col_disagreed")
    ]
    rows = [
        [
            w.label("lesson", lesson),
            w.label("claim", lesson),
            w.num(sum(counts[lesson])),
            w.num(counts[lesson][0]),
            w.num(counts[lesson][1]),
        ]
        for lesson in order
    ]
    return "".join(parts) + _table(head, rows, numeric=(2, 3, 4))


def _students(
    w: Writer, records: list[dict[str, Any]], students: list[str], places: dict[str, int]
) -> str:
    head = [
        w.say(k)
        for k in (
            "col_variant",
            "col_settings",
            "col_status",
            "col_epochs",
            "col_val",
            "col_test",
            "col_verdict",
            "col_place",
        )
    ]
    parts = [_tag("h2", w.say("students"))]
    for student in students:
        runs = [r for r in records if r.get("nickname") == student]
        parts.append(_tag("h3", student) + _tag("p", w.say("runs_of", runs=w.num(len(runs)))))
        if runs:
            parts.append(
                _table(
                    head,
                    [
                        [
                            w.variant(r),
                            _changed(w, r),
                            *_progress(w, r),
                            _verdict(w, r),
                            places.get(r.get("run_id"), "-"),
                        ]
                        for r in runs
                    ],
                    numeric=(3, 4, 5, 7),
                )
            )
    return "".join(parts)


def class_report(code: str, key: str | None, texts: dict[str, str], language: str) -> str:
    """The class's report as one HTML page: for its teacher only (a Problem for anyone
    else). `texts`: the catalog area "classreport" and the labels named in the module's
    docstring, in `language` ("pt" or "en")."""
    classes.require_teacher(code, key)
    code, w = classes.normalise_code(code), Writer(texts, language)
    settings, records = classes.info(code), classes.records(code)
    students = sorted(
        set(members.nicknames(code)) | {str(r["nickname"]) for r in records if r.get("nickname")},
        key=str.casefold,
    )
    challenge = settings.get("challenge")
    valid = bool(challenge) and challenge.get("metric") in challenges.METRICS
    rows = challenges.leaderboard(records, challenge) if valid else []
    places = {r["run_id"]: r["rank"] for r in rows if r["rank"]}
    body = [
        _header(w, code, settings, len(records), len(students)),
        _board(w, records),
        _challenge(w, challenge, records, rows),
        _verdicts(w, records),
        _students(w, records, students, places),
        _tag("p", w.say("footer")),
    ]
    title = html.escape(w.say("title", code=code))
    return (
        f'<!DOCTYPE html><html lang="{"pt-BR" if language == "pt" else "en"}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{title}</title><style>{STYLE}{WIDE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
