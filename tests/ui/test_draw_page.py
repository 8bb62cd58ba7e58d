"""The Draw page through app.py (AppTest, both languages): it asks for a drawing, then shows
every view; a dot or a scribble gets a clear message; without the zoo it says so and shows the
session's own runs."""

from __future__ import annotations

import pytest

from core.science import drawing
from tests.fakes import SEVEN, untrained_run
from tests.ui.draw_pad import draw_page, images_shown, speak_the_tested_language, texts
from ui.i18n import translate

PAD = drawing.CANVAS
DOT = [[(140, 140)]]
SCRIBBLE = [[(0, y), (PAD, y)] for y in range(0, PAD + 1, 20)]  # the pad covered in ink


@pytest.fixture(autouse=True)
def _no_umap_warmup(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


@pytest.fixture(autouse=True)
def _browser_language(request, monkeypatch):
    speak_the_tested_language(request, monkeypatch)


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_the_page_asks_for_a_drawing_then_shows_every_view(lang):
    at = draw_page(lang=lang)
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [translate(lang, "draw.problem_empty")]
    at.session_state["draw.pad"] = {"strokes": [[list(p) for p in s] for s in SEVEN]}
    at.run()
    assert not at.exception, at.exception
    assert not at.error and not at.warning and not at.info
    shown = texts(at)
    for key in ("rebuilds_title", "noise_title", "map_section", "vae_section"):
        assert translate(lang, f"draw.{key}") in shown, key
    shown_images = images_shown(at)
    assert translate(lang, "draw.input_alt") in [alt for _, alt in shown_images]
    standard = translate(lang, "examples.standard")  # the zoo's example, in the language
    rebuilt = [
        caption
        for caption, alt in shown_images
        if alt.startswith(translate(lang, "draw.rebuild_alt", name=standard, error="").rstrip())
    ]
    assert len(rebuilt) == 2 and rebuilt[0].replace("*", "").startswith(f"{standard}  \n")
    assert at.session_state["draw.strokes"] == [[tuple(map(float, p)) for p in s] for s in SEVEN]


@pytest.mark.parametrize(("strokes", "problem"), [(DOT, "dot"), (SCRIBBLE, "full")])
@pytest.mark.parametrize("lang", ["en", "pt"])
def test_a_dot_or_a_scribble_gets_a_clear_message(strokes, problem, lang):
    at = draw_page(strokes, lang)
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [translate(lang, f"draw.problem_{problem}")]
    assert translate(lang, "draw.rebuilds_title") not in texts(at)


def test_without_the_zoo_the_page_says_so_and_shows_the_session_s_runs(
    monkeypatch, tmp_path, small_digits
):
    monkeypatch.setenv("AE_ZOO_DIR", str(tmp_path))  # a server without the pretrained zoo
    at = draw_page(SEVEN)
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [translate("en", "draw.no_runs")]
    mine = untrained_run("vae", small_digits, hyperparameters={"code_dim": 2})
    at = draw_page(SEVEN, session={"runs": {"mine": mine}, "active_run": "mine"})
    assert not at.exception, at.exception
    shown = texts(at)
    assert any(caption.replace("*", "").startswith("mine-1") for caption, _ in images_shown(at))
    assert translate("en", "draw.map_caption", name="mine-1") in shown
    assert translate("en", "draw.vae_caption", name="mine-1") in shown
