"""Many sessions at once (the load test's benchmark mode): page-render latency percentiles,
training outcomes through the bounded queue, and the server's peak memory."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from bench.browser import (
    browser_missing,
    launch,
    press_train,
    run_sessions,
    start_server,
    wait_idle,
)
from bench.common import ROOT, Row, percentile


def run(quick: bool, sessions: int | None = None) -> list[Row]:
    missing = browser_missing()
    if missing:
        return [Row("load", "skipped: needs " + ", ".join(missing), float("nan"), "")]
    from playwright.sync_api import sync_playwright

    sessions = sessions or (10 if quick else 30)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        process, url = start_server(
            Path(folder),
            {
                "AE_DATA_DIR": "",  # all on digits
                "AE_NO_BUNDLED_DATA": "1",
            },
        )
        browser = launch(p)
        try:
            result = run_sessions(browser, url, sessions, process.pid)
        finally:
            browser.close()
            process.terminate()
            process.wait(timeout=30)
    done = result["outcomes"].count("done")
    note = (
        f"{done}/{sessions} runs done, {len(result['errors'])} errors, "
        f"{result['queued_seen']} sessions saw the queue; browser and server share the "
        "machine's cores"
    )
    return [
        Row("load", f"{sessions} sessions: page render p50", result["render_p50"], "s", note=note),
        Row("load", f"{sessions} sessions: page render p95", result["render_p95"], "s"),
        Row(
            "load",
            f"{sessions} sessions: server peak RSS",
            result["server_peak_mb"],
            "MB",
            met=not result["errors"] and done == sessions,
        ),
    ]


FIRST_UPDATE = """() => {
  window.__pressedAt = null; window.__updatedAt = null;
  document.addEventListener("pointerdown", (event) => {
    if (window.__pressedAt === null && event.target.closest("button")
        && event.target.closest("button").innerText.trim().endsWith("Train")) {
      window.__pressedAt = performance.now();
    }
  }, {capture: true});
  new MutationObserver(() => {
    if (window.__pressedAt !== null && window.__updatedAt === null
        && /standard-\\d+: (training|done)/.test(document.body.textContent)) {
      window.__updatedAt = performance.now();
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


RESULTS = ROOT / "bench" / "results"


def class_with_impatient(
    browser, url: str, sessions: int, impatient: int, presses: int = 5
) -> list[float]:
    """`sessions` students press Train once each, except the first `impatient`, who press it
    `presses` times in a row. Returns the patient students' seconds from their press to their
    run's first live update (timed inside each page)."""
    pages = []
    for _ in range(sessions):
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        page = context.new_page()
        page.goto(f"{url}/train")
        pages.append(page)
    for page in pages:
        page.wait_for_selector("h1:has-text('Train')", timeout=180_000)
        wait_idle(page, timeout=120_000)
        page.evaluate(FIRST_UPDATE)
    for index, page in enumerate(pages):
        for _ in range(presses if index < impatient else 1):
            press_train(page)
            page.wait_for_timeout(150)
    waits = []
    for index, page in enumerate(pages[impatient:]):
        page.bring_to_front()
        try:
            page.wait_for_function("() => window.__updatedAt !== null", timeout=300_000)
        except Exception:  # never updated: keep a picture of why, count it, go on
            RESULTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(RESULTS / f"fairness-{impatient}-{index}.png"))
            waits.append(float("nan"))
            continue
        waits.append(page.evaluate("(window.__updatedAt - window.__pressedAt) / 1000"))
    for page in pages:
        page.context.close()
    return waits


def class_on_fresh_server(env: dict[str, str], sessions: int, impatient: int) -> list[float]:
    """class_with_impatient on a new server started with `env`, in a new Chromium."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        process, url = start_server(Path(folder), env)
        browser = launch(p)
        try:
            return class_with_impatient(browser, url, sessions, impatient)
        finally:
            browser.close()
            process.terminate()
            process.wait(timeout=30)


def fairness(quick: bool, sessions: int | None = None) -> list[Row]:
    """The fairness row: the patient students' wait for a first live update, with and without
    three impatient students pressing Train five times each."""
    missing = browser_missing()
    if missing:
        return [Row("fairness", "skipped: needs " + ", ".join(missing), float("nan"), "")]

    sessions = sessions or (10 if quick else 30)
    results = {}
    for impatient in (0, 3):
        results[impatient] = class_on_fresh_server(
            {"AE_NO_BUNDLED_DATA": "1", "AE_DATA_DIR": "", "AE_UMAP_WARMUP": "0"},
            sessions,
            impatient,
        )
    rows = []
    missing = {k: sum(math.isnan(w) for w in waits) for k, waits in results.items()}
    results = {
        k: [w for w in waits if not math.isnan(w)] or [float("nan")] for k, waits in results.items()
    }
    for share, name in ((0.5, "p50"), (0.95, "p95")):
        calm, crowded = (percentile(results[k], share) for k in (0, 3))
        rows.append(
            Row(
                "fairness",
                f"{sessions - 3} patient sessions: Train -> first update "
                f"{name}, with 3 impatient (5 presses each)",
                crowded,
                "s",
                reference=calm,
                ratio=calm / crowded if crowded else None,
                note="reference: the same class without the impatient sessions; "
                f"never updated within 300 s: {missing[3]} (reference {missing[0]})",
            )
        )
    return rows


def browser_burst(quick: bool, sessions: int | None = None) -> list[Row]:
    """The class burst in real browsers: `sessions` students on the Train page press Train
    together with the page's settings (MNIST when the data folder has it, else digits), against
    a server that trains one run at a time, each apart (AE_SHARED_JOBS=1, AE_SHARE_IDENTICAL=0:
    the app before turns and sharing), and one with the defaults (identical settings: one
    shared run). The browsers, the server and the training share the machine's cores."""
    missing = browser_missing()
    if missing:
        return [Row("burst", "skipped: needs " + ", ".join(missing), float("nan"), "")]

    sessions = sessions or (5 if quick else 10)
    results = {}
    for shared in ("1", "32"):  # "1": the app before turns and sharing
        results[shared] = class_on_fresh_server(
            {
                "AE_UMAP_WARMUP": "0",
                "AE_SHARED_JOBS": shared,
                "AE_SHARE_IDENTICAL": "0" if shared == "1" else "1",
            },
            sessions,
            0,
        )
    rows = []
    for share, name in ((0.5, "p50"), (0.95, "p95")):
        fcfs, turns = (
            percentile([w for w in results[k] if not math.isnan(w)] or [float("nan")], share)
            for k in ("1", "32")
        )
        rows.append(
            Row(
                "burst",
                f"{sessions} browsers press Train together: first live update {name}",
                turns,
                "s",
                reference=fcfs,
                ratio=fcfs / turns if turns else None,
                note="reference: one run at a time, each apart; browsers, server and "
                "training share the cores",
            )
        )
    return rows
