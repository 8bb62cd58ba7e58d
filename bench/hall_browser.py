"""python -m bench.hall_browser [--page PATH] [--count K]: does a protocol-level session
(bench/hall_client.py) cost the server what a real browser's does? One app server, the page
warmed by a first visit; then K protocol sessions, K Chromium sessions and K protocol sessions
again open the page one after another (each kept open until the end), and for each block the
server's memory per session and CPU per page (its process tree, from /proc). Chromium's own
processes are not the server's and are not counted. Needs Playwright and Chromium."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from pathlib import Path

from bench.browser import browser_missing, launch, start_server, stop_server, wait_idle
from bench.hall_client import Session, close_all
from bench.serverstats import cpu_seconds, memory

SETTLE = 3.0


def _block(pid: int, opens) -> dict[str, float]:
    """Memory per session and CPU per page of the K opens `opens` makes (a list of callables)."""
    time.sleep(SETTLE)
    before, started = memory(pid)["rss"], cpu_seconds(pid)
    for open_one in opens:
        open_one()
    cpu = cpu_seconds(pid) - started
    time.sleep(SETTLE)
    return {"mb_per_session": (memory(pid)["rss"] - before) / len(opens), "cpu": cpu / len(opens)}


# what the protocol client fetches itself, or must not fetch twice
OWN_REQUESTS = ("/_stcore/stream", "/_stcore/health", "/_stcore/host-config", "/media/")


def record_static(script: str, pages: list[str], env: dict[str, str]) -> dict[str, tuple]:
    """The paths a real Chromium with an empty cache fetches over HTTP for each of `pages`
    (the document, the frontend's files), on a scratch server of `script` started with `env`
    (static paths are the same on every server of the same Streamlit), in the order fetched."""
    from playwright.sync_api import sync_playwright

    fetched: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory(prefix="hall-static-") as folder, sync_playwright() as p:
        process, url = start_server(Path(folder), env, timeout=180, script=script)
        try:
            browser = launch(p)
            for page in pages:
                context = browser.new_context(viewport={"width": 1200, "height": 800})
                tab = context.new_page()
                paths: list[str] = []
                tab.on("request", lambda r, paths=paths: paths.append(r.url[len(url) :]))
                tab.goto(f"{url}/{page}")
                wait_idle(tab, timeout=120_000)
                fetched[page] = tuple(
                    dict.fromkeys(q for q in paths if q.startswith("/") and not _own(q))
                )
                context.close()
            browser.close()
        finally:
            stop_server(process)
    return fetched


def _own(path: str) -> bool:
    return any(part in path for part in OWN_REQUESTS)


def check(page: str, count: int) -> list[tuple[str, dict[str, float]]]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs its own event loop in this thread: the client gets a thread
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True, name="hall-client").start()
    sessions: list[Session] = []

    def protocol() -> None:
        sessions.append(Session(url))
        opened = asyncio.run_coroutine_threadsafe(sessions[-1].open(page, 120), loop)
        visit = opened.result(timeout=180)
        assert visit.seconds is not None and not visit.errors, visit

    def chromium() -> None:
        tab = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
        tab.goto(f"{url}/{page}")
        wait_idle(tab, timeout=120_000)

    results = []
    with tempfile.TemporaryDirectory(prefix="hall-browser-") as folder, sync_playwright() as p:
        process, url = start_server(Path(folder), {"AE_UMAP_WARMUP": "0"}, timeout=180)
        try:
            browser = launch(p)
            protocol()  # the page's first visit warms the server
            for name, opener in (("protocol", protocol), ("chromium", chromium)) * 2:
                results.append((name, _block(process.pid, [opener] * count)))
            asyncio.run_coroutine_threadsafe(close_all(sessions), loop).result(timeout=60)
            browser.close()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            stop_server(process)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hall_browser", description=__doc__)
    parser.add_argument("--page", default="", help='url path ("" or home: the home page)')
    parser.add_argument("--count", type=int, default=5, help="sessions per block")
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        raise SystemExit("needs " + ", ".join(missing))
    page = "" if args.page == "home" else args.page
    for name, result in check(page, args.count):
        print(
            f"{name:<9} {args.count} sessions on /{page}: "
            f"{result['mb_per_session']:6.1f} MB per session, {result['cpu']:.3f} s CPU per page"
        )


if __name__ == "__main__":
    main()
