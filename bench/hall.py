"""python -m bench --only hall [--sessions N] [--hall-wait S] [--hall-pages PAGE ...]
[--hall-ramp S] [--hall-probe] [--hall-static]: what a lecture hall costs one prepared server
(issue 35, item 2).

N sessions open the app's eleven pages, spread evenly (session i opens page i % 11), against one
`streamlit run app.py` (AE_UMAP_WARMUP=0, a temporary runs folder), each through the protocol
client of bench/hall_client.py (the websocket and the page's images, no browser). Side by side
in the same run, N sessions open the anchor (bench/hall_anchor/plain.py), a plain Streamlit page
of the same kind, on a server of its own, and again with its torch pass per script run.
bench/hall_measure.py says how; server memory (RSS, PSS) and CPU (utime+stime) are the
streamlit process's and its children's, from /proc; the client's are not counted. Beside them,
Streamlit's own accounting (/_stcore/metrics) and, with --hall-probe, a look inside each server
(bench/hall_probe/sitecustomize.py) say where the memory is.

Long because: one builder per row, each with the note that says how to read its number."""

from __future__ import annotations

import os
from dataclasses import asdict

from bench.common import Row, percentile
from bench.hall_measure import PAGES, SETTLE, TIMEOUT, WAIT, Hall, measure


def _settled(hall: Hall) -> list[float]:
    return [v.seconds for v in hall.visits if v.seconds is not None] or [float("nan")]


def _ratio(reference: float, value: float) -> float | None:
    """How many times better than the reference (for costs: reference / value)."""
    return reference / value if value and value == value and reference == reference else None


def _slowest_pages(hall: Hall, share: float = 0.5, top: int = 3) -> str:
    by_page: dict[str, list[float]] = {}
    for visit in hall.visits:
        if visit.seconds is not None:
            by_page.setdefault(visit.page or "home", []).append(visit.seconds)
    ranked = sorted(by_page.items(), key=lambda item: -percentile(item[1], share))
    return ", ".join(f"{page} {percentile(times, share):.2f} s" for page, times in ranked[:top])


def _pss(hall: Hall) -> str:
    value = hall.per_session("pss")
    return "unreadable" if value != value else f"{value:.1f}"


def memory_rows(halls: dict[str, Hall], sessions: int) -> list[Row]:
    app, plain, torch = halls["app"], halls["plain"], halls["torch"]
    value = app.per_session()
    return [
        Row(
            "hall",
            "prepared server memory (RSS, before any visit)",
            app.prepared["rss"],
            "MB",
            reference=plain.prepared["rss"],
            ratio=_ratio(plain.prepared["rss"], app.prepared["rss"]),
            target="<= 900 MB",
            met=app.prepared["rss"] <= 900,
            note=f"PSS {app.prepared['pss'] or float('nan'):.0f} MB; reference: the plain "
            f"anchor's server; the anchor with its torch pass {torch.prepared['rss']:.0f} MB",
        ),
        Row(
            "hall",
            f"{sessions} sessions: server memory per connected session",
            value,
            "MB",
            reference=plain.per_session(),
            ratio=_ratio(plain.per_session(), value),
            target="<= 5 MB or 1.5x torch anchor",
            met=value <= max(5.0, 1.5 * torch.per_session()),
            note=f"RSS (with N connected, settled - before) / N, after each page's first visit; "
            f"reference: the plain anchor; with its torch pass {torch.per_session():.1f} MB; "
            f"PSS per session: app {_pss(app)}, plain {_pss(plain)}, torch {_pss(torch)}; "
            f"before {app.before['rss']:.0f} MB, with the class {app.during['rss']:.0f} MB",
        ),
    ]


