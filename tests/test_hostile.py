"""A hostile student cannot take the class down: every limit a link, a widget, the command line
or an upload could get around is enforced in core, before the cost is paid, with a plain
refusal."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.messages import Problem
from core.models import MODELS, ModelTooLarge, build_model, build_seeded
from tests.conftest import ROOT

HUGE_STACK = [4096] * 300  # 37 GiB of float32 weights if it were ever built


# ---------------------------------------------------------------- model size

def test_a_stack_of_300_layers_is_refused_before_it_is_built():
    with pytest.raises(Problem) as refused:
        build_seeded("deep", {"hidden_sizes": HUGE_STACK}, seed=0)
    assert refused.value.key == "too_many_layers" and "at most 8" in str(refused.value)


def test_a_model_over_the_parameter_limit_is_refused_with_a_size_that_fits():
    with pytest.raises(ModelTooLarge) as refused:
        build_seeded("deep", {"hidden_sizes": [4096] * 8}, seed=0)
    error = refused.value
    assert "AE_MAX_PARAMETERS" in str(error) and error.fields["limit"] == 30_000_000
    sizes = [int(size) for size in error.fields["fits"].split("=")[1].split(",")]
    assert build_model("deep", hidden_sizes=sizes).parameter_count() <= 30_000_000


def test_the_limit_is_a_setting_and_every_preset_fits_the_default(monkeypatch):
    for name, cls in MODELS.items():
        for preset in cls.presets:
            build_model(name, **cls.preset(preset)[0])
    assert build_model("deep", **MODELS["deep"].preset("paper")[0]).parameter_count() < 3e6
    build_model("convolutional", channels=128, code_dim=1024)  # the largest single setting
    monkeypatch.setenv("AE_MAX_PARAMETERS", "100000")
    with pytest.raises(ModelTooLarge, match="channels = "):
        build_model("convolutional")


def test_the_command_line_and_the_job_backend_refuse_alike(capsys, small_digits):
    from core.__main__ import main
    from core.jobs import JobSpec, start_job

    assert main(["train", "--variant", "deep", "--set",
                 f"hidden_sizes={HUGE_STACK}".replace(" ", "")]) != 0
    assert "at most 8" in capsys.readouterr().err
    with pytest.raises(ModelTooLarge):
        start_job(JobSpec("deep", {"hidden_sizes": (4096,) * 8}), small_digits)


# ---------------------------------------------------------------- share links

def test_a_link_never_renders_its_values_and_never_builds_a_huge_model(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "x\n\n## Session expired\n[Sign in](https://evil.example)"
    at.query_params["variant"] = "deep"
    at.query_params["hp.hidden_sizes"] = ",".join(["4096"] * 8)
    at.query_params["## evil [key](https://evil.example)"] = "1"
    at.session_state["dataset_name"] = "digits"
    at.run()
    assert not at.exception, at.exception
    shown = [element.value for kind in ("markdown", "warning", "info", "error", "caption")
             for element in getattr(at, kind)]
    assert not any("evil" in text or "Session expired" in text for text in shown)
    warning = next(w.value for w in at.warning if "`lang`" in w.value)
    assert "`hp.hidden_sizes`" in warning and "1 other setting" in warning
    assert at.session_state["train_variant"] == "deep"
    assert "hp.deep.hidden_sizes" not in at.session_state
