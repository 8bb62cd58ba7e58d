"""What a server's process tree uses, read from outside it: RSS, PSS and CPU time from /proc
(the process and every process below it), Streamlit's own accounting from the server's stats
endpoint (/_stcore/metrics) and, where asked for, a probe inside the server
(bench/hall_probe/sitecustomize.py). The hall benchmark's readings (bench/hall_measure.py)."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from pathlib import Path

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


# cache_type -> (key, scale): media files and st.cache_data in MB; session_state as Streamlit
# counts it by default, its keys (server.enableExpensiveMemoryStats would size it with pympler,
# which raised "invalid option: reset(base=-15872)" on the Latent space page's state: every
# /_stcore/metrics then answered 500)
STAT_KINDS = {
    "st_memory_media_file_storage": ("media_mb", 2**-20),
    "st_cache_data": ("cache_data_mb", 2**-20),
    "st_session_state": ("session_state_keys", 1),
}


def streamlit_stats(base: str) -> dict[str, float]:
    """Streamlit's own accounting (GET /_stcore/metrics, the server's stats endpoint): MB held by
    the media file storage and by st.cache_data, the active sessions' session_state keys, the
    active sessions."""
    try:
        with urllib.request.urlopen(base + "/_stcore/metrics", timeout=60) as response:
            text = response.read().decode()
    except OSError:
        return {}
    stats = dict.fromkeys([key for key, _ in STAT_KINDS.values()] + ["active_sessions"], 0.0)
    for line in text.splitlines():
        if line.startswith("cache_memory_bytes{"):
            kind = re.search(r'cache_type="([^"]*)"', line)
            if kind and kind.group(1) in STAT_KINDS:
                key, scale = STAT_KINDS[kind.group(1)]
                stats[key] += float(line.rsplit(" ", 1)[1]) * scale
        elif line.startswith("active_sessions "):
            stats["active_sessions"] = float(line.split()[1])
    return stats


PROBE = Path(__file__).resolve().parent / "hall_probe"  # its sitecustomize.py


def probe_env(folder: Path) -> dict[str, str]:
    """A server's environment additions for `probe` (bench/hall_probe/sitecustomize.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join(p for p in (str(PROBE), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "AE_HALL_PROBE": str(folder)}


def probe(folder: Path, number: int, collect: bool = False, timeout: float = 60.0) -> dict:
    """Ask the server started with probe_env(folder) what its heap holds (after a full garbage
    collection where `collect`); {} if no answer."""
    (folder / "request").write_text(f"{number} gc" if collect else str(number))
    reply = folder / f"reply-{number}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reply.exists():
            return json.loads(reply.read_text())
        time.sleep(0.1)
    return {}
