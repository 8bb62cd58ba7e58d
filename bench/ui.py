"""UI latency in a real browser (Playwright + Debian's Chromium), and the server's memory:
server start to the first interactive page, Train pressed to the first live loss point and
reconstruction row (digits and MNIST), page switches, and peak resident memory."""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from bench.browser import (
    browser_missing,
    free_port,
    goto_page,
    launch,
    press_train,
    start_server,
    wait_idle,
)
from bench.common import Row

SWITCH_PAGES = [
    "Reconstructions",
    "Sparsity",
    "Noise robustness",
    "Latent space",
    "Generate",
    "Compare",
    "Train",
]


def _peak_memory_mb(pid: int) -> float:
    """VmHWM (peak resident set) of the server process and its children, in MB."""
    total = 0.0
    for proc in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{proc}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(c) for c in text.split()]
    return found + [g for c in found for g in _children(c)]


def _choose_dataset(page, title_start: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(title_start)}")).click()
    wait_idle(page)


WATCH = """(conditions) => {
  if (window.__observer) window.__observer.disconnect();  // the previous measurement's
  window.__seen = {};
  window.__clickAt = null;
  document.addEventListener("pointerdown", () => { window.__clickAt = performance.now(); },
                            {capture: true, once: true});
  const check = () => {
    for (const [name, js] of Object.entries(conditions)) {
      if (!(name in window.__seen) && window.__clickAt !== null && eval(js)) {
        window.__seen[name] = performance.now() - window.__clickAt;
      }
    }
  };
  window.__observer = new MutationObserver(check);
  window.__observer.observe(document.body,
                            {subtree: true, childList: true, characterData: true});
}"""


def _train_latency(page, run_name: str) -> tuple[float, float]:
    """Seconds from the pointer going down on Train to the new run's first loss point and
    reconstruction row on screen, timed inside the page (no driver round trips counted)."""
    goto_page(page, "Train")
    label = f"{run_name}: "
    page.evaluate(
        WATCH,
        {
            "point": f"document.body.textContent.includes({label!r}) && "
            "!!document.querySelector('.js-plotly-plot .scatterlayer .trace')",
            "row": f"document.body.textContent.includes({label!r}) && "
            "document.body.textContent.includes('reconstructions')",
        },
    )
    press_train(page)
    page.wait_for_function(
        "() => 'point' in window.__seen && 'row' in window.__seen", timeout=60_000
    )
    seen = page.evaluate("window.__seen")
    page.wait_for_selector("text=done", timeout=300_000)
    wait_idle(page)
    return seen["point"] / 1000, seen["row"] / 1000


POPULATED = "() => document.querySelectorAll('[data-testid=\"stImage\"]').length >= 2"


def _visit(context, url: str) -> float:
    """Seconds from the request of /reconstructions to its images on screen."""
    page = context.new_page()
    clicked = time.perf_counter()
    page.goto(f"{url}/reconstructions")
    page.wait_for_function(POPULATED, timeout=120_000)
    seconds = time.perf_counter() - clicked
    page.close()
    return seconds


