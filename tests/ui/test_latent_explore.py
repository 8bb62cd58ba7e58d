"""The hands-on latent parts (issue 37): asking a digit, arithmetic with codes on the Latent space
page, the walk between two drawings on the Draw page; both languages, through AppTest. A map
selection cannot be made in AppTest: the event's reading is tested on fake events."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from tests.fakes import SEVEN, ZERO, untrained_run
from tests.ui.draw_pad import draw_page, images_shown, speak_the_tested_language, texts
from tests.ui.screen_text import render
from ui.i18n import translate
from ui.latent import picking
from ui.runs import ids


@pytest.fixture(autouse=True)
def _no_umap_warmup(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


@pytest.fixture(autouse=True)
def _browser_language(request, monkeypatch):
    speak_the_tested_language(request, monkeypatch)


class Selection(dict):
    """A Plotly selection as Streamlit returns it: keys and attributes."""

    __getattr__ = dict.__getitem__


def plotly_event(points: list[dict], box: list[dict] | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        selection=Selection(points=points, point_indices=[], box=box or [], lasso=[])
    )


def test_a_selection_gives_global_row_ids_and_an_empty_box_a_place():
    clicked = plotly_event([{"curve_number": 3, "point_index": 0, "customdata": 41}])
    assert picking.picked_ids(clicked) == [41]  # the row id, not the per-trace index
    assert picking.empty_box_centre(clicked) is None
    box = [{"x": [1.0, 3.0], "y": [-2.0, 0.0]}]
    assert picking.empty_box_centre(plotly_event([], box)) == (2.0, -1.0)
    assert picking.empty_box_centre(plotly_event([{"customdata": 2}], box)) is None
    assert picking.picked_ids(None) == [] and picking.empty_box_centre(None) is None


def shown_texts(at: AppTest) -> list[str]:
    return [
        e.value
        for kind in (at.caption, at.markdown, at.subheader, at.info)
        for e in kind
        if isinstance(e.value, str)
    ]


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_the_latent_page_answers_a_digit_and_does_arithmetic(lang):
    at = render("pages/latent.py", lang, {"latent.ask.index": 3})
    assert not at.exception, at.exception
    assert not at.error and not at.warning, [w.value for w in at.warning]
    shown = shown_texts(at)
    for key in ("ask_title", "arith_title", "near_code", "near_pixel", "along_title"):
        assert translate(lang, f"latent.{key}") in shown, key
    alts = [alt for _, alt in images_shown(at)]
    start = translate(lang, "latent.near_code_alt", count=8, labels="")
    assert any(alt.startswith(start.rstrip()) for alt in alts), alts
    assert any(caption.startswith(translate(lang, "latent.ask_pair", index=3, label="")[:9])
               for caption, _ in images_shown(at))  # fmt: skip
    # the off-the-data numbers are computed and shown under the row and the analogy
    head = translate(lang, "latent.off_data", values="", usual="", outside="", count="")[:25]
    assert sum(text.startswith(head) for text in shown) == 2
    assert any(text.startswith(translate(lang, "latent.why_no_prior", usual="")[:20])
               for text in shown)  # fmt: skip


def test_a_kept_selection_becomes_a_group_and_the_drawing_can_be_moved():
    at = render(
        "pages/latent.py",
        "en",
        {"latent.saved_b": list(range(20, 60)), "latent.group_b": -1, "draw.strokes": SEVEN},
    )
    assert not at.exception, at.exception
    shown = shown_texts(at)
    assert translate("en", "latent.group_size", count=40) in shown
    apply_to = at.segmented_control(key="latent.apply_to")
    assert apply_to.options == ["test digit 0", "my drawing"]
    apply_to.set_value("drawing").run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_the_draw_page_walks_between_a_kept_drawing_and_this_one(lang):
    at = draw_page(SEVEN, lang)
    assert not at.exception, at.exception
    assert translate(lang, "draw.walk_section") in texts(at)
    at.button(key="draw.walk.keep").click().run()  # keep the seven
    assert [i.value for i in at.info] == [translate(lang, "draw.walk_same")]
    at.session_state["draw.pad"] = {"strokes": [[list(p) for p in s] for s in ZERO]}
    at.run()
    assert not at.exception, at.exception
    assert not at.info and not at.warning
    paths = at.segmented_control(key="draw.walk.path.1")  # the map's run: no prior, a line
    assert paths.value == "linear"
    alts = [alt for _, alt in images_shown(at)]
    assert sum(alt.startswith(translate(lang, "draw.walk_alt", count=8, path="", name="")[:10])
               for alt in alts) == 1  # fmt: skip
    assert at.get("plotly_chart"), "the walk's map"
    at.segmented_control(key="draw.walk.run").set_value(ids.zoo("vae")).run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="draw.walk.path.2").value == "spherical"  # the VAE's
    assert translate(lang, "draw.walk_spherical") in " ".join(c for c, _ in images_shown(at))


def test_without_labels_groups_come_from_the_map_only(small_digits):
    """Unlabelled images (an upload): no classes to choose, neighbours without labels."""

    from core.data.registry import Dataset

    unlabelled = Dataset(
        "upload", small_digits.x_train, small_digits.x_test, None, None, [], "an upload"
    )
    mine = untrained_run("standard", unlabelled, hyperparameters={"code_dim": 4})
    at = render("pages/latent.py", "en", {"runs": {"mine": mine}, "active_run": "mine"})
    assert not at.exception, at.exception
    shown = shown_texts(at)
    assert translate("en", "latent.groups_needed") in shown
    tail = translate("en", "latent.agreement_unlabelled", shared="", count=8)  # no labels named
    assert any(text.endswith(tail.lstrip()) for text in shown), shown
    at = render(
        "pages/latent.py",
        "en",
        {
            "runs": {"mine": mine},
            "active_run": "mine",
            "latent.saved_a": list(range(10)),
            "latent.saved_b": list(range(10, 30)),
        },
    )
    assert not at.exception, at.exception
    assert translate("en", "latent.analogy_title") in shown_texts(at)
