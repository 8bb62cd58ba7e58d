"""Draw page latency: a stroke ends -> every view updated.

Server side, in a plain process (no Streamlit): paint the strokes, check and preprocess them
(MNIST's 20x20 box and centre of mass), rebuild the drawing and its noisy copy with each of the
zoo's eight variants (one forward pass each) with errors, the classifier's reading, the
drawing's point on the PCA map of the active run's test codes with its nearest test digits, and
the VAE's nearby decodes; repeated, median and 95th percentile. End to end, in Chromium: from
the pointer going up to the standard run's rebuild being replaced on the page, and to the
page's last view (the VAE's decodes) being replaced.

The server side runs twice, in fresh processes: with OpenMP's default wait policy (its threads
spin while they wait: a plain `streamlit run app.py`) and with OMP_WAIT_POLICY=passive (what
deploy/ sets); on a busy 2-core machine the difference is tenfold. The browser measurement runs
the app with passive.

python -m bench.draw [--no-browser] [--repeats 20]"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench.browser import browser_missing, goto_page, launch, start_server, wait_idle
from bench.common import Row, percentile, table
from core.data.loading import load_dataset
from core.models import MODELS
from core.science import drawing
from core.science.analysis import encode_all
from core.science.classifier import load_classifier, predict
from core.teaching.zoo import CLASSIFIER, ZOO_DIR, ZOO_NAMES, load_zoo_run

TARGET_MS = 300
# a 7 drawn in two strokes on the 280-unit pad, and the extra stroke the browser adds and undoes
SEVEN = [[(60 + 16 * i, 50) for i in range(11)], [(220 - 8 * i, 50 + 15.8 * i) for i in range(13)]]
BAR = [(95 + 9 * i, 150) for i in range(11)]  # a crossbar: a continental 7


def _zoo() -> tuple[dict[str, torch.nn.Module], torch.nn.Module | None]:
    models = {}
    for name in ZOO_NAMES:
        if name in MODELS and (ZOO_DIR / name).is_dir():
            models[name] = load_zoo_run(name)[0]
    folder = ZOO_DIR / CLASSIFIER
    return models, load_classifier(folder) if folder.is_dir() else None


def server_side(repeats: int = 20) -> tuple[list[Row], dict]:
    """Time the page's work after a stroke, without Streamlit."""
    models, classifier = _zoo()
    x_test = load_dataset("mnist", download=False).x_test
    map_model = models.get("standard")
    codes = encode_all(map_model, x_test)  # cached per run in the app
    mean, axes = drawing.pca_axes(codes[:2000])
    vae = models.get("vae")
    parts: dict[str, list[float]] = {
        k: [] for k in ("preprocess", "rebuilds", "classifier", "map", "vae", "total", "cpu")
    }
    for repeat in range(repeats + 2):  # the first two warm up
        times = {}
        started, cpu_started = time.perf_counter(), time.process_time()
        pixels = drawing.render_strokes(SEVEN)
        assert drawing.check(pixels) is None
        x = drawing.to_mnist(pixels)
        noisy = drawing.noisy_copy(x, "gaussian", 0.3)
        times["preprocess"] = time.perf_counter()
        for model in models.values():
            drawing.rebuild(model, torch.cat([x, noisy]), torch.cat([x, x]))
        times["rebuilds"] = time.perf_counter()
        if classifier is not None:
            predict(classifier, x)
        times["classifier"] = time.perf_counter()
        code = encode_all(map_model, x)
        drawing.project(code, mean, axes)
        drawing.project(codes[drawing.nearest(codes, code, 8)], mean, axes)
        times["map"] = time.perf_counter()
        if vae is not None:
            drawing.nearby_decodes(vae, x)
        times["vae"] = time.perf_counter()
        if repeat >= 2:
            previous = started
            for name, moment in times.items():
                parts[name].append(1000 * (moment - previous))
                previous = moment
            parts["total"].append(1000 * (time.perf_counter() - started))
            parts["cpu"].append(1000 * (time.process_time() - cpu_started))
    total = parts["total"]
    medians = {name: statistics.median(values) for name, values in parts.items()}
    note = (
        f"{len(models)} zoo runs ({', '.join(models)}); classifier "
        f"{'yes' if classifier is not None else 'missing'}; VAE "
        f"{'yes' if vae is not None else 'missing'}; medians (ms): "
        + ", ".join(f"{k} {v:.1f}" for k, v in medians.items() if k not in ("total", "cpu"))
        + f"; CPU time (all threads) {medians['cpu']:.0f} ms; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    median, p95 = statistics.median(total), percentile(total, 0.95)
    policy = os.environ.get("OMP_WAIT_POLICY", "unset")
    rows = [
        Row(
            "draw",
            f"server p50, OMP {policy}: stroke -> {len(models)} runs",
            median,
            "ms",
            target=f"< {TARGET_MS} ms",
            met=median < TARGET_MS,
            note=note,
        ),
        Row(
            "draw",
            f"server p95, OMP {policy}: stroke -> {len(models)} runs",
            p95,
            "ms",
            target=f"< {TARGET_MS} ms",
            met=p95 < TARGET_MS,
        ),
    ]
    return rows, {"models": len(models), "medians": medians}


WATCH_REBUILD = """() => {
  window.__ended = null; window.__rebuilt = null; window.__last = null;
  const rebuilt = () => document.querySelector('img[alt^="Your digit as standard rebuilds"]');
  const decoded = () => document.querySelector('img[alt*="decodes from codes near"]');
  const before = [rebuilt(), decoded()].map((img) => img ? img.src : null);
  document.addEventListener("pointerup", () => { window.__ended = performance.now(); },
                            {capture: true, once: true});
  if (window.__observer) window.__observer.disconnect();
  window.__observer = new MutationObserver(() => {  // an image is new once its src is replaced
    if (window.__ended === null) return;
    const now = performance.now() - window.__ended, [r, d] = [rebuilt(), decoded()];
    if (window.__rebuilt === null && r && r.src !== before[0]) window.__rebuilt = now;
    if (window.__last === null && d && d.src !== before[1]) window.__last = now;
  });
  window.__observer.observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def end_to_end(strokes: int = 10) -> list[Row]:
    """Stroke end -> the standard run's rebuild replaced, and -> page idle, in Chromium."""
    from playwright.sync_api import sync_playwright  # the browser rows only: an optional install

    process, url = start_server(
        Path(tempfile.mkdtemp(prefix="bench-draw-")),
        {"AE_UMAP_WARMUP": "0", "OMP_WAIT_POLICY": "passive"},
    )
    rebuilt, last, cpu = [], [], []
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 2300})
            page.goto(url)
            page.wait_for_selector("text=Autoencoder explorer", timeout=120_000)
            wait_idle(page, timeout=120_000)
            goto_page(page, "Draw a digit")
            page.wait_for_selector("canvas.pad", timeout=60_000)
            box = page.locator("canvas.pad").bounding_box()

            def draw(stroke) -> None:
                scale = box["width"] / drawing.CANVAS
                points = [(box["x"] + px * scale, box["y"] + py * scale) for px, py in stroke]
                page.mouse.move(*points[0])
                page.mouse.down()
                for point in points[1:]:
                    page.mouse.move(*point, steps=2)
                page.mouse.up()

            for stroke in SEVEN:  # the first drawing pays the cold costs (models, test codes)
                draw(stroke)
                wait_idle(page, timeout=120_000)
            for index in range(strokes + 1):
                page.evaluate(WATCH_REBUILD)
                cpu_before = _cpu_seconds(process.pid)
                draw(BAR)
                page.wait_for_function(
                    "() => window.__rebuilt !== null && window.__last !== null", timeout=60_000
                )
                wait_idle(page, timeout=60_000)
                if index:  # the first one warms the browser's caches
                    rebuilt.append(page.evaluate("window.__rebuilt"))
                    last.append(page.evaluate("window.__last"))
                    cpu.append(1000 * (_cpu_seconds(process.pid) - cpu_before))
                page.get_by_role("button", name="Undo").click()
                wait_idle(page, timeout=60_000)
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    median = statistics.median(rebuilt)
    return [
        Row(
            "draw",
            "browser p50: stroke end -> rebuilds shown",
            median,
            "ms",
            target=f"< {TARGET_MS} ms",
            met=median < TARGET_MS,
            note=f"p95 {percentile(rebuilt, 0.95):.0f} ms over {len(rebuilt)} strokes; "
            f"last view (VAE decodes) shown: median {statistics.median(last):.0f} ms; "
            f"server CPU per stroke (all threads, contention-free measure): median "
            f"{statistics.median(cpu):.0f} ms; load average {os.getloadavg()[0]:.1f}",
        )
    ]


POLICIES = {"default": None, "passive": "passive"}  # OMP_WAIT_POLICY for the torch process


def _server_side_with(policy: str | None, repeats: int) -> list[Row]:
    """server_side() in a fresh process whose OpenMP threads spin (default) or sleep (passive)
    while they wait: the policy must be set before torch loads, so it cannot change in here."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    done = subprocess.run(
        [sys.executable, "-m", "bench.draw", "--server-json", "--repeats", str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )
    return [Row(**row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def run(quick: bool = False, browser: bool = True, repeats: int | None = None) -> list[Row]:
    """Server side with both OpenMP wait policies, then (passive, as deploy/ sets it) the
    browser."""
    repeats = repeats or (5 if quick else 20)
    rows = [row for policy in POLICIES.values() for row in _server_side_with(policy, repeats)]
    if browser:
        missing = browser_missing()
        if missing:
            print("draw: skipping the browser row: needs " + ", ".join(missing), file=sys.stderr)
        else:
            rows += end_to_end(4 if quick else 10)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.draw", description=__doc__)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--server-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.server_json:  # one process's server-side rows, for run()
        print(json.dumps([row.as_dict() for row in server_side(args.repeats)[0]]))
        return 0
    print(table(run(browser=not args.no_browser, repeats=args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
