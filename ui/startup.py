"""The server's start: what a first visit would otherwise wait for, done before the server
accepts its first connection.

`streamlit run app.py` finds app.py's `st.App` and serves it through Starlette; `lifespan`
runs once, at the server's start, before the first request is answered. Without it the first
visitor of the day (a teacher's first click, a share link opened on a cold server) paid torch's
import (about 2 s on 2 cores), the pages' own imports, reading MNIST and the zoo's examples in
their first script run. Anything that fails here is logged and left to the first script run,
which does the same work and reports it to the user in words. AE_PREPARE=0 skips it (the
benchmark's reference; a server short of memory)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from streamlit.logger import get_logger

log = get_logger(__name__)  # Streamlit's: --logger.level applies

# what the frame and the pages import (a page script itself runs only in a visitor's session)
PAGE_MODULES = ("torch", "core.analysis", "core.devices", "core.jobs", "core.projection",
                "ui.board", "ui.class_views", "ui.common", "ui.datasets", "ui.diagrams",
                "ui.draw_views", "ui.figures", "ui.images", "ui.lesson_views", "ui.library",
                "ui.links", "ui.reader", "ui.sidebar", "ui.style")
# the zoo runs the pages open on (ui.common.require_run's examples, the Generate page's plane)
FIRST_EXAMPLES = ("standard", "sparse", "denoising", "deep-2d", "vae")


def prepare() -> float:
    """Import the engine and the pages' modules, load the default dataset and the examples
    into the server's caches; returns the seconds it took."""
    started = time.perf_counter()
    for module in PAGE_MODULES:  # torch first: the one large import (about 2 s on 2 cores)
        importlib.import_module(module)
    from ui import datasets, library

    datasets.shared_dataset(datasets.default_dataset())
    library.preload_examples(FIRST_EXAMPLES)
    _first_calls(library)
    from core import devices

    devices.warm_up()  # torch's optimizer machinery (torch._dynamo, 1.5 s): the first Train
    return time.perf_counter() - started


def _first_calls(library: Any) -> None:
    """One-time costs of a process's first calls, paid here rather than in a visitor's first
    script run: torch's first forward pass (its thread pool and kernels: 0.3 s of the first
    page's 0.5 s of analysis) and Streamlit's emoji pattern (compiled at the first label
    checked for a leading icon: the sidebar's language switch, 0.8 s on 2 cores)."""
    import torch

    from core.analysis import reconstruct_all

    example = library.example_model(FIRST_EXAMPLES[0])
    if example is not None:
        reconstruct_all(example, torch.zeros(512, 1, 28, 28))
    try:
        from streamlit import string_util

        string_util.extract_leading_emoji("Português")  # not ASCII: the pattern is needed
    except (ImportError, AttributeError):  # an internal of Streamlit's: only a warm-up
        pass


def _prepare_logged() -> None:
    if os.environ.get("AE_PREPARE", "1") == "0":  # the benchmark's reference: a bare start
        return
    try:
        log.info("ready for the first visit in %.1f s (engine, dataset, examples)", prepare())
    except Exception:  # the first script run does the same and says what went wrong
        log.exception("preparing the server for its first visit failed")


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """st.App's lifespan: prepare (in a thread: the event loop stays free), then serve."""
    await asyncio.to_thread(_prepare_logged)
    yield
