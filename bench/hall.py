"""python -m bench --only hall [--sessions N] [--hall-wait S] [--hall-pages PAGE ...]: what a
lecture hall costs one prepared server (issue 35, item 2).

N sessions open the app's eleven pages, spread evenly (session i opens page i % 11), against one
`streamlit run app.py` (AE_UMAP_WARMUP=0, a temporary runs folder), each through the protocol
client of bench/hall_client.py (the websocket and the images, no browser). Side by side in the
same run, the same N sessions open the anchor (bench/hall_anchor/plain.py), a plain Streamlit page
of the same kind, on a server of its own, and again with its torch pass per script run.

Measured from /proc over each server's process tree (the streamlit process and its children;
the client is not counted): RSS (and PSS from smaps_rollup where readable) and utime+stime.
- prepared server: memory 3 s after it answered /_stcore/health (its lifespan has run);
- first visit: the cold server's first page (home), rerun request -> script_finished;
- every page's first visit (one session each, kept open) warms the server; then memory before;
- the N sessions open their pages all at once: CPU seconds from the first request to the last
  page settled, / N; p50 and p95 of rerun request -> the full run's script_finished;
- memory 3 s after the last page settled: (that - before) / N per connected session;
- every session closes: memory right after (3 s) and after --hall-wait seconds (default 150;
  AE_HALL_WAIT too): Streamlit keeps a closed session for server.disconnectedSessionTTL (120 s).
The servers wait out that time together: each stays up, idle, while the next one is measured."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.browser import start_server
from bench.common import Row, percentile
from bench.hall_client import Session, Visit, close_all, open_many

PAGES = (
    "",
    "lessons",
    "draw",
    "train",
    "reconstructions",
    "sparsity",
    "noise",
    "latent",
    "generate",
    "compare",
    "class",
)
ANCHOR = "bench/hall_anchor/plain.py"
WAIT = 150.0  # seconds after the last tab closed (the target's)
SETTLE = 3.0  # seconds between the last event and a memory reading
TIMEOUT = 120.0  # seconds for one page to settle
TICK = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (from each process's parent in /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo and len(tree) < 10_000:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def _kb_field(path: str, name: str) -> float | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def memory(pid: int) -> dict[str, float | None]:
    """RSS and PSS (None where smaps_rollup is unreadable) of the tree, in MB."""
    rss, pss = 0.0, 0.0
    for process in process_tree(pid):
        rss += _kb_field(f"/proc/{process}/status", "VmRSS:") or 0.0
        share = _kb_field(f"/proc/{process}/smaps_rollup", "Pss:")
        pss = None if share is None or pss is None else pss + share
    return {"rss": rss, "pss": pss}


def cpu_seconds(pid: int) -> float:
    """utime+stime of the tree so far, and of its children already gone (the root's cutime,
    cstime)."""
    total = 0.0
    for process in process_tree(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if process == pid:
            total += int(fields[13]) + int(fields[14])
    return total / TICK


STAT_KINDS = {
    "st_memory_media_file_storage": "media",
    "st_session_state": "session_state",
    "st_cache_data": "cache_data",
}


def streamlit_stats(base: str) -> dict[str, float]:
    """Streamlit's own accounting (GET /_stcore/metrics, the server's stats endpoint): MB held by
    the media file storage, by all sessions' session_state, by st.cache_data; active sessions."""
    try:
        with urllib.request.urlopen(base + "/_stcore/metrics", timeout=60) as response:
            text = response.read().decode()
    except OSError:
        return {}
    stats = dict.fromkeys(("media", "session_state", "cache_data", "active_sessions"), 0.0)
    for line in text.splitlines():
        if line.startswith("cache_memory_bytes{"):
            kind = re.search(r'cache_type="([^"]*)"', line)
            if kind and kind.group(1) in STAT_KINDS:
                stats[STAT_KINDS[kind.group(1)]] += float(line.rsplit(" ", 1)[1]) / 2**20
        elif line.startswith("active_sessions "):
            stats["active_sessions"] = float(line.split()[1])
    return stats


@dataclass
class Hall:
    """One server's class, as measured."""

    name: str
    prepared: dict = field(default_factory=dict)
    first_visit: float | None = None
    before: dict = field(default_factory=dict)
    during: dict = field(default_factory=dict)
    right_after: dict = field(default_factory=dict)
    after_wait: dict = field(default_factory=dict)
    cpu: float = float("nan")  # seconds, the N sessions opening their pages
    idle_cpu: float = float("nan")  # seconds per second before the class
    visits: list[Visit] = field(default_factory=list)
    warm_visits: list[Visit] = field(default_factory=list)
    closed_at: float = 0.0  # time.monotonic() when the last tab had closed
    stats: dict[str, dict] = field(default_factory=dict)  # streamlit_stats by moment

    def per_session(self, kind: str = "rss") -> float:
        if self.during.get(kind) is None or self.before.get(kind) is None:
            return float("nan")
        return (self.during[kind] - self.before[kind]) / max(1, len(self.visits))


