"""The hall benchmark's protocol client (bench/hall_client.py) against a real server: the plain
anchor page (bench/hall_anchor/plain.py) settles for two sessions at once, with its images
fetched, and the server's memory and CPU are read from /proc. About 5 s on 2 cores."""

from __future__ import annotations

import asyncio

from bench.browser import start_server, stop_server
from bench.hall_client import close_all, open_many
from bench.hall_measure import ANCHOR
from bench.serverstats import cpu_seconds, memory


def test_two_sessions_settle_on_the_anchor(tmp_path):
    process, url = start_server(tmp_path, script=ANCHOR)
    try:
        sessions, visits = asyncio.run(open_many(url, ["", ""], timeout=60))
        asyncio.run(close_all(sessions))
        used = memory(process.pid)
        cpu = cpu_seconds(process.pid)
    finally:
        stop_server(process)
    assert [v.errors for v in visits] == [[], []]
    assert all(v.seconds is not None and v.seconds > 0 for v in visits)
    assert all(v.media == 2 and v.media_bytes > 0 for v in visits)  # the two image rows
    assert used["rss"] > 50  # MB: a Streamlit server with Plotly loaded
    assert cpu > 0
