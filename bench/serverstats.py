"""What a server's process tree uses, read from outside it: RSS, PSS and CPU time from /proc
(the process and every process below it), and Streamlit's own accounting from the server's stats
endpoint (/_stcore/metrics). The hall benchmark's readings (bench/hall_measure.py)."""

from __future__ import annotations

import os
import re
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


STAT_KINDS = {
    "st_memory_media_file_storage": "media",
    "st_session_state": "session_state",
    "st_cache_data": "cache_data",
}


def streamlit_stats(base: str) -> dict[str, float]:
    """Streamlit's own accounting (GET /_stcore/metrics, the server's stats endpoint): MB held by
    the media file storage, by all sessions' session_state, by st.cache_data; active sessions."""
    try:
        with urllib.request.urlopen(base + "/_stcore/metrics", timeout=60) as response:
            text = response.read().decode()
    except OSError:
        return {}
    stats = dict.fromkeys(("media", "session_state", "cache_data", "active_sessions"), 0.0)
    for line in text.splitlines():
        if line.startswith("cache_memory_bytes{"):
            kind = re.search(r'cache_type="([^"]*)"', line)
            if kind and kind.group(1) in STAT_KINDS:
                stats[STAT_KINDS[kind.group(1)]] += float(line.rsplit(" ", 1)[1]) / 2**20
        elif line.startswith("active_sessions "):
            stats["active_sessions"] = float(line.split()[1])
    return stats
