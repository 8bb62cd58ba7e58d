"""Runs side by side on Compare, charts and image rows for slides, and the take-home downloads
on Train: what a page shows (through AppTest) and what the helpers compute."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.training.loop import TrainConfig
from tests.apptest_frame import app_at
from tests.conftest import ROOT, session_run
from ui.kit import figures, images


@pytest.fixture(autouse=True)
def _no_umap_warmup(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


@pytest.fixture(scope="module")
def two_runs(small_digits):
    """Two finished session runs that differ in variant and seed."""
    sparse = session_run("sparse", small_digits, timeout=60)
    standard = session_run("standard", small_digits, timeout=60)
    sparse.train_config = {**TrainConfig(epochs=1).__dict__, "seed": 7}
    standard.train_config = TrainConfig(epochs=1).__dict__
    return {"sparse": sparse, "standard": standard}


def chart_configs(at) -> list[dict]:
    return [json.loads(chart.proto.config) for chart in at.get("plotly_chart")]


def test_compare_overlays_curves_rows_and_what_differs(two_runs):
    at = app_at("pages/compare.py", {"runs": dict(two_runs), "active_run": "sparse"})
    at.multiselect[0].set_value(["sparse", "standard"]).run()
    assert not at.exception, at.exception
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "Training loss" in titles and "Validation error per epoch" in titles
    table = at.dataframe[1].value  # the first is the metrics table
    assert list(table["run"]) == [two_runs["sparse"].label, two_runs["standard"].label]
    assert {"variant", "seed", "l1_weight", "code_dim"} <= set(table.columns)
    assert "epochs" not in table.columns  # the same in both: not a difference
    retrain = {
        p.proto.label: p.proto for p in at.get("page_link") if p.proto.label.startswith("Retrain")
    }
    assert set(retrain) == {"Retrain sparse-1", "Retrain standard-1"}
    link = retrain["Retrain sparse-1"]
    query = {key: values[0] for key, values in parse_qs(link.query_string).items()}
    assert link.page == "train" and query["variant"] == "sparse" and query["tc.seed"] == "7"
    downloads = [b.proto.label for b in at.get("download_button")]
    assert "PNG for slides" in downloads


def test_a_retrain_link_restores_the_runs_settings_and_seed(two_runs):
    from ui.takehome import overlay

    query = overlay.retrain_query(two_runs["sparse"])
    trained = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        trained.query_params[key] = value
    trained.session_state["dataset_name"] = "digits"
    trained.switch_page("pages/train.py").run()
    assert not trained.exception, trained.exception
    assert trained.selectbox(key="train_variant").value == "sparse"
    assert trained.number_input(key="tc.seed").value == 7
    assert trained.number_input(key="tc.epochs").value == 1
    assert overlay.settings_of(two_runs["sparse"])["seed"] == 7


@pytest.mark.parametrize("chosen", ["png", "svg"])
def test_every_chart_downloads_at_projector_size(two_runs, chosen):
    at = app_at(
        "pages/compare.py",
        {"runs": dict(two_runs), "active_run": "sparse", "figure_format": chosen},
    )
    at.multiselect[0].set_value(["sparse", "standard"]).run()
    configs = chart_configs(at)
    assert len(configs) >= 5
    for config in configs:
        options = config["toImageButtonOptions"]
        assert options["format"] == chosen
        assert options["width"] * options["scale"] >= 1920
        assert options["filename"].startswith("compare-")
        assert options["filename"].endswith(figures.file_stem())  # today's date


def test_file_stem_names_page_chart_run_and_date():
    stem = figures.file_stem("noise", "gaussian", "my run/1")
    assert stem.startswith("noise-gaussian-my-run-1-") and "/" not in stem


def test_a_row_for_slides_is_at_least_1920_pixels_wide(two_runs):
    row = two_runs["sparse"].dataset.x_test[:10]
    picture = Image.open(io.BytesIO(images.slide_png(row, 10)))
    assert picture.width >= 1920 and picture.height >= 28 * 6
    tall = Image.open(io.BytesIO(images.slide_png(two_runs["sparse"].dataset.x_test[:20], 10)))
    assert tall.width == picture.width and tall.height > 2 * 28 * 6  # two rows of ten


@pytest.mark.parametrize("language", ["en", "pt"])
def test_train_offers_script_notebook_report_and_row(two_runs, language, monkeypatch):
    from ui import i18n

    # AppTest reads widgets' labels after the run, outside any session, where t() falls back
    # to the browser's language: make that the language under test (as tests/ui/test_i18n.py does)
    monkeypatch.setattr(i18n, "browser_language", lambda: language)
    at = app_at(
        "pages/train.py", {"runs": dict(two_runs), "active_run": "sparse", "lang": language}
    )
    assert not at.exception, at.exception
    labels = {b.proto.label for b in at.get("download_button")}
    expected = (
        {"Training script (.py)", "Jupyter notebook (.ipynb)", "Report (.html)", "PNG for slides"}
        if language == "en"
        else {
            "Script de treinamento (.py)",
            "Notebook Jupyter (.ipynb)",
            "Relatório (.html)",
            "PNG para slides",
        }
    )
    assert expected <= labels
    assert at.number_input(key="tc.seed").value == 0  # the seed is a training setting now


def test_a_link_carries_booleans_and_layer_sizes():
    """A share link's settings are read back as core reads --set values: true/false and
    [sizes] (before, "True" and "1000,500,250" were refused as not numbers)."""
    from ui.frame import links

    query = links.for_run(
        "deep", {"hidden_sizes": (64, 32), "pretrain": False}, {"epochs": 2, "seed": 3}, "digits"
    )
    assert query["hp.hidden_sizes"] == "[64,32]" and query["hp.pretrain"] == "false"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]  # no value dropped
    assert at.text_input(key="hp.deep.hidden_sizes").value == "64, 32"
    assert at.toggle(key="hp.deep.pretrain").value is False
    assert at.number_input(key="tc.seed").value == 3
