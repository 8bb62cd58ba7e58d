"""The class's own handwriting through app.py (AppTest): a student adds the pad's drawing with
its digit on the Draw page and removes their own; someone outside a class sees no such panel;
with enough drawings the sidebar offers them as the data set; the teacher's Class page counts
them and removes any. Both languages."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.classroom import drawings, drawings_data, teachers
from core.classroom.members import join
from tests.apptest_frame import app_at
from tests.fakes import SEVEN, drawn_digit
from tests.ui.draw_pad import draw_page, speak_the_tested_language
from ui.i18n import translate


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


@pytest.fixture(autouse=True)
def _browser_language(request, monkeypatch):
    speak_the_tested_language(request, monkeypatch)


@pytest.fixture
def room():
    teacher = teachers.create_class()
    join(teacher.code, "Ana", owner="browser-ana")
    return teacher


def _student(room) -> dict:
    return {"owner": "browser-ana", "class_member": {"code": room.code, "nickname": "Ana"}}


def _texts(at) -> list[str]:
    return [e.value for kind in (at.caption, at.markdown, at.success, at.error) for e in kind]


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_a_student_adds_the_pad_s_drawing_with_its_digit_and_removes_it(room, lang):
    at = draw_page(SEVEN, lang, _student(room))
    assert not at.exception, at.exception
    shown = _texts(at)
    assert f"**{translate(lang, 'draw.class_title', code=room.code)}**" in shown
    assert translate(lang, "draw.class_count", count=0, most=30) in shown
    add = at.button(key="draw.class.add")
    assert not add.disabled
    add.click().run()  # no digit picked yet: refused, with what to do
    assert [e.value for e in at.error] == [translate(lang, "problems.class_drawing_label")]
    assert drawings.mine(room.code, "browser-ana") == []

    at.session_state["draw.class.digit"] = 7
    at.run()
    at.button(key="draw.class.add").click().run()
    assert not at.exception, at.exception
    mine = drawings.mine(room.code, "browser-ana")
    assert [d["label"] for d in mine] == [7] and mine[0]["nickname"] == "Ana"
    assert translate(lang, "draw.class_added", digit=7) in [e.value for e in at.success]
    assert translate(lang, "draw.class_count", count=1, most=30) in _texts(at)
    at.button(key=f"draw.class.remove.{mine[0]['id']}").click().run()
    assert not at.exception, at.exception
    assert drawings.mine(room.code, "browser-ana") == []


def test_an_empty_pad_cannot_be_added_and_no_class_shows_no_panel(room):
    at = draw_page(None, "en", _student(room))
    assert at.button(key="draw.class.add").disabled
    assert translate("en", "draw.class_draw_first") in _texts(at)
    stranger = draw_page(SEVEN, "en", {"owner": "browser-nobody"})
    assert not [b for b in stranger.button if b.key == "draw.class.add"]


def test_with_enough_drawings_the_sidebar_offers_them_as_the_data_set(room):
    at = draw_page(None, "en", _student(room))
    assert "class" not in at.sidebar.selectbox(key="dataset_name").options
    for i in range(drawings_data.MIN_FOR_TRAINING):
        drawings.add(room.code, "browser-ana", i % 10, drawn_digit(i))
    at.run()
    picker = at.sidebar.selectbox(key="dataset_name")
    assert translate("en", "datasets.class") in picker.options
    picker.set_value("class").run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.sidebar.caption]
    assert translate("en", "sidebar.class_data") in captions
    assert any(translate("en", "datasets.source_class") in c for c in captions)
    assert np.isfinite(drawings_data.as_dataset(room.code).x_train.sum().item())


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_the_teacher_counts_the_drawings_and_removes_any(room, lang):
    join(room.code, "Bia", owner="browser-bia")
    drawings.add(room.code, "browser-ana", 7, drawn_digit())
    drawings.add(room.code, "browser-ana", 7, drawn_digit(1))
    bia = drawings.add(room.code, "browser-bia", 0, drawn_digit(2))
    at = app_at(
        "pages/class.py",
        {"lang": lang, "class_teacher": {"code": room.code, "key": room.key}},
    )
    assert not at.exception, at.exception
    assert translate(lang, "class.drawings_count", count=3, most=1500) in _texts(at)
    per_digit, per_student = (d.value for d in at.dataframe[-2:])
    digits = [str(d) for d in range(10)]  # one row, the digits across
    assert per_digit[digits].iloc[0].tolist() == [1, 0, 0, 0, 0, 0, 0, 2, 0, 0]
    assert dict(zip(per_student["nickname"], per_student["count"], strict=True)) == {
        "Ana": 2,
        "Bia": 1,
    }
    captions = [image.caption for element in at.get("image") for image in element.proto.imgs]
    assert translate(lang, "class.drawing_caption", digit=0, nickname="Bia") in captions
    assert at.get("download_button")  # the .npz among the downloads
    at.button(key=f"class.drawing.remove.{bia['id']}").click().run()
    assert not at.exception, at.exception
    assert drawings.counts(room.code)["per_student"] == {"Ana": 2}
    assert translate(lang, "class.drawings_count", count=2, most=1500) in _texts(at)
    at.selectbox(key="class.drawings_student").set_value("Ana")
    at.button(key="class.drawings_remove_student").click().run()
    assert not at.exception, at.exception
    assert drawings.counts(room.code)["total"] == 0
    assert translate(lang, "class.drawings_none") in _texts(at)


def _overlay_page(code: str, shown: str, test_index: int) -> None:
    """The Latent space page's map of an untrained run's test codes, with the class's
    drawings over it (a drawing there is test digit `test_index` itself)."""
    import streamlit as st

    from core.data.loading import load_dataset
    from core.science import projection
    from core.science.analysis import encode_all
    from tests.fakes import untrained_run
    from ui.kit import figures
    from ui.latent import class_drawings

    data = load_dataset("digits")
    run = untrained_run("standard", data, hyperparameters={"code_dim": 8})
    codes = encode_all(run.model, data.x_test[:200])
    figure = figures.scatter_by_class(projection.pca_2d(codes), None, [], "map")
    shown_figure = class_drawings.overlay(run, figure, codes, shown)
    st.session_state["unchanged"] = len(figure.data) == 1  # the run's own map is never changed
    figure = shown_figure
    st.session_state["traces"] = [
        {
            "name": trace.name,
            "x": [float(v) for v in trace.x],
            "y": [float(v) for v in trace.y],
            "text": list(trace.text or []),
            "customdata": trace.customdata is not None,
        }
        for trace in figure.data
    ]
    st.session_state["points"] = projection.pca_2d(codes)[test_index].tolist()


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_the_drawings_land_on_the_latent_map_where_their_codes_are(room, lang):
    from core.data.loading import load_dataset

    join(room.code, "Bia", owner="browser-bia")
    test_digit = load_dataset("digits").x_test[5].view(28, 28).numpy()
    drawings.add(room.code, "browser-ana", 3, test_digit)
    drawings.add(room.code, "browser-bia", 8, drawn_digit())
    session = {**_student(room), "lang": lang, "latent.class_drawings": True}
    at = AppTest.from_function(_overlay_page, args=(room.code, "pca", 5), default_timeout=120)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    traces = {trace["name"]: trace for trace in at.session_state["traces"][1:]}
    mine, others = (
        traces[translate(lang, "latent.class_mine")],
        traces[translate(lang, "latent.class_others")],
    )
    assert list(mine["text"]) == ["3"] and list(others["text"]) == ["8"]
    assert at.session_state["unchanged"]
    landed = [float(mine["x"][0]), float(mine["y"][0])]  # Ana's drawing is test digit 5...
    assert landed == pytest.approx(at.session_state["points"], abs=0.02)  # ...and lands on it
    assert not mine["customdata"]  # a selection on the map never picks a drawing
    caption = translate(lang, "latent.class_caption", count=2, mine=1)
    assert caption in [c.value for c in at.caption]

    at = AppTest.from_function(_overlay_page, args=(room.code, "umap", 5), default_timeout=120)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    method = translate(lang, "latent.method_umap")
    assert [i.value for i in at.info] == [translate(lang, "latent.class_pca_only", method=method)]
    assert len(at.session_state["traces"]) == 1  # only the map's own points


def test_the_latent_page_shows_the_toggle_and_the_drawings(room):
    from tests.ui.screen_text import render

    drawings.add(room.code, "browser-ana", 7, drawn_digit())
    at = render("pages/latent.py", "en", {**_student(room), "latent.class_drawings": True})
    assert not at.exception, at.exception
    assert at.toggle(key="latent.class_drawings").value
    caption = translate("en", "latent.class_caption", count=1, mine=1)
    assert caption in [c.value for c in at.caption]
    spec = at.get("plotly_chart")[0].proto.spec
    assert translate("en", "latent.class_mine") in spec
