"""Shared fixtures: the bundled digits, MNIST from the data folder, a temporary runs folder."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

import pytest
import torch

from core.data.idx import find_idx_folder
from core.data.loading import load_dataset
from tests import apptest_frame

ROOT = Path(__file__).resolve().parents[1]  # the checkout (pyproject's pythonpath puts it first)

apptest_frame.install()  # AppTest runs every page through app.py, as a browser does

torch.set_num_threads(min(2, os.cpu_count() or 1))


def wait_for(condition, timeout: float = 60.0, every: float = 0.02):
    """Poll `condition` until it is true (returns its value); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(every)
    return value


def require_browser(*more_missing: str) -> None:
    """Skip a browser test when Playwright or Chromium (or `more_missing`) is missing; fail
    instead under CI=true, so a green CI run always means the browser tests ran."""
    from bench.browser import browser_missing

    missing = browser_missing() + list(more_missing)
    if missing:
        message = "browser test needs " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextlib.contextmanager
def served_app(folder: Path, env: dict[str, str] | None = None):
    """A real app server on a free port and Chromium: (browser, url). Passive OpenMP threads, as
    deploy/ runs the app: spinning ones slow a busy 2-core machine."""
    require_browser()
    from playwright.sync_api import sync_playwright

    from bench.browser import launch, start_server

    process, url = start_server(
        folder, {"AE_UMAP_WARMUP": "0", "OMP_WAIT_POLICY": "passive", **(env or {})}
    )
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            yield browser, url
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a busy machine: a run still being measured
            process.kill()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (bench.browser.launch)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    from bench.browser import launch

    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path_factory, monkeypatch):
    """Never touch the user's cache or runs: every test gets its own."""
    base = tmp_path_factory.mktemp("ae")
    monkeypatch.setenv("AE_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("AE_RUNS_DIR", str(base / "runs"))


@pytest.fixture(scope="session")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="session")
def small_digits(digits):
    """A few hundred digits: enough to see learning, quick on two cores."""
    from core.data.registry import Dataset

    return Dataset(
        "digits-small",
        digits.x_train[:512],
        digits.x_test[:128],
        digits.y_train[:512],
        digits.y_test[:128],
        digits.classes,
        "test subset",
    )


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder holding mnist/ (AE_DATA_DIR, e.g. ../shared/data). Missing data fails in CI
    rather than skipping, so a green CI run always means the MNIST tests ran."""
    env = os.environ.get("AE_DATA_DIR")
    default = ROOT.parent / "shared" / "data"
    root = Path(env) if env else default
    if find_idx_folder("mnist", root) is None:
        message = f"MNIST IDX files not found under {root}/mnist (set AE_DATA_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return root


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    return load_dataset("mnist", data_dir=mnist_dir, download=False)


# Small settings for one-epoch runs the page tests show (a 2-D VAE code for the decoded plane;
# a small deep stack with one RBM epoch); the other variants keep their defaults.
SMALL_SETTINGS = {"vae": {"code_dim": 2}, "deep": {"hidden_sizes": (64, 32), "pretrain_epochs": 1}}


def session_run(variant: str, dataset, timeout: float):
    """A finished one-epoch run of `variant` as a browser session holds it (ui.runs.active.Run,
    id the variant's name, named "<variant>-1"), trained from a fixed seed."""
    from core.jobs.local import LocalJob
    from core.jobs.queue import JobQueue
    from core.jobs.spec import JobSpec
    from core.training.loop import TrainConfig
    from ui.runs.session import Run

    torch.manual_seed(0)
    job = LocalJob(
        JobSpec(variant, SMALL_SETTINGS.get(variant, {}), TrainConfig(epochs=1)),
        dataset,
        queue=JobQueue(1),
    ).start()
    assert job.wait(timeout=timeout).status == "done"
    return Run(
        id=variant,
        name=f"{variant}-1",
        variant=variant,
        dataset=dataset,
        model=job.model,
        train_config={},
        job=job,
    )
