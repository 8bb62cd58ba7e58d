"""The server's start: what a first visit would otherwise wait for, done before the server
answers its first request (a request that arrives meanwhile waits for it).

`streamlit run app.py` finds app.py's `st.App` and serves it through Starlette; `lifespan`
runs once, at the server's start, before the first request is answered. Without it the first
visitor of the day (a teacher's first click, a share link opened on a cold server) paid torch's
import (about 2 s on 2 cores), the pages' own imports, reading MNIST and the zoo's examples in
their first script run. Anything that fails here is logged and left to the first script run,
which does the same work and reports it to the user in words. AE_PREPARE=0 skips it (the
benchmark's reference; a server short of memory)."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from streamlit.logger import get_logger

from core.memory import return_freed_memory
from core.settings import env_flag
from ui.pages_table import PAGES, examples

ROOT = Path(__file__).resolve().parents[2]  # the repository: where the pages' files are
log = get_logger(__name__)  # Streamlit's: --logger.level applies

# what the frame imports beside the pages' own imports (a page script itself runs only in a
# visitor's session; page_modules() reads what it imports)
FRAME_MODULES = (
    "torch",
    "core.science.analysis",
    "core.devices",
    "core.jobs",
    "core.science.projection",
    "ui.runs.page_run",
    "ui.runs.datasets",
    "ui.runs.library",
    "ui.frame.links",
    "ui.frame.sidebar",
    "ui.style",
)
# the zoo's runs the pages open on (ui/pages_table.py; ui.runs.page_run.require_run); the first
# one's per-image errors too (Reconstructions')
FIRST_EXAMPLES = examples()


def page_modules() -> list[str]:
    """The modules the pages import, read from their scripts (ui/pages_table.py's files), so
    a page's new import is prepared without a list to keep up to date."""
    found: list[str] = []
    for page in PAGES:
        tree = ast.parse((ROOT / page.file).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found += [f"{node.module}.{alias.name}" for alias in node.names]
    return list(dict.fromkeys(found))


def _import(name: str) -> None:
    """Import a module, or for `package.name` that is no module (`from ui import keys` names a
    module, `from ui.i18n import t` a function), its package."""
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name or "." not in name:
            raise
        importlib.import_module(name.rpartition(".")[0])


def prepare() -> float:
    """Import the engine and the pages' modules, load the default dataset and the examples
    into the server's caches with their pages' first analyses; returns the seconds it took."""
    started = time.perf_counter()
    for module in [*FRAME_MODULES, *page_modules()]:  # torch first: the one large import
        _import(module)  # (about 2 s on 2 cores)
    # imported after torch, timed with the rest of the preparation (this module is imported
    # by app.py before the server answers, so it stays light itself)
    from core import devices
    from ui.runs import datasets, page_run

    datasets.shared_dataset(datasets.default_dataset())
    for name in FIRST_EXAMPLES:  # loaded, with their codes; the Reconstructions one's errors
        page_run.prepare_example(name, errors=name == FIRST_EXAMPLES[0])
    _compile_emoji_pattern()
    devices.warm_up()  # torch's optimizer machinery (torch._dynamo, 1.5 s): the first Train
    return time.perf_counter() - started


def _compile_emoji_pattern() -> None:
    """Streamlit compiles its emoji pattern at the first label it checks for a leading icon
    that is not plain ASCII (the sidebar's language switch: 0.5-0.8 s of a first visit on 2
    cores); compile it here."""
    try:
        from streamlit import string_util

        string_util.extract_leading_emoji("Português")
    except (ImportError, AttributeError):  # an internal of Streamlit's: only a warm-up
        pass


def _prepare_logged() -> None:
    if not env_flag("AE_PREPARE", True):  # the benchmark's reference: a bare start
        return
    try:
        log.info("ready for the first visit in %.1f s (engine, dataset, examples)", prepare())
    except Exception:  # the first script run does the same and says what went wrong
        log.exception("preparing the server for its first visit failed")


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """st.App's lifespan: prepare (in a thread: the event loop stays free), then serve. Freed
    memory goes back to the machine from the start (core.memory: before the engine and the
    pages allocate)."""
    return_freed_memory()
    await asyncio.to_thread(_prepare_logged)
    yield
