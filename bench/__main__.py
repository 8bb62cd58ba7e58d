"""python -m bench [--quick] [--only throughput live_map precision quality projection likelihood
admission ui load fairness burst board wake hall] [--markdown FILE]"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import torch

from bench.common import ROOT, machine, table
from core.data.loading import load_dataset
from core.params import parse_assignments

SUITES = (
    "throughput",
    "live_map",
    "precision",
    "quality",
    "projection",
    "likelihood",
    "admission",
    "ui",
    "load",
    "fairness",
    "burst",
    "board",
    "wake",
    "hall",
)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short pass (smaller sizes)")
    parser.add_argument("--only", nargs="+", choices=SUITES, default=list(SUITES))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--markdown", help="also write the table and machine as Markdown here")
    parser.add_argument(
        "--sessions",
        type=int,
        help="load, hall: sessions; burst: students pressing Train (default 30; --quick 10)",
    )
    parser.add_argument(
        "--hall-wait",
        type=float,
        help="hall: seconds after the last tab closed before memory is read again (default "
        "150, or AE_HALL_WAIT; shorter than 150 is said in the output)",
    )
    parser.add_argument(
        "--hall-pages",
        nargs="+",
        metavar="PAGE",
        help="hall: only these url paths (home for the home page), e.g. --hall-pages latent",
    )
    parser.add_argument(
        "--hall-ramp",
        type=float,
        default=0.0,
        help="hall: the sessions arrive evenly over this many seconds (default 0: all at once)",
    )
    parser.add_argument(
        "--hall-probe",
        action="store_true",
        help="hall: look inside each server too (glibc heap, Python objects, sessions kept)",
    )
    parser.add_argument(
        "--hall-static",
        action="store_true",
        help="hall: every session also fetches the document and frontend files a real Chromium "
        "fetched for its page with an empty cache (needs Playwright and Chromium)",
    )
    parser.add_argument("--budget", type=float, help="quality: seconds of training at most")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a TrainConfig field for throughput and quality, e.g. --set batch_size=1024",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    torch.manual_seed(0)
    info = machine()
    print("machine:", json.dumps(info), file=sys.stderr)
    mnist = (
        load_dataset("mnist")
        if {"throughput", "live_map", "precision", "quality", "projection", "likelihood"}
        & set(args.only)
        else None
    )
    rows, extra = [], {}
    for suite in args.only:  # each suite imported when chosen: some need umap, ray, playwright
        started = time.perf_counter()
        print(f"running {suite}...", file=sys.stderr)
        if suite == "throughput":
            from bench import throughput

            rows += throughput.run(mnist, args.quick, parse_assignments(args.set))
        elif suite == "live_map":
            from bench import live_map

            rows += live_map.run(mnist, args.quick)
        elif suite == "precision":
            from bench import precision

            rows += precision.run(mnist, args.quick)
        elif suite == "quality":
            from bench import quality

            quality_rows, extra["quality"] = quality.run(
                mnist, args.quick, args.budget, parse_assignments(args.set)
            )
            rows += quality_rows
        elif suite == "projection":
            from bench import projection

            rows += projection.run(mnist, args.quick)
        elif suite == "likelihood":
            from bench import likelihood

            rows += likelihood.run(mnist, args.quick)
        elif suite == "admission":
            from bench import admission

            rows += admission.run(args.quick)
        elif suite == "ui":
            from bench import ui

            rows += ui.run(args.quick)
        elif suite == "burst":
            from bench import burst, load

            rows += burst.run(args.quick, args.sessions)
            rows += load.browser_burst(args.quick, args.sessions and min(args.sessions, 10))
        elif suite == "board":
            from bench import board

            rows += board.run(args.quick)
        elif suite == "wake":
            from bench import hosting

            rows += hosting.run(args.quick)
        elif suite == "hall":
            from bench import hall

            hall_rows, extra["hall"] = hall.run(
                args.quick,
                args.sessions,
                args.hall_wait,
                args.hall_pages,
                args.hall_ramp,
                args.hall_probe,
                args.hall_static,
            )
            rows += hall_rows
        elif suite == "fairness":
            from bench import load

            rows += load.fairness(args.quick, args.sessions)
        else:
            from bench import load

            rows += load.run(args.quick, args.sessions)
        print(f"  {suite}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    text = table(rows)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": info, "quick": args.quick, "rows": [r.as_dict() for r in rows], **extra}
    out.write_text(
        json.dumps(
            payload,
            indent=1,
            default=lambda v: None if isinstance(v, float) and math.isnan(v) else str(v),
        )
    )
    print(f"wrote {out}", file=sys.stderr)
    if args.markdown:
        Path(args.markdown).write_text(
            f"Machine: {info['cpu']}, {info['cpu_count']} cores, GPU: {info['gpu'] or 'none'}, "
            f"torch {info['torch']}, commit {info['commit']}\n\n```\n{text}\n```\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
