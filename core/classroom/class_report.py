"""The class, kept: one self-contained HTML file, for the teacher before ending a class, that
opens offline: the board, the challenge's leaderboard and winners (settings beside the defaults,
curves), the lessons' verdicts across the class (how many runs agreed with each claim), the
class's drawings (core.classroom.drawings_report) and each student's runs. As in
core.takehome.run_report, texts come from the caller in the session's language (the area
"classreport", and labels `variant_<id>`, `lesson_<id>`, `claim_<id>`, `status_<s>`,
`param_<name>`, `choice_<value>`, `noise_<kind>`, `dataset_<name>`; a missing label shows the
name) and numbers and dates follow `language`. Every value read from the class is escaped;
images are inline PNG, charts inline SVG; nothing from the network; no run id, owner or path.
The formats every section shares are core.classroom.report_writer's; the challenge's section is
core.classroom.challenge_report's."""

from __future__ import annotations

import base64
import html
import time
from typing import Any

from core.classroom import challenges, classes, members
from core.classroom.challenge_report import challenge_section
from core.classroom.drawings_report import drawings_section
from core.classroom.report_writer import Html, Writer, table, tag
from core.takehome.run_report import STYLE
from core.teaching.lessons import LESSONS

WIDE = "body{max-width:1100px}td img{height:40px}h3{margin-bottom:.2em}"


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
        tag("h1", w.say("title", code=code))
        + tag(
            "p",
            w.say(
                "dated",
                started=w.day(settings.get("created") or now),
                made=w.day(now),
                time=time.strftime("%H:%M", time.localtime(now)),
            ),
        )
        + tag("p", w.say("counts", students=w.num(students), runs=w.num(runs)))
        + tag("p", w.say("errors_help"))
    )


def _board(w: Writer, records: list[dict[str, Any]]) -> str:
    if not records:
        return tag("h2", w.say("board")) + tag("p", w.say("board_empty"))
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
    return tag("h2", w.say("board")) + table(head, rows, numeric=(5, 6, 7))


def _verdicts(w: Writer, records: list[dict[str, Any]]) -> str:
    counts: dict[str, list[int]] = {}
    for record in records:
        verdict = record.get("verdict")
        if isinstance(verdict, dict) and "holds" in verdict:
            agreed = counts.setdefault(str(verdict.get("lesson")), [0, 0])
            agreed[0 if verdict["holds"] else 1] += 1
    order = [lesson for lesson in LESSONS if lesson in counts]
    order += sorted(lesson for lesson in counts if lesson not in LESSONS)
    parts = [tag("h2", w.say("verdicts")), tag("p", w.say("verdicts_intro"))]
    if not order:
        return "".join(parts) + tag("p", w.say("no_verdicts"))
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
    return "".join(parts) + table(head, rows, numeric=(2, 3, 4))


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
    parts = [tag("h2", w.say("students"))]
    for student in students:
        runs = [r for r in records if r.get("nickname") == student]
        parts.append(tag("h3", student) + tag("p", w.say("runs_of", runs=w.num(len(runs)))))
        if runs:
            parts.append(
                table(
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
        challenge_section(w, challenge, records, rows),
        _verdicts(w, records),
        drawings_section(w, code),
        _students(w, records, students, places),
        tag("p", w.say("footer")),
    ]
    title = html.escape(w.say("title", code=code))
    return (
        f'<!DOCTYPE html><html lang="{"pt-BR" if language == "pt" else "en"}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{title}</title><style>{STYLE}{WIDE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
