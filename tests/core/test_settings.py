"""The server's settings and the public profile (issue 36, item 4)."""

from __future__ import annotations

import pytest

from core import settings
from core.classroom import classes
from core.jobs import admission
from core.models.size import max_parameters
from core.runs import quotas


def test_the_public_profile_sizes_the_server_for_two_shared_vcpus(monkeypatch):
    classroom = (classes.max_classes(), classes.max_students(), quotas.owner_limits()[0])
    assert not settings.public()
    monkeypatch.setenv(settings.PUBLIC_ENV, "1")
    assert settings.public()
    assert classes.max_classes() == 3 < classroom[0]
    assert classes.max_students() == 40 < classroom[1]
    assert quotas.owner_limits()[0] == 5 < classroom[2]
    assert admission.time_budget() == 5 * 60 and admission.max_epochs() == 40
    assert max_parameters() == 5_000_000
    assert settings.env_int("AE_SHARED_JOBS", 32) == 4


def test_every_lesson_retrains_within_the_public_limits(monkeypatch):
    """The lessons retrain the zoo's recipes: none may be refused by the public profile."""
    import json

    from core.models import MODELS
    from core.models.size import count_parameters
    from tests.conftest import ROOT

    monkeypatch.setenv(settings.PUBLIC_ENV, "1")
    for recipe in (ROOT / "assets" / "zoo").glob("*/run.json"):
        run = json.loads(recipe.read_text())
        if run.get("variant") not in MODELS:
            continue
        model_class = MODELS[run["variant"]]
        config = model_class.Config(**run.get("hyperparameters", {}))
        assert count_parameters(model_class, config) <= max_parameters(), recipe
        assert run["train_config"]["epochs"] <= admission.max_epochs(), recipe


def test_a_setting_the_environment_names_wins_over_the_public_default(monkeypatch):
    monkeypatch.setenv(settings.PUBLIC_ENV, "yes")
    monkeypatch.setenv(classes.CLASSES_ENV, "7")
    assert classes.max_classes() == 7


def test_a_public_flag_that_is_not_yes_or_no_is_an_error_naming_it(monkeypatch):
    monkeypatch.setenv(settings.PUBLIC_ENV, "maybe")
    with pytest.raises(ValueError, match="AE_PUBLIC"):
        settings.public()
