"""What is the same for everyone is computed once per server (issue 35, item 1): an analysis of
an example or a saved run on a registered dataset is shared by every session that asks; a
session's own run, an upload's data and a figure the session changes stay its own."""

from __future__ import annotations

import threading
import time

import torch

from core.data.registry import Dataset
from core.science import projection
from tests.apptest_frame import app_at
from tests.fakes import FakeJob, untrained_run
from ui.i18n import speaking
from ui.runs import session, shared_analyses


def _run(folder, dataset) -> session.Run:
    return untrained_run(
        "standard", dataset, "zoo:standard", hyperparameters={"code_dim": 4}, saved_path=folder
    )


def _dataset(name: str) -> Dataset:
    return Dataset(name, torch.rand(8, 1, 28, 28), torch.rand(4, 1, 28, 28), None, None)


def test_two_sessions_on_one_example_share_one_value(tmp_path):
    mnist = _dataset("mnist")
    first, second = _run(tmp_path, mnist), _run(tmp_path, mnist)  # two sessions' Run objects
    value = first.cached(("test", id(tmp_path)), lambda: object())
    assert second.cached(("test", id(tmp_path)), lambda: object()) is value
    assert second.cached(("test", id(tmp_path)), lambda: object(), mine=True) is not value


def test_a_sessions_own_data_and_a_resaved_run_are_not_shared(tmp_path):
    upload = _dataset("upload:mine")
    first, second = _run(tmp_path, upload), _run(tmp_path, upload)
    assert first.cached("x", lambda: object()) is not second.cached("x", lambda: object())
    mnist = _dataset("mnist")
    before = _run(tmp_path, mnist).cached("y", lambda: "old")
    time.sleep(0.01)
    (tmp_path / "touched").write_text("a run saved again under this name")
    assert before == "old" and _run(tmp_path, mnist).cached("y", lambda: "new") == "new"


def test_sessions_asking_at_once_compute_once(tmp_path):
    calls, values = [], []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return object()

    key = ("at once", str(tmp_path))
    threads = [
        threading.Thread(target=lambda: values.append(shared_analyses.memo(key, slow)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len({id(v) for v in values}) == 1


def test_two_sessions_on_the_latent_page_compute_its_pixel_map_at_most_once(monkeypatch):
    calls = []
    real = projection.pca_2d
    monkeypatch.setattr(projection, "pca_2d", lambda x: calls.append(x.shape[1]) or real(x))
    for _ in range(2):
        at = app_at("pages/latent.py")
        assert not at.exception, at.exception
    pixels = [width for width in calls if width == 28 * 28]  # the map of the images themselves
    assert len(pixels) <= 1  # once by the first session (none: an earlier test computed it)


def test_two_sessions_on_a_lesson_of_the_zoo_measure_its_verdict_at_most_once(monkeypatch):
    from core.teaching import lessons
    from ui.teaching import lesson_runs

    calls = []
    real = lessons.verdict
    monkeypatch.setattr(lesson_runs, "verdict", lambda *a: calls.append(a[0]) or real(*a))
    for _ in range(2):
        at = app_at("pages/lessons.py")
        assert not at.exception, at.exception
    assert len(calls) <= 1  # the zoo's runs are everyone's: once by the first session


def test_a_chart_of_read_only_runs_is_built_once_per_language_and_a_sessions_own_each_time(
    tmp_path,
):
    mnist = _dataset("mnist")
    first, second = _run(tmp_path, mnist), _run(tmp_path, mnist)  # two sessions, one example
    chart = session.together([first], ("chart", str(tmp_path)), lambda: object())
    assert session.together([second], ("chart", str(tmp_path)), lambda: object()) is chart
    assert second.figure(("f", str(tmp_path)), lambda: "map") == "map"
    assert first.figure(("f", str(tmp_path)), lambda: "other") == "map"
    both = session.figure_of([first, second], ("g", str(tmp_path)), lambda: "chart")
    assert session.figure_of([second, first], ("g", str(tmp_path)), lambda: "?") == both
    with speaking("pt"):  # another language: its own chart (titles, names, decimal comma)
        assert session.figure_of([first, second], ("g", str(tmp_path)), lambda: "pt") == "pt"
    own = _run(tmp_path, mnist)
    own.job = FakeJob()  # a session's own training: its charts are its own, never shared
    own.job.finish(mnist)
    assert session.together([first, own], "chart", lambda: 1) == 1
    assert session.together([first, own], "chart", lambda: 2) == 2


def test_two_sessions_on_sparsity_build_its_charts_once(monkeypatch):
    from ui.kit import figures

    app_at("pages/sparsity.py")  # the first session builds them (or an earlier test did)
    calls = []
    real = figures.histograms
    monkeypatch.setattr(figures, "histograms", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = app_at("pages/sparsity.py")
    assert not at.exception, at.exception
    assert not calls  # the second session draws the first one's charts
