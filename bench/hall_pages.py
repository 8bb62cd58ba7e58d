"""python -m bench.hall_pages [--count K] [--pages PAGE ...]: which page costs the server what,
one page at a time. One app server and one plain anchor server (bench/hall_anchor/plain.py),
each page warmed by a first visit; then K protocol sessions (bench/hall_client.py) open each page
one after another (each kept open until the end), and for each page the server's CPU per open
(its process tree, from /proc), the size of the page's messages and of its images. The hall
benchmark (python -m bench --only hall) opens the pages all at once and averages over them;
this one says where the average comes from (it found the Lessons page measuring its verdict
again for every visitor: 0.53 s of the 0.11 s average)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.browser import start_server, stop_server
from bench.hall_client import Session, close_all
from bench.hall_measure import ANCHOR, PAGES
from bench.serverstats import cpu_seconds

TIMEOUT = 120.0  # seconds for one page to settle


async def _costs(base: str, pid: int, pages: list[str], count: int) -> dict[str, dict]:
    """Per page: CPU seconds per open, kB of messages and of images per open."""
    kept = []
    for page in pages:  # each page's first visit: its examples, caches and imports
        session = Session(base)
        await session.open(page, TIMEOUT)
        kept.append(session)
    costs = {}
    for page in pages:
        started, messages, media = cpu_seconds(pid), 0, 0
        for _ in range(count):
            session = Session(base)
            visit = await session.open(page, TIMEOUT)
            kept.append(session)
            if visit.errors:
                raise RuntimeError(f"page {page or 'home'}: {visit.errors[0]}")
            messages, media = messages + visit.bytes, media + visit.media_bytes
        await asyncio.sleep(0.5)  # the last images' requests
        costs[page or "home"] = {
            "cpu": (cpu_seconds(pid) - started) / count,
            "messages_kb": messages / count / 1e3,
            "images_kb": media / count / 1e3,
        }
    await close_all(kept)
    return costs


def measure(script: str, pages: list[str], count: int, env: dict[str, str]) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        process, url = start_server(Path(folder), env, timeout=180, script=script)
        try:
            time.sleep(3.0)  # as the hall: the server's start has settled
            return asyncio.run(_costs(url, process.pid, pages, count))
        finally:
            stop_server(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hall_pages", description=__doc__)
    parser.add_argument("--count", type=int, default=8, help="opens of each page (default 8)")
    parser.add_argument("--pages", nargs="+", help="url paths (home for the home page)")
    args = parser.parse_args(argv)
    pages = [("" if p == "home" else p) for p in args.pages] if args.pages else list(PAGES)
    app = measure("app.py", pages, args.count, {"AE_UMAP_WARMUP": "0"})
    anchor = measure(ANCHOR, [""], args.count, {})["home"]
    print(f"{'page':16s} {'CPU/open':>9s} {'x anchor':>9s} {'messages':>10s} {'images':>10s}")
    for page, cost in app.items():
        print(
            f"{page:16s} {cost['cpu'] * 1e3:7.1f} ms {cost['cpu'] / anchor['cpu']:8.2f}x"
            f" {cost['messages_kb']:7.1f} kB {cost['images_kb']:7.1f} kB"
        )
    mean = sum(cost["cpu"] for cost in app.values()) / len(app)
    print(f"{'mean':16s} {mean * 1e3:7.1f} ms {mean / anchor['cpu']:8.2f}x")
    print(
        f"{'plain anchor':16s} {anchor['cpu'] * 1e3:7.1f} ms {1.0:8.2f}x"
        f" {anchor['messages_kb']:7.1f} kB {anchor['images_kb']:7.1f} kB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
