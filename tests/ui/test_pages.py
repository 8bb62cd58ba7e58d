"""Every page renders without an exception, with no run and with a small run of each variant."""

from __future__ import annotations

import pytest

from core.models import MODELS
from tests.apptest_frame import app_at
from tests.conftest import session_run
from ui import pages_table

# every page but Draw and Class, which their own tests cover (tests/ui/test_class_page.py,
# tests/core/science/test_drawing.py)
PAGES = [page.file for page in pages_table.PAGES if page.url_path not in ("draw", "class")]


@pytest.fixture(autouse=True)
def _no_umap_warmup(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_a_run(page, monkeypatch, tmp_path):
    monkeypatch.setenv("AE_ZOO_DIR", str(tmp_path))  # a server without the pretrained zoo
    at = app_at(page)
    assert not at.exception, at.exception
    if page not in ("pages/home.py", "pages/train.py", "pages/lessons.py"):
        assert any("No run yet" in info.value for info in at.info)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_zoo_on_a_first_visit(page):
    at = app_at(page)
    assert not at.exception, at.exception
    assert not any("No run yet" in info.value for info in at.info)
    if page not in ("pages/home.py", "pages/train.py", "pages/compare.py"):
        shown = [c.value for c in at.caption] + [m.value for m in at.markdown]
        assert any("example" in text for text in shown), shown


@pytest.fixture(scope="module")
def trained_runs(small_digits):
    return {name: session_run(name, small_digits, timeout=60) for name in MODELS}


@pytest.mark.parametrize("variant", list(MODELS))
@pytest.mark.parametrize("page", PAGES[1:])
def test_page_renders_with_a_run_of_each_variant(page, variant, trained_runs):
    at = app_at(page, {"runs": dict(trained_runs), "active_run": variant})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_train_button_starts_a_run_and_bad_settings_are_refused():
    at = app_at("pages/train.py")
    train = next(b for b in at.button if b.label == "Train")
    train.click()
    at.run()
    assert not at.exception
    runs = at.session_state["runs"]
    assert len(runs) == 1
    run = next(iter(runs.values()))
    run.job.stop()
    assert run.job.wait(timeout=5).finished


def test_pressing_train_again_with_the_same_settings_adds_nothing():
    """One browser, one training (issue 35, item 4): a second press with the same settings while
    the first run trains is refused with the reason, and the session still holds one run."""
    at = app_at("pages/train.py")
    at.number_input(key="tc.epochs").set_value(200)
    next(b for b in at.button if b.label == "Train").click()
    at.run()
    (run,) = at.session_state["runs"].values()
    next(b for b in at.button if b.label == "Train").click()
    at.run()
    assert not at.exception, at.exception
    assert len(at.session_state["runs"]) == 1
    assert any("already training these settings" in e.value for e in at.error)
    run.job.stop()
    assert run.job.wait(timeout=30).finished


def test_train_page_preset_fills_the_settings_and_fast_restores_them():
    """The deep autoencoder's 'as in the paper' schedule fills the widgets; they stay editable;
    choosing the fast schedule again brings back the page's defaults."""
    at = app_at("pages/train.py", {"train_variant": "deep"})
    preset = at.selectbox(key="preset.deep")
    preset.select("paper").run()
    assert not at.exception, at.exception
    assert at.number_input(key="hp.deep.pretrain_epochs").value == 50
    assert at.number_input(key="hp.deep.rbm_batch_size").value == 100
    assert at.number_input(key="tc.batch_size").value == 1000
    assert at.number_input(key="tc.epochs").value == 200
    assert at.selectbox(key="tc.lr_schedule").value == "cosine"
    at.number_input(key="hp.deep.pretrain_epochs").set_value(7).run()
    assert at.number_input(key="hp.deep.pretrain_epochs").value == 7
    at.selectbox(key="preset.deep").select("fast").run()
    assert at.number_input(key="hp.deep.pretrain_epochs").value == 2
    assert at.number_input(key="tc.epochs").value == 30  # digits: the page's quick default
    assert at.number_input(key="tc.batch_size").value == 256
    assert at.selectbox(key="preset.deep").value == "fast"
    standard = app_at("pages/train.py", {"train_variant": "standard"})
    assert not any(box.key == "preset.standard" for box in standard.selectbox)


@pytest.mark.parametrize("page", ["pages/sparsity.py", "pages/noise.py", "pages/compare.py"])
def test_pages_compare_several_runs(page, trained_runs):
    at = app_at(page, {"runs": dict(trained_runs), "active_run": "sparse"})
    picker = at.multiselect[0]
    picker.set_value(
        ["sparse", "standard", "vae"]
        if page == "pages/compare.py"
        else ["standard", "contractive", "vae"]
    )
    at.run()
    assert not at.exception, at.exception
    if page == "pages/compare.py":
        table = at.dataframe[0].value
        assert list(table["run"]) == ["sparse-1", "standard-1", "vae-1"]
        assert table["probe"].between(0, 1).all()
        # a VAE's active dimensions, a number; a run without a prior has none: a dash
        assert list(table["active"][:2]) == ["—", "—"] and table["active"][2].isdigit()


def test_save_a_run_then_open_it_as_a_saved_run(trained_runs):
    from core.runs.store import list_runs

    at = app_at("pages/train.py", {"runs": {"vae": trained_runs["vae"]}, "active_run": "vae"})
    at.text_input[0].set_value("my ../vae run")
    next(b for b in at.button if b.label == "Save run").click()
    at.run()
    assert not at.exception, at.exception
    assert [r["name"] for r in list_runs()] == ["my-vae-run"]  # sanitised, no path tricks
    assert any(b.label == "Download files" for b in at.get("download_button"))
    fresh = app_at("pages/generate.py", {"active_run": "saved:my-vae-run"})
    assert not fresh.exception, fresh.exception
    assert not fresh.warning  # a VAE: no "no prior" warning


def test_saving_again_under_one_s_own_name_asks_then_replaces(trained_runs):
    """Train's runs table: a second save under a name this browser saved asks first; Replace
    saves over its own run (the question, drawn above the button, goes at the next run)."""
    from core.runs.store import list_runs

    at = app_at(
        "pages/train.py", {"runs": {"sparse": trained_runs["sparse"]}, "active_run": "sparse"}
    )
    at.text_input[0].set_value("mine")
    for _ in range(2):
        next(b for b in at.button if b.label == "Save run").click()
        at.run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning if "mine" in w.value], [w.value for w in at.warning]
    next(b for b in at.button if b.label == "Replace my saved run").click()
    at.run()
    assert not at.exception, at.exception
    assert [toast.value for toast in at.toast] == ["Saved as mine"]
    at.run()
    assert not [w.value for w in at.warning if "mine" in w.value]
    assert [r["name"] for r in list_runs()] == ["mine"]
