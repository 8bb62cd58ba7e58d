"""The architecture diagrams come from the models' real layer sizes and stay true."""

from __future__ import annotations

import pytest

from core.models import MODELS, build_model
from core.science.architecture import describe
from ui.i18n import LANGUAGES
from ui.kit import diagrams


def test_the_standard_autoencoder_is_784_to_its_code_and_back():
    arch = describe(build_model("standard", code_dim=16))
    assert [layer.shape for layer in arch.encoder] == [(1, 28, 28), (16,)]
    assert [layer.shape for layer in arch.decoder] == [(784,)]
    assert arch.code_penalty is None and not arch.noisy_input


def test_each_variant_shows_its_own_pressure():
    assert describe(build_model("sparse")).code_penalty == "l1"
    assert describe(build_model("contractive")).code_penalty == "jacobian"
    assert describe(build_model("denoising")).noisy_input
    vae = describe(build_model("vae", code_dim=8))
    assert vae.sampled_code and vae.code_penalty == "kl" and vae.encoder[-1].shape == (16,)
    deep = describe(build_model("deep", hidden_sizes=(64, 32), code_dim=5))
    assert deep.rbm_stages == 3 and [layer.shape[0] for layer in deep.encoder[1:]] == [64, 32, 5]
    assert describe(build_model("deep", pretrain=False)).rbm_stages == 0
    conv = describe(build_model("convolutional", channels=8))
    assert conv.encoder[1].kind == "conv" and conv.encoder[1].shape == (8, 14, 14)


@pytest.mark.parametrize("variant", list(MODELS))
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_shipped_diagrams_match_the_code(variant, lang):
    shipped = (diagrams.ASSETS / f"{variant}.{lang}.svg").read_text(encoding="utf-8").strip()
    drawn, alt = diagrams.for_model(build_model(variant), lang)
    assert shipped == drawn, "run `python -m ui.kit.diagrams` to redraw assets/diagrams"
    assert shipped.startswith("<svg") and str(build_model(variant).code_dim) in alt