async def class_on(hall: Hall, base: str, pid: int, pages: list[str], warm: list[str]) -> None:
    """Warm every page in `warm` (one session each, the first one's time is the first visit),
    then open `pages` all at once, then close every session; fills `hall`."""
    warm_sessions = []
    for page in warm:
        session = Session(base)
        hall.warm_visits.append(await session.open(page, TIMEOUT))
        warm_sessions.append(session)
    hall.first_visit = hall.warm_visits[0].seconds
    idle_from = cpu_seconds(pid)
    await asyncio.sleep(SETTLE)
    hall.idle_cpu = (cpu_seconds(pid) - idle_from) / SETTLE
    hall.before = memory(pid)
    hall.stats["before"] = streamlit_stats(base)
    started = cpu_seconds(pid)
    sessions, hall.visits = await open_many(base, pages, TIMEOUT)
    hall.cpu = cpu_seconds(pid) - started
    await asyncio.sleep(SETTLE)
    hall.during = memory(pid)
    hall.stats["during"] = streamlit_stats(base)
    await close_all(sessions + warm_sessions)
    await asyncio.sleep(SETTLE)
    hall.right_after = memory(pid)
    hall.closed_at = time.monotonic()
    hall.stats["right_after"] = streamlit_stats(base)


def servers(sessions: int, pages: tuple[str, ...]) -> list[tuple[str, str, dict, list, list]]:
    """(name, script, environment, the N sessions' pages, the pages warmed) per server."""
    spread = [pages[i % len(pages)] for i in range(sessions)]
    anchor = [""] * sessions
    return [
        ("app", "app.py", {"AE_UMAP_WARMUP": "0"}, spread, list(pages)),
        ("plain", ANCHOR, {}, anchor, [""]),
        ("torch", ANCHOR, {"AE_HALL_ANCHOR_TORCH": "1"}, anchor, [""]),
    ]


def measure(sessions: int, pages: tuple[str, ...], wait: float) -> dict[str, Hall]:
    """Every server's class, one after another; then each server's memory `wait` seconds after
    its last tab closed (the idle servers wait together)."""
    halls, processes, urls = {}, [], {}
    with tempfile.TemporaryDirectory(prefix="bench-hall-") as folder:
        try:
            for name, script, env, spread, warm in servers(sessions, pages):
                (Path(folder) / name).mkdir()
                process, url = start_server(Path(folder) / name, env, timeout=180, script=script)
                processes.append(process)
                urls[name] = url
                time.sleep(SETTLE)
                halls[name] = hall = Hall(name, prepared=memory(process.pid))
                asyncio.run(class_on(hall, url, process.pid, spread, warm))
            for hall, process in zip(halls.values(), processes, strict=True):
                time.sleep(max(0.0, min(wait, hall.closed_at + wait - time.monotonic())))
                hall.after_wait = memory(process.pid)
                hall.stats["after_wait"] = streamlit_stats(urls[hall.name])
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    return halls


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
                f"{sessions} sessions at once: request -> page settled {name}",
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


def _moments(stats: dict[str, dict], key: str) -> str:
    values = [stats.get(m, {}).get(key) for m in ("before", "during", "right_after", "after_wait")]
    return " -> ".join("?" if v is None else f"{v:.0f}" for v in values)


def accounting_row(halls: dict[str, Hall], sessions: int) -> Row:
    """How much of the per-session memory Streamlit's own accounting sees (media files and
    session_state), from /_stcore/metrics."""

    def per_session(hall: Hall) -> float:
        before, during = hall.stats.get("before", {}), hall.stats.get("during", {})
        if not before or not during:
            return float("nan")
        kinds = ("media", "session_state")
        return sum(during[k] - before[k] for k in kinds) / max(1, len(hall.visits))

    app = halls["app"].stats
    return Row(
        "hall",
        f"{sessions} sessions: media + session_state per session",
        per_session(halls["app"]),
        "MB",
        reference=per_session(halls["plain"]),
        note="Streamlit's /_stcore/metrics, MB before -> with the class -> right after close -> "
        f"after the wait: media files {_moments(app, 'media')}, session_state "
        f"{_moments(app, 'session_state')}, st.cache_data {_moments(app, 'cache_data')}, "
        f"active sessions {_moments(app, 'active_sessions')}",
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
            + f"; the client fetched {media} images ({media_mb:.1f} MB) as <img> tags would; "
            f"{timers} of the sessions' pages set run_every fragment timers (not fired here)",
        ),
    ]


def run(
    quick: bool,
    sessions: int | None = None,
    wait: float | None = None,
    pages: list[str] | None = None,
) -> list[Row]:
    sessions = sessions or (10 if quick else 30)
    if wait is None:
        wait = float(os.environ.get("AE_HALL_WAIT", WAIT))
    chosen = tuple("" if p in ("home", "") else p for p in pages) if pages else PAGES
    halls = measure(sessions, chosen, wait)
    scope = "" if chosen == PAGES else f"pages: {', '.join(p or 'home' for p in chosen)} only; "
    rows = (
        memory_rows(halls, sessions)
        + cpu_rows(halls, sessions)
        + close_rows(halls, wait)
        + visit_rows(halls, sessions)
        + [accounting_row(halls, sessions)]
    )
    if scope:
        for row in rows:
            row.note = scope + row.note
    return rows
