"""A hosted server's wake-up (docs/hosting.md): from the process's start, as a Hugging Face
Space's container starts it, to its health check answering and to the home page's first full
render in Chromium. `python -m bench --only wake`.

As the container: the Space folder `deploy/space/make-space.sh` assembles (the app's files the
image copies, compiled as the image's build does), its entrypoint, the image's environment
(deploy/space/Dockerfile's ENV, read here) with a Space's variables (SPACE_HOST, SPACE_ID), a
fresh HOME, no persistent storage (the runs folder the entrypoint then picks, in HOME) and no
data folder (MNIST from assets/). What a real wake adds that this does not measure: the
container's own start, files read from a cold image rather than this machine's page cache, and
the Space's proxy. Marks, taken in the page (performance.now() plus when the page was
requested): the app drawn (its navigation and the page's heading), the first image, and the
full render (the eight variants' diagrams loaded and the last card's button drawn). Each round a
fresh server, HOME and browser context (a visitor's cold cache). Also the server's resident
memory after that first render (its process tree), for hosts that cap memory.

Shared with tests/test_hosting.py: the Dockerfile read as instructions, the image's ENV and
the environment of a Space's process."""

from __future__ import annotations

import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.browser import ROOT, browser_missing, launch, start_server
from bench.common import Row

SPACE = ROOT / "deploy" / "space"
ENTRYPOINT = ("sh", "deploy/space/entrypoint.sh")

WAKE_PROBE = """
window.__marks = {};
const images = () => [...document.querySelectorAll(
  '[data-testid="stMain"] [data-testid="stImage"] img')].filter(i => i.complete && i.naturalWidth);
const check = () => {
  const mark = (name, ok) => { if (!(name in window.__marks) && ok()) {
    window.__marks[name] = performance.now(); } };
  mark("app", () => document.querySelector('.st-key-app-nav a')
                    && document.querySelector('[data-testid="stMain"] h1'));
  mark("image", () => images().length > 0);
  mark("full", () => images().length >= 8 && document.querySelector('.st-key-home-train-vae'));
};
new MutationObserver(check).observe(document, {subtree: true, childList: true});
document.addEventListener("load", check, true);  // an image finished loading
"""


def dockerfile(path: Path = SPACE / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continued lines joined."""
    instructions, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            instructions.append((word.upper(), " ".join(rest.split())))
            pending = ""
    return instructions


def image_env(path: Path = SPACE / "Dockerfile") -> dict[str, str]:
    """Every ENV of the image, in order (a later one wins), $PATH left as written."""
    env: dict[str, str] = {}
    for word, args in dockerfile(path):
        if word == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
    return env


def space_environment(home: Path, no_data: Path) -> dict[str, str]:
    """What the container's process sees, for start_server: the image's ENV (but this machine's
    PATH, and `home` as HOME), a Space's variables, no persistent storage (`no_data` stands for
    /data), and none of this machine's data, runs or cache folders ('' is unset: the entrypoint
    picks them; MNIST comes from assets/, as in the image)."""
    home.mkdir(parents=True, exist_ok=True)
    env = image_env()
    del env["PATH"]
    return {
        **env,
        "HOME": str(home),
        "NUMBA_CACHE_DIR": str(home / ".cache" / "numba"),
        "SPACE_HOST": "example-ae.hf.space",
        "SPACE_ID": "someone/ae",
        "AE_PERSISTENT_DIR": str(no_data),
        "AE_RUNS_DIR": "",
        "AE_CACHE_DIR": "",
        "AE_DATA_DIR": "",
    }


def make_space(dest: Path) -> subprocess.CompletedProcess:
    """deploy/space/make-space.sh DEST."""
    return subprocess.run(
        ["sh", str(SPACE / "make-space.sh"), str(dest)], capture_output=True, text=True, timeout=120
    )


def compile_as_the_image_does(folder: Path) -> None:
    """The Dockerfile's `python -m compileall ...` step, run in `folder` (the image's app files
    are compiled at build time: its user cannot write __pycache__)."""
    (step,) = [args for word, args in dockerfile() if word == "RUN" and "compileall" in args]
    command = shlex.split(step)
    assert command[0] == "python", step
    subprocess.run([sys.executable, *command[1:]], cwd=folder, check=True, timeout=300)


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants now (VmRSS), in MB."""
    pids, total = [pid], 0.0
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        rss = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")]
        total += sum(rss)  # none for a process that is exiting
        pids += [int(child) for child in children]
    return total / 1024


def wake(browser, rounds: int = 3) -> list[dict]:
    """Each round: a fresh server from the Space folder, timed from the process's start."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        space = Path(folder) / "space"
        made = make_space(space)
        assert made.returncode == 0, made.stderr
        compile_as_the_image_does(space)
        for index in range(rounds):
            base = Path(folder) / f"round-{index}"
            env = space_environment(base / "home", base / "no-data")
            started = time.perf_counter()
            process, url = start_server(base, env, timeout=180, cwd=space, launcher=ENTRYPOINT)
            health = time.perf_counter() - started
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_init_script(WAKE_PROBE)
                page = context.new_page()
                requested = time.perf_counter() - started
                page.goto(url, wait_until="commit")
                page.wait_for_function("() => window.__marks.full !== undefined", timeout=180_000)
                marks = page.evaluate("window.__marks")
                memory = _tree_rss_mb(process.pid)
                context.close()
            finally:
                process.terminate()
                process.wait(timeout=30)
            results.append(
                {
                    "health": health,
                    **{name: requested + ms / 1000 for name, ms in marks.items()},
                    "memory_mb": memory,
                }
            )
    return results


def run(quick: bool) -> list[Row]:
    missing = browser_missing()
    if missing:
        return [Row("wake", "skipped: needs " + ", ".join(missing), float("nan"), "")]
    from playwright.sync_api import sync_playwright

    rounds = 1 if quick else 3
    with sync_playwright() as playwright:
        browser = launch(playwright)
        results = wake(browser, rounds)
        browser.close()
    note = f"median of {rounds}; from the process's start, as a Space's container starts it"
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    spread = {key: (min(r[key] for r in results), max(r[key] for r in results)) for key in median}
    rows = [
        Row(
            "wake",
            what,
            median[key],
            "s",
            note=f"{note}; {spread[key][0]:.1f}-{spread[key][1]:.1f}",
        )
        for key, what in (
            ("health", "process start -> /_stcore/health answers"),
            ("app", "process start -> Home drawn (navigation, heading)"),
            ("image", "process start -> Home's first image"),
            ("full", "process start -> Home fully rendered (8 diagrams, last card)"),
        )
    ]
    rows.append(
        Row("wake", "server memory after the first render", median["memory_mb"], "MB", note=note)
    )
    print("wake rounds:", json.dumps(results), file=sys.stderr)
    return rows
