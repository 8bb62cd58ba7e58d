"""How the hall benchmark measures (bench/hall.py reports it): one server at a time, a class of
N protocol-level sessions (bench/hall_client.py), memory and CPU from outside the server
(bench/serverstats.py).

For each server (the app, the plain anchor, the anchor with its torch pass):
- prepared: memory 3 s after it answered /_stcore/health (the app's lifespan has run by then);
- first visit: its first session's page (home), rerun request -> script_finished;
- every page's first visit (one session each, kept open to the end) warms it; memory before;
- the N sessions open their pages all at once (or arriving evenly over --hall-ramp seconds):
  CPU seconds of the server's tree from the first request to the last page settled;
- memory 3 s after the last page settled (N connected), then every session closes;
- memory 3 s after that, and `wait` seconds after it (Streamlit keeps a closed session for
  server.disconnectedSessionTTL, 120 s). The servers wait out that time together: each stays up,
  idle, while the next one is measured, so three servers cost one wait."""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.browser import start_server, stop_server
from bench.hall_browser import record_static
from bench.hall_client import Session, Visit, close_all, open_many
from bench.serverstats import (
    cpu_seconds,
    memory,
    probe,
    probe_env,
    streamlit_stats,
)

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
METRICS_TTL = 5.5  # seconds: /_stcore/metrics answers its memory figures from a 5 s cache


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
    after_gc: dict = field(default_factory=dict)  # after the wait and a full gc (--hall-probe)
    cpu: float = float("nan")  # seconds, the N sessions opening their pages
    idle_cpu: float = float("nan")  # seconds per second before the class
    visits: list[Visit] = field(default_factory=list)
    warm_visits: list[Visit] = field(default_factory=list)
    closed_at: float = 0.0  # time.monotonic() when the last tab had closed
    probing: Path | None = None  # the probe's folder, where the server runs it
    static: dict[str, tuple] = field(default_factory=dict)  # page -> paths (--hall-static)
    stats_at: float = 0.0  # time.monotonic() of the last streamlit_stats
    stats: dict[str, dict] = field(default_factory=dict)  # streamlit_stats by moment
    probe: dict[str, dict] = field(default_factory=dict)  # the probe's replies by moment

    def per_session(self, kind: str = "rss") -> float:
        if self.during.get(kind) is None or self.before.get(kind) is None:
            return float("nan")
        return (self.during[kind] - self.before[kind]) / max(1, len(self.visits))


def look(hall: Hall, moment: str, pid: int, base: str, probing: Path | None) -> None:
    """Memory of the server's tree at `moment` (before, during, right_after, after_wait), then
    Streamlit's accounting (once its answer of the last look has expired) and, where `probing`,
    the probe's reply."""
    setattr(hall, moment, memory(pid))
    time.sleep(max(0.0, hall.stats_at + METRICS_TTL - time.monotonic()))
    hall.stats[moment] = streamlit_stats(base)
    hall.stats_at = time.monotonic()
    if probing:
        hall.probe[moment] = probe(probing, len(hall.probe) + 1)


async def class_on(
    hall: Hall, base: str, pid: int, pages: list[str], warm: list[str], ramp: float = 0.0
) -> None:
    """Warm every page in `warm` (one session each, the first one's time is the first visit),
    then open `pages` all at once (over `ramp` seconds), then close every session; fills `hall`."""
    warm_sessions = []
    for page in warm:
        session = Session(base, hall.static.get(page, ()))
        hall.warm_visits.append(await session.open(page, TIMEOUT))
        warm_sessions.append(session)
    hall.first_visit = hall.warm_visits[0].seconds
    idle_from = cpu_seconds(pid)
    await asyncio.sleep(SETTLE)
    hall.idle_cpu = (cpu_seconds(pid) - idle_from) / SETTLE
    look(hall, "before", pid, base, hall.probing)
    started = cpu_seconds(pid)
    sessions, hall.visits = await open_many(base, pages, TIMEOUT, ramp, hall.static)
    hall.cpu = cpu_seconds(pid) - started
    await asyncio.sleep(SETTLE)
    look(hall, "during", pid, base, hall.probing)
    await close_all(sessions + warm_sessions)
    await asyncio.sleep(SETTLE)
    hall.closed_at = time.monotonic()
    look(hall, "right_after", pid, base, hall.probing)


def servers(sessions: int, pages: tuple[str, ...]) -> list[tuple[str, str, dict, list, list]]:
    """(name, script, environment, the N sessions' pages, the pages warmed) per server."""
    spread = [pages[i % len(pages)] for i in range(sessions)]
    anchor = [""] * sessions
    return [
        ("app", "app.py", {"AE_UMAP_WARMUP": "0"}, spread, list(pages)),
        ("plain", ANCHOR, {}, anchor, [""]),
        ("torch", ANCHOR, {"AE_HALL_ANCHOR_TORCH": "1"}, anchor, [""]),
    ]


def measure(
    sessions: int,
    pages: tuple[str, ...],
    wait: float,
    ramp: float = 0.0,
    probing: bool = False,
    static: bool = False,
) -> dict[str, Hall]:
    """Every server's class, one after another; then each server's memory `wait` seconds after
    its last tab closed (the idle servers wait together). `probing`: each server runs the probe
    (bench/hall_probe/sitecustomize.py) and answers it at every reading. `static`: every
    session first fetches the files a real Chromium fetched for its page (recorded on a scratch
    server before the measured one starts)."""
    halls, processes, urls = {}, [], {}
    with tempfile.TemporaryDirectory(prefix="bench-hall-") as folder:
        try:
            recorded = {
                name: record_static(script, warm, env)
                for name, script, env, _, warm in (servers(sessions, pages) if static else [])
            }
            for name, script, env, spread, warm in servers(sessions, pages):
                home = Path(folder) / name
                home.mkdir()
                probing_at = home / "probe" if probing else None
                env = {**env, **(probe_env(probing_at) if probing_at else {})}
                process, url = start_server(home, env, timeout=180, script=script)
                processes.append(process)
                urls[name] = url
                time.sleep(SETTLE)
                halls[name] = hall = Hall(name, prepared=memory(process.pid), probing=probing_at)
                hall.static = recorded.get(name, {})
                asyncio.run(class_on(hall, url, process.pid, spread, warm, ramp))
            for hall, process in zip(halls.values(), processes, strict=True):
                time.sleep(max(0.0, min(wait, hall.closed_at + wait - time.monotonic())))
                look(hall, "after_wait", process.pid, urls[hall.name], hall.probing)
                if hall.probing:  # the last reading: a collection changes what follows
                    hall.probe["after_gc"] = probe(hall.probing, len(hall.probe) + 1, True)
                    hall.after_gc = memory(process.pid)
        finally:
            for process in processes:
                stop_server(process)
    return halls
