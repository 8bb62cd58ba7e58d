"""The house rules: one owner per concern, reproducible runs, capabilities instead of
variant names, the run record's round trip."""

from __future__ import annotations

import ast
import re

import pytest
import torch

from core.jobs.local import LocalJob
from core.jobs.queue import JobQueue
from core.jobs.spec import JobSpec
from core.models import MODELS, build_model
from core.params import parse_assignments
from core.progress import Progress
from core.runs import store
from core.science import analysis
from core.training.loop import TrainConfig
from tests.conftest import ROOT


def test_every_registered_variant_has_its_texts():
    from ui.i18n import LANGUAGES, catalog

    for language in LANGUAGES:
        for name in MODELS:
            for part in ("title", "what", "when"):
                assert f"variants.{name}.{part}" in catalog(language), (language, name, part)


def test_a_field_that_means_something_of_its_own_has_its_own_help_text():
    """Where a variant's field says more than the field's usual help in core (the deep code's
    linear units, the contractive defaults), the catalogs carry that variant's own text, so the
    Train page never shows a generic one in its place; every preset is named in the catalogs."""
    import dataclasses
    from collections import Counter

    from ui.i18n import LANGUAGES, catalog

    helps = {}
    for name, cls in MODELS.items():
        for f in dataclasses.fields(cls.Config):
            helps.setdefault(f.name, {})[name] = f.metadata["help"]
    for field, by_variant in helps.items():
        usual = Counter(by_variant.values()).most_common(1)[0][0]
        for name, text in by_variant.items():
            for language in LANGUAGES:
                texts = catalog(language)
                if text != usual and len(set(by_variant.values())) > 1:
                    assert f"params.{name}.{field}_help" in texts, (language, name, field)
                else:
                    assert f"params.{field}_help" in texts, (language, field)
    for name, cls in MODELS.items():
        for language in LANGUAGES:
            for preset in cls.presets:
                assert f"train.preset_{name}_{preset}" in catalog(language)
            if cls.presets:
                assert f"train.preset_{name}_help" in catalog(language)


def test_every_chart_and_image_row_has_a_text_alternative():
    """A screen-reader user gets a sentence for every chart (st.plotly_chart's alt) and every
    row of digits (ui.kit.images.show_row's alt, or its caption, which it then reads): no call in
    pages/ or ui/ leaves it out."""
    missing = []
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("plotly_chart", "show_row")
            ):
                captioned = node.func.attr == "show_row" and (
                    len(node.args) > 1 or any(k.arg == "caption" for k in node.keywords)
                )
                if not captioned and not any(k.arg == "alt" for k in node.keywords):
                    missing.append(f"{path.name}:{node.lineno}")
    assert not missing, missing


def test_a_long_module_says_why_in_its_docstring():
    """Past 250 lines a module's docstring says why it is one module ("Long because: ..."): the
    size prompts a design (split at the seam, or say why not) rather than a squeeze to a cap."""
    unexplained = {}
    for folder in ("core", "ui", "pages"):
        for p in (ROOT / folder).rglob("*.py"):
            text = p.read_text()
            lines = len(text.splitlines())
            if lines > 250 and "Long because:" not in (ast.get_docstring(ast.parse(text)) or ""):
                unexplained[str(p.relative_to(ROOT))] = lines
    assert unexplained == {}, unexplained


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_data_does_not_import_uploads():
    for module in (ROOT / "core" / "data").glob("*.py"):
        assert not any(n.startswith("core.uploads") for n in _imports(module)), module.name


def test_pages_and_ui_never_reseed_the_global_generator():
    for path in [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("**/*.py")]:
        assert "manual_seed(" not in re.sub(
            r"Generator\(\)\.manual_seed\(", "", path.read_text()
        ), path.name


def test_pages_do_not_test_variant_names():
    for path in [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("**/*.py")]:
        text = path.read_text()
        assert not re.search(r"variant\s*==\s*\"", text), path.name
        assert 'hasattr(model, "sample")' not in text, path.name


@pytest.mark.parametrize("variant", ["denoising", "vae"])
def test_a_seed_reproduces_a_run_exactly(variant, small_digits):
    """Noise and reparameterisation come from the job's generator, not the global one."""
    weights = []
    for _ in range(2):
        spec = JobSpec(variant, {}, TrainConfig(epochs=1, seed=3), small_digits.name)
        job = LocalJob(spec, small_digits, queue=JobQueue(1)).start()
        torch.rand(100)  # other users of the global generator must not change the run
        assert job.wait(timeout=60).status == "done"
        weights.append(job.state_dict())
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_only_the_vae_has_a_prior_and_its_samples_follow_the_seed():
    for name, cls in MODELS.items():
        assert cls.has_prior == (name == "vae")
    vae = build_model("vae", code_dim=4)
    first = vae.sample(5, torch.Generator().manual_seed(1))
    again = vae.sample(5, torch.Generator().manual_seed(1))
    assert first.shape == (5, 1, 28, 28) and torch.equal(first, again)
    with pytest.raises(NotImplementedError, match="no prior"):
        build_model("standard").sample_codes(3)