def cpu_rows(halls: dict[str, Hall], sessions: int) -> list[Row]:
    app, plain, torch = halls["app"], halls["plain"], halls["torch"]
    value, reference = app.cpu / sessions, plain.cpu / sessions
    rows = [
        Row(
            "hall",
            f"{sessions} sessions: server CPU per page opened",
            value,
            "s",
            reference=reference,
            ratio=_ratio(reference, value),
            target="<= 1.5x plain anchor",
            met=value <= 1.5 * reference,
            note=f"utime+stime of the server's tree while all {sessions} open their page, / N; "
            f"anchor with its torch pass {torch.cpu / sessions:.3f} s; idle before the class: "
            f"app {app.idle_cpu:.3f}, plain {plain.idle_cpu:.3f} CPU s/s",
        )
    ]
    for share, name in ((0.5, "p50"), (0.95, "p95")):
        value, reference = (percentile(_settled(h), share) for h in (app, plain))
        rows.append(
            Row(
                "hall",
                f"{sessions} sessions: request -> page settled {name}",
                value,
                "s",
                reference=reference,
                ratio=_ratio(reference, value),
                note=f"rerun request -> the full run's script_finished; torch anchor "
                f"{percentile(_settled(torch), share):.2f} s; slowest pages by {name}: "
                + _slowest_pages(app, share),
            )
        )
    return rows


def close_rows(halls: dict[str, Hall], wait: float) -> list[Row]:
    app, plain = halls["app"], halls["plain"]
    above = {
        name: {k: h.__dict__[k]["rss"] - h.before["rss"] for k in ("right_after", "after_wait")}
        for name, h in halls.items()
    }
    shortened = "" if wait >= WAIT else f"; wait SHORTENED to {wait:.0f} s (not the target's)"
    return [
        Row(
            "hall",
            "memory above before the class, right after close",
            above["app"]["right_after"],
            "MB",
            reference=above["plain"]["right_after"],
            note=f"RSS {SETTLE:.0f} s after every tab closed: app {app.right_after['rss']:.0f} MB,"
            f" plain anchor {plain.right_after['rss']:.0f} MB (before: {app.before['rss']:.0f},"
            f" {plain.before['rss']:.0f}); torch anchor {above['torch']['right_after']:+.0f} MB",
        ),
        Row(
            "hall",
            f"memory above before the class, {wait:.0f} s after close",
            above["app"]["after_wait"],
            "MB",
            reference=above["plain"]["after_wait"],
            target="<= 150 MB, 150 s after",
            met=above["app"]["after_wait"] <= 150 if wait >= WAIT else None,
            note=f"RSS: app {app.after_wait['rss']:.0f} MB, plain anchor "
            f"{plain.after_wait['rss']:.0f} MB; torch anchor {above['torch']['after_wait']:+.0f}"
            f" MB; Streamlit keeps a closed session 120 s (server.disconnectedSessionTTL)"
            + shortened,
        ),
    ]


MOMENTS = ("before", "during", "right_after", "after_wait")


def _moments(readings: dict[str, dict], key: str, digits: int = 0) -> str:
    values = [readings.get(m, {}).get(key) for m in MOMENTS]
    return " -> ".join("?" if v is None else f"{v:.{digits}f}" for v in values)


def _per_session(hall: Hall, readings: dict[str, dict], keys: tuple[str, ...]) -> float:
    before, during = readings.get("before", {}), readings.get("during", {})
    if not all(k in before and k in during for k in keys):
        return float("nan")
    return sum(during[k] - before[k] for k in keys) / max(1, len(hall.visits))


def accounting_row(halls: dict[str, Hall], sessions: int) -> Row:
    """How much of the per-session memory Streamlit's own accounting sees (its media files),
    from /_stcore/metrics."""
    app = halls["app"].stats
    return Row(
        "hall",
        f"{sessions} sessions: media files per session",
        _per_session(halls["app"], app, ("media_mb",)),
        "MB",
        reference=_per_session(halls["plain"], halls["plain"].stats, ("media_mb",)),
        note="Streamlit's /_stcore/metrics, before -> with the class -> right after close -> "
        f"after the wait: media files {_moments(app, 'media_mb', 1)} MB (one copy of equal "
        f"images for all sessions), st.cache_data {_moments(app, 'cache_data_mb')} MB, "
        f"session_state keys of the active sessions {_moments(app, 'session_state_keys')}, "
        f"active sessions {_moments(app, 'active_sessions')}",
    )


