"""Shared helpers: the machine's description, timing, result rows and the printed table."""

from __future__ import annotations

import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from core import devices

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Row:
    benchmark: str
    what: str
    value: float
    unit: str
    reference: float | None = None  # the same thing done the usual way, in the same run
    ratio: float | None = None  # how many times better than the reference
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def machine() -> dict:
    """core.devices.machine() plus the versions of the libraries the benchmarks compare and the
    commit measured."""
    info = devices.machine()
    for package in ("streamlit", "umap", "sklearn", "numba"):
        try:
            info[package] = __import__(package).__version__
        except Exception:
            info[package] = None
    try:
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        info["commit"] = None
    return info


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


def table(rows: list[Row]) -> str:
    header = (
        f"{'benchmark':<12} {'what':<46} {'value':>12} {'reference':>12} {'ratio':>7}  "
        f"{'target':<22} met"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        value = f"{r.value:,.3g} {r.unit}".strip()
        ref = "" if r.reference is None else f"{r.reference:,.3g}"
        ratio = "" if r.ratio is None else f"{r.ratio:.1f}x"
        met = "" if r.met is None else ("yes" if r.met else "NO")
        lines.append(
            f"{r.benchmark:<12} {r.what[:46]:<46} {value:>12} {ref:>12} {ratio:>7}  "
            f"{r.target[:22]:<22} {met}"
        )
        if r.note:
            lines.append(f"{'':<12}   {r.note}")
    return "\n".join(lines)