def test_sample_codes_fits_a_gaussian_without_a_prior():
    model = build_model("standard", code_dim=3)
    codes = torch.randn(2000, 3, generator=torch.Generator().manual_seed(0)) * torch.tensor(
        [1.0, 2.0, 0.5]
    ) + torch.tensor([5.0, -1.0, 0.0])
    z = analysis.sample_codes(model, codes, 4000, torch.Generator().manual_seed(0))
    assert z.shape == (4000, 3)
    assert torch.allclose(z.mean(0), codes.mean(0), atol=0.15)
    assert torch.allclose(z.std(0), codes.std(0), rtol=0.1)
    again = analysis.sample_codes(model, codes, 4000, torch.Generator().manual_seed(0))
    assert torch.equal(z, again)


def test_decoded_plane_spans_the_prior_or_the_codes():
    vae = build_model("vae", code_dim=2)
    plane = analysis.decoded_plane(vae, torch.zeros(10, 2), size=5)
    assert plane["images"].shape == (25, 1, 28, 28)
    assert float(plane["x"][0]) < 0 < float(plane["x"][-1]) and plane["y"][0] > plane["y"][-1]
    codes = torch.rand(500, 2) * 10
    plain = analysis.decoded_plane(build_model("standard", code_dim=2), codes, size=4)
    assert 0 <= float(plain["x"][0]) < 1 and 9 < float(plain["x"][-1]) <= 10
    with pytest.raises(ValueError, match="2-D code"):
        analysis.decoded_plane(build_model("standard"), codes, size=4)


def test_the_run_record_round_trips(tmp_path):
    progress = Progress()
    progress.add_report(5, {"loss": 2.0, "reconstruction": 2.0}, elapsed=1.5)
    progress.add_epoch({"val_sse_per_image": 9.5, "epoch": 1})
    progress.update(test_metrics={"test_sse_per_image": 9.0})
    progress.add_pretrain({"stage": 1, "epoch": 1, "error": 0.1})
    snapshot = progress.snapshot()
    folder = store.save_run(
        tmp_path / "r",
        build_model("standard"),
        dataset="digits",
        train_config={"epochs": 1},
        snapshot=snapshot,
    )
    back = store.snapshot_of(store.read_description(folder))
    assert back.status == "done" and back.finished
    assert (back.loss_steps, back.loss_terms) == ([5], {"loss": [2.0], "reconstruction": [2.0]})
    assert back.epoch_metrics == snapshot.epoch_metrics
    assert back.test_metrics == snapshot.test_metrics
    assert back.pretrain_history == snapshot.pretrain_history
    assert back.elapsed == 1.5 and back.epoch == back.epochs == 1
    assert store.read_description(folder)["metrics"]["test_sse_per_image"] == 9.0


def test_one_parser_for_key_value_settings():
    assert parse_assignments(["a=1", "b=0.5", "c=masking", "d=[1, 2]", "e=true"]) == {
        "a": 1,
        "b": 0.5,
        "c": "masking",
        "d": [1, 2],
        "e": True,
    }
    with pytest.raises(ValueError, match="key=value"):
        parse_assignments(["nothing"])


def test_a_tied_decoder_is_drawn_with_its_output():
    """Tied weights still make a decoder (the encoder's weights transposed): the diagram shows
    it, and says it is tied."""
    from core.science.architecture import describe
    from ui.kit.diagrams import svg

    arch = describe(build_model("contractive"))
    assert arch.tied and [layer.shape for layer in arch.encoder[1:]] == [(32,)]
    assert [(layer.kind, layer.shape) for layer in arch.decoder] == [("output", (784,))]
    picture = svg(arch, "en")
    assert ">output<" in picture and ">784<" in picture and "tied" in picture


def test_the_streamlit_internal_the_app_relies_on_is_still_there():
    """ui.through_app() and the AppTest frame switch off Streamlit's first multipage design
    through `PagesManager.uses_pages_directory`, a class attribute of an internal module: a
    Streamlit that renames it or gives it another meaning must fail here, by name, rather than
    show a cold server's raw pages/ list (requirements.txt pins the range CI tests)."""
    from streamlit.runtime.pages_manager import PagesManager

    assert hasattr(PagesManager, "uses_pages_directory"), (
        "streamlit.runtime.pages_manager.PagesManager.uses_pages_directory is gone: "
        "ui.through_app() and tests/apptest_frame.py need another way to run pages through "
        "app.py"
    )
    assert isinstance(PagesManager.uses_pages_directory, bool | None)