def probe_row(halls: dict[str, Hall], sessions: int) -> Row:
    """Where the per-session memory is, seen from inside the server (--hall-probe): glibc's heap
    in use against kept free, Python's blocks, AppSession objects alive."""
    app = halls["app"].probe
    collected = ", ".join(
        f"{name} {h.after_gc.get('rss', float('nan')):.0f} MB RSS, "
        f"{h.probe.get('after_gc', {}).get('malloc_in_use_mb', float('nan')):.0f} MB in use"
        for name, h in halls.items()
    )
    return Row(
        "hall",
        f"{sessions} sessions: malloc in use per session",
        _per_session(halls["app"], app, ("malloc_in_use_mb",)),
        "MB",
        reference=_per_session(halls["plain"], halls["plain"].probe, ("malloc_in_use_mb",)),
        note="the probe inside each server (mallinfo2), before -> with the class -> right after "
        f"close -> after the wait: in use {_moments(app, 'malloc_in_use_mb')} MB, free but kept "
        f"by malloc {_moments(app, 'malloc_free_kept_mb')} MB, Python blocks "
        f"{_moments(app, 'python_blocks')}, session_state buffers (arrays, tensors, bytes, text; "
        f"shared ones once) {_moments(app, 'session_state_mb', 1)} MB, AppSession objects alive "
        f"{_moments(app, 'app_sessions_alive')}, arrays and tensors of 1 MB or more "
        f"{_moments(app, 'large_arrays_mb')} MB, sessions kept after close "
        f"{_moments(app, 'sessions_kept')}, threads {_moments(app, 'threads')}; then a full "
        f"gc.collect() in each server: {collected}",
    )


def visit_rows(halls: dict[str, Hall], sessions: int) -> list[Row]:
    app, plain = halls["app"], halls["plain"]
    failed = {
        name: [v for v in h.visits + h.warm_visits if v.errors or v.seconds is None]
        for name, h in halls.items()
    }
    errors = [f"{v.page or 'home'}: {v.errors[0]}" for v in failed["app"] if v.errors]
    media = sum(v.media for v in app.visits)
    media_mb = sum(v.media_bytes for v in app.visits) / 2**20
    timers = sum(v.timers > 0 for v in app.visits)
    static = sum(v.static for v in app.visits)
    static_mb = sum(v.static_bytes for v in app.visits) / 2**20
    static_note = f" and {static} static files ({static_mb:.1f} MB as sent)" if static else ""
    return [
        Row(
            "hall",
            "first visit on a cold server (home)",
            app.first_visit if app.first_visit is not None else float("nan"),
            "s",
            reference=plain.first_visit,
            ratio=_ratio(plain.first_visit or float("nan"), app.first_visit or float("nan")),
            note="rerun request -> script_finished, the prepared server's first session; "
            "reference: the anchor's first visit",
        ),
        Row(
            "hall",
            f"{sessions} sessions: pages not settled or with errors",
            len(failed["app"]),
            "",
            reference=len(failed["plain"]),
            met=not failed["app"],
            note=f"within {TIMEOUT:.0f} s each; "
            + ("; ".join(sorted(set(errors))[:3]) or "no errors")
            + f"; the client fetched {media} images ({media_mb:.1f} MB) as <img> tags would"
            + static_note
            + "; "
            f"{timers} of the sessions' pages set run_every fragment timers (not fired here)",
        ),
    ]


def run(
    quick: bool,
    sessions: int | None = None,
    wait: float | None = None,
    pages: list[str] | None = None,
    ramp: float = 0.0,
    probing: bool = False,
    static: bool = False,
) -> tuple[list[Row], dict]:
    """The rows, and every server's readings and visits (for the JSON file)."""
    sessions = sessions or (10 if quick else 30)
    if wait is None:
        wait = float(os.environ.get("AE_HALL_WAIT", WAIT))
    chosen = tuple("" if p in ("home", "") else p for p in pages) if pages else PAGES
    halls = measure(sessions, chosen, wait, ramp, probing, static)
    scope = "" if chosen == PAGES else f"pages: {', '.join(p or 'home' for p in chosen)} only; "
    scope += f"the sessions arrived evenly over {ramp:.0f} s; " if ramp else ""
    scope += "each session fetched its page's static files as Chromium did; " if static else ""
    rows = (
        memory_rows(halls, sessions)
        + cpu_rows(halls, sessions)
        + close_rows(halls, wait)
        + visit_rows(halls, sessions)
        + [accounting_row(halls, sessions)]
        + ([probe_row(halls, sessions)] if probing else [])
    )
    if scope:
        for row in rows:
            row.note = scope + row.note
    return rows, {name: _details(hall) for name, hall in halls.items()}


def _details(hall: Hall) -> dict:
    fields = asdict(hall)
    fields["probing"] = str(hall.probing) if hall.probing else None
    return fields