def first_visit(browser, rounds: int = 3) -> list[Row]:
    """A teacher's first click of the day: a fresh server, straight to the Reconstructions page
    (the pretrained zoo fills it, no training), until its images are on screen. Alternated with
    the same server started bare (AE_PREPARE=0: no preparation before the first visitor, as
    before ui.frame.startup); the browser's cache cold (a new origin each time: the worst case) and
    warm (the same address as yesterday's class: the app's scripts cached)."""
    times: dict[tuple[str, str], list[float]] = {}
    starts: dict[str, list[float]] = {}
    port = free_port()
    warm_context = browser.new_context(viewport={"width": 1280, "height": 720})
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_server(Path(folder), {"AE_UMAP_WARMUP": "0"}, port=port)
        _visit(warm_context, url)  # the day before: the browser caches the app's scripts
        process.terminate()
        process.wait(timeout=10)
        for _ in range(rounds):
            for mode, prepare in (("prepared", "1"), ("bare", "0")):
                for cache in ("cold", "warm"):
                    started = time.perf_counter()
                    process, url = start_server(
                        Path(folder),
                        {"AE_UMAP_WARMUP": "0", "AE_PREPARE": prepare},
                        port=port if cache == "warm" else None,
                    )
                    starts.setdefault(mode, []).append(time.perf_counter() - started)
                    context = (
                        warm_context
                        if cache == "warm"
                        else browser.new_context(viewport={"width": 1280, "height": 720})
                    )
                    times.setdefault((mode, cache), []).append(_visit(context, url))
                    if context is not warm_context:
                        context.close()
                    process.terminate()
                    process.wait(timeout=10)
    warm_context.close()
    rows = []
    for cache in ("cold", "warm"):
        ours = statistics.median(times[("prepared", cache)])
        bare = statistics.median(times[("bare", cache)])
        rows.append(
            Row(
                "ui",
                f"fresh server -> Reconstructions populated, browser cache {cache}",
                ours,
                "s",
                bare,
                bare / ours,
                "< 2 s",
                ours < 2.0,
                note=f"from the request, server listening; median of {rounds}; "
                "reference: the same server started bare (AE_PREPARE=0)",
            )
        )
    rows.append(
        Row(
            "ui",
            "server start -> answering (prepared for the first visit)",
            statistics.median(starts["prepared"]),
            "s",
            statistics.median(starts["bare"]),
            note="reference: started bare; the preparation moves the first visit's "
            "imports and loads before the server answers",
        )
    )
    return rows


def run(quick: bool) -> list[Row]:
    missing = browser_missing()
    if missing:
        return [Row("ui", "skipped: needs " + ", ".join(missing), float("nan"), "")]
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = launch(p)
        rows += first_visit(browser, 1 if quick else 3)
        started = time.perf_counter()
        process, url = start_server(Path(folder))
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_selector("text=Autoencoder explorer", timeout=60_000)
        wait_idle(page)
        ready = time.perf_counter() - started
        rows.append(Row("ui", "server start -> first page interactive", ready, "s"))
        for number, (dataset, title) in enumerate((("digits", "Digits"), ("mnist", "MNIST"))):
            _choose_dataset(page, title)
            point, row = _train_latency(page, f"standard-{number + 1}")
            goal = 1.0 if dataset == "digits" else 2.0
            rows.append(
                Row(
                    "ui",
                    f"Train -> first live loss point ({dataset})",
                    point,
                    "s",
                    target=f"< {goal:g} s",
                    met=point < goal,
                )
            )
            rows.append(
                Row(
                    "ui",
                    f"Train -> first reconstruction row ({dataset})",
                    row,
                    "s",
                    target=f"< {goal:g} s",
                    met=row < goal,
                )
            )
        switches = []
        for _ in range(1 if quick else 2):
            for title in SWITCH_PAGES:
                clicked = time.perf_counter()
                goto_page(page, title, wait=False)
                page.wait_for_selector(f"h1:has-text('{title.split()[0]}')", timeout=60_000)
                wait_idle(page, timeout=120_000)
                switches.append(time.perf_counter() - clicked)
        median = statistics.median(switches)
        rows.append(
            Row(
                "ui",
                "page switch (median over pages)",
                median,
                "s",
                target="< 1 s",
                met=median < 1.0,
                note=f"slowest {max(switches):.2f} s (first visit "
                "of a page computes and caches its analyses)",
            )
        )
        memory = _peak_memory_mb(process.pid)
        rows.append(
            Row(
                "memory",
                "server peak RSS, MNIST + one job (+ workers)",
                memory,
                "MB",
                target="< 1500 MB",
                met=memory < 1500,
            )
        )
        process.terminate()
        process.wait(timeout=10)
        browser.close()
    return rows
