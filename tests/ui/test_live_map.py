"""The map of codes on Train: a finished run shows its map with the neighbour score and a slider
that replays the frames, in both languages; a saved run reads its map back from its folder; the
class board's spotlight shows the spotlighted run's latest map."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict

import pytest

from core.classroom import classes, publisher, teachers
from core.classroom.members import join
from core.runs import store
from tests.conftest import session_run
from tests.fakes import FakeJob
from tests.ui.screen_text import render
from ui.i18n import translate

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def finished_run(small_digits):
    run = session_run("vae", small_digits, timeout=120)  # a 2-D code: the map is the code
    return dataclasses.replace(run, dataset=dataclasses.replace(run.dataset, name="digits"))


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    monkeypatch.setenv("AE_ZOO_DIR", str(tmp_path / "zoo"))
    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path / "runs"))


def _train_page(run, language: str):
    session = {"runs": {run.id: run}, "active_run": run.id, "train_variant": run.variant}
    at = render("pages/train.py", language, session)
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("language", ["en", "pt"])
def test_a_finished_run_replays_its_map_in_both_languages(finished_run, language):
    latent = finished_run.snapshot().latent_map
    assert latent.epochs == (0.0, 1.0)  # before training and after its one epoch
    at = _train_page(finished_run, language)
    replay = [s for s in at.select_slider if s.label == translate(language, "livemap.replay")]
    assert len(replay) == 1 and replay[0].value == 1  # the final frame first
    assert translate(language, "livemap.score") in [m.label for m in at.metric]
    assert any(translate(language, "livemap.score_line", chance="10%") in t for t in at.texts)
    after = translate(language, "livemap.after_epoch", epoch=1)
    assert any(after in text for text in at.texts)  # the final frame's title and alt text
    if language == "en":  # (AppTest formats widgets after a rerun in the browser's language)
        replay[0].set_value(0).run()  # the slider goes back to the start
        assert not at.exception, at.exception
        titles = [
            json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")
        ]
        assert translate("en", "livemap.start") in titles


def test_a_saved_run_shows_its_saved_map_and_an_older_one_none(finished_run, tmp_path):
    folder = store.save_run(
        tmp_path / "runs" / "saved", finished_run.model, snapshot=finished_run.snapshot()
    )
    saved = dataclasses.replace(finished_run, id="saved", job=None, saved_path=folder)
    at = _train_page(saved, "en")
    assert [s.label for s in at.select_slider] == [translate("en", "livemap.replay")]
    (folder / "latent_map.npz").unlink()
    older = dataclasses.replace(saved, id="older")
    at = _train_page(older, "en")
    assert not [s for s in at.select_slider if s.label == translate("en", "livemap.replay")]


@pytest.mark.parametrize("language", ["en", "pt"])
def test_the_projector_s_spotlight_shows_the_run_s_latest_map(finished_run, language):
    teacher = teachers.create_class()
    join(teacher.code, "Ana")
    job = FakeJob()
    job.state.latent_map = finished_run.snapshot().latent_map
    publisher.publish(teacher.code, "Ana", "run1", job)
    classes.spotlight(teacher.code, teacher.key, "run1")
    at = render("pages/class.py", language, {"class_teacher": asdict(teacher)})
    charts = [c for c in at.get("plotly_chart") if c.proto.id and "spotlight_map" in c.proto.id]
    assert len(charts) == 1
    title = json.loads(charts[0].proto.spec)["layout"]["title"]["text"]
    assert title == translate(language, "livemap.after_epoch", epoch=1)  # the final frame
    classes.close_class(teacher.code, teacher.key)
    publisher.flush(timeout=10)
