"""Every variant keeps the contract, and each one's own term is the real algorithm."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch.autograd.functional import jacobian as brute_force_jacobian

from core.models import MODELS, build_model
from core.models.denoising import corrupt
from core.science.analysis import encode_all
from core.training.loop import TrainConfig, train

VARIANTS = list(MODELS)
EXTRA_TERMS = {"sparse": "l1", "contractive": "contractive", "vae": "kl"}


def test_registry_has_the_eight_variants():
    assert VARIANTS == [
        "standard",
        "multilayer",
        "convolutional",
        "sparse",
        "denoising",
        "contractive",
        "deep",
        "vae",
    ]


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("code_dim", [2, 7])
def test_contract_shapes_ranges_and_terms(name, code_dim):
    torch.manual_seed(0)
    model = build_model(name, code_dim=code_dim)
    x = torch.rand(5, 1, 28, 28)
    z = model.encode(x)
    assert z.shape == (5, code_dim) and model.code_dim == code_dim
    out = model.decode(z)
    assert out.shape == (5, 1, 28, 28)
    assert out.min() >= 0 and out.max() <= 1
    assert model(x).shape == (5, 1, 28, 28)
    terms = model.loss(x)
    assert "loss" in terms and "reconstruction" in terms
    if name in EXTRA_TERMS:
        assert EXTRA_TERMS[name] in terms
    for value in terms.values():
        assert value.dim() == 0 and torch.isfinite(value)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_few_dozen_steps_lower_the_loss(name, small_digits):
    torch.manual_seed(0)
    hyper = {"pretrain_epochs": 1} if name == "deep" else {}
    model = build_model(name, **hyper)
    model.eval()
    x = small_digits.x_train[:256]
    before = model.loss(x)["reconstruction"].item()
    snapshot = train(model, small_digits, TrainConfig(epochs=4, batch_size=64, lr=2e-3))
    assert snapshot.status == "done", snapshot.error
    assert snapshot.step == 32  # 4 epochs x 8 batches
    model.eval()
    after = model.loss(x.to(next(model.parameters()).device))["reconstruction"].item()
    assert after < 0.8 * before


def test_unknown_hyperparameter_is_named():
    with pytest.raises(ValueError, match="code_dimm"):
        build_model("standard", code_dimm=3)
    with pytest.raises(ValueError, match="Unknown variant 'nope'"):
        build_model("nope")


@pytest.mark.parametrize(
    "name, values, field",
    [
        ("standard", {"code_dim": 1}, "code_dim"),
        ("sparse", {"l1_weight": -1.0}, "l1_weight"),
        ("denoising", {"noise": "fog"}, "noise"),
        ("vae", {"beta": float("nan")}, "beta"),
        ("deep", {"hidden_sizes": (100, 0)}, "hidden_sizes"),
        ("standard", {"code_dim": 2.5}, "code_dim"),
    ],
)
def test_out_of_range_hyperparameters_are_refused(name, values, field):
    with pytest.raises(ValueError, match=field):
        build_model(name, **values)


def test_every_hyperparameter_has_help_and_defaults():
    for cls in MODELS.values():
        for f in dataclasses.fields(cls.Config):
            assert f.metadata["help"], (cls.name, f.name)
        build_model(cls.name)  # defaults validate


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("hidden_dim", [0, 24])
def test_contractive_penalty_matches_brute_force_jacobian(activation, hidden_dim):
    torch.manual_seed(1)
    model = build_model(
        "contractive", code_dim=6, activation=activation, hidden_dim=hidden_dim, tied=not hidden_dim
    )
    model = model.double()
    x = torch.rand(4, 1, 28, 28, dtype=torch.float64)
    expected = torch.stack(
        [
            brute_force_jacobian(lambda v: model.encode(v.view(1, 1, 28, 28)).squeeze(0), xi)
            .pow(2)
            .sum()
            for xi in x
        ]
    ).mean()
    penalty = model.loss(x)["contractive"]
    assert torch.allclose(penalty, expected, rtol=1e-4), (float(penalty), float(expected))


def test_sparse_training_lowers_mean_activation_against_standard(small_digits):
    means = {}
    for name in ("standard", "sparse"):
        torch.manual_seed(0)
        model = (
            build_model(name, code_dim=32, l1_weight=1.0)
            if name == "sparse"
            else build_model(name, code_dim=32)
        )
        train(model, small_digits, TrainConfig(epochs=6, batch_size=64))
        means[name] = encode_all(model, small_digits.x_test).abs().mean().item()
    assert means["sparse"] < 0.5 * means["standard"], means


def test_rbm_pretraining_lowers_each_rbms_error(small_digits):
    torch.manual_seed(0)
    model = build_model("deep", hidden_sizes=(64, 32), code_dim=8, pretrain_epochs=4)
    reports = []
    model.pretrain(small_digits.x_train, 32, reports.append, lambda: False)
    errors = [r for r in reports if r["error"] is not None]
    assert [(r["stage"], r["epoch"]) for r in errors] == [
        (s, e) for s in (1, 2, 3) for e in (1, 2, 3, 4)
    ]
    for stage in (1, 2, 3):
        curve = [r["error"] for r in errors if r["stage"] == stage]
        assert curve[-1] < curve[0], (stage, curve)
    # unrolled: encoder takes the RBM weights, the decoder their transposes
    first_up = model.encoder[1].weight
    last_down = [m for m in model.decoder if isinstance(m, torch.nn.Linear)][-1].weight
    assert torch.equal(first_up, last_down.T)


def test_deep_without_pretraining_has_no_phase():
    assert not build_model("deep", pretrain=False).has_pretraining
    assert build_model("deep").has_pretraining


def test_vae_kl_is_non_negative_and_zero_at_the_prior():
    torch.manual_seed(0)
    model = build_model("vae", code_dim=4)
    x = torch.rand(16, 1, 28, 28)
    assert model.loss(x)["kl"] >= 0
    head = model.encoder[-1]
    with torch.no_grad():  # make q(z|x) = N(0, I) exactly: KL must be 0
        head.weight.zero_()
        head.bias.zero_()
    assert model.loss(x)["kl"].abs() < 1e-6


def test_vae_loss_is_reconstruction_plus_beta_kl():
    torch.manual_seed(0)
    model = build_model("vae", beta=3.0)
    torch.manual_seed(1)
    terms = model.loss(torch.rand(8, 1, 28, 28))
    assert torch.allclose(terms["loss"], terms["reconstruction"] + 3.0 * terms["kl"])


def test_vae_samples_have_the_right_shape_and_range():
    model = build_model("vae", code_dim=3)
    samples = model.sample(9, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (9, 1, 28, 28)
    assert samples.min() >= 0 and samples.max() <= 1
    again = model.sample(9, generator=torch.Generator().manual_seed(0))
    assert torch.equal(samples, again)


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt_pepper"])
def test_corruption_changes_about_the_right_share_and_stays_in_range(kind):
    x = torch.full((200, 1, 28, 28), 0.5)
    noisy = corrupt(x, kind, 0.3, torch.Generator().manual_seed(0))
    assert noisy.min() >= 0 and noisy.max() <= 1
    changed = (noisy != x).float().mean().item()
    expected = {"gaussian": 1.0, "masking": 0.3, "salt_pepper": 0.3}[kind]
    assert abs(changed - expected) < 0.02
    assert torch.equal(corrupt(x, kind, 0.0), x)


def test_corruption_refuses_unknown_kinds():
    with pytest.raises(ValueError, match="fog"):
        corrupt(torch.zeros(1, 1, 28, 28), "fog", 0.1)


def test_denoising_trains_on_corrupted_input_but_evaluates_clean():
    torch.manual_seed(0)
    model = build_model("denoising", noise="masking", noise_level=0.9)
    x = torch.rand(8, 1, 28, 28)
    model.eval()
    assert torch.equal(model.loss(x)["loss"], model.loss(x)["loss"])  # deterministic
    model.train()
    assert not torch.equal(model.loss(x)["loss"], model.loss(x)["loss"])  # fresh noise


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_trains_on_either_reconstruction(name):
    torch.manual_seed(0)
    x = torch.rand(6, 1, 28, 28)
    for kind, unit in (("bce", "nats per image"), ("mse", "squared error per image")):
        model = build_model(name, code_dim=4, reconstruction=kind)
        model.eval()
        terms = model.loss(x)
        assert torch.isfinite(terms["loss"]) and model.reconstruction_unit.startswith(unit)
        if kind == "mse" and not model.has_prior:  # the SSE per image (the VAE: below)
            sse = (model(x) - x).pow(2).flatten(1).sum(1).mean()
            assert torch.allclose(terms["reconstruction"], sse, rtol=1e-5)
    with pytest.raises(ValueError, match="reconstruction"):
        build_model(name, reconstruction="l1")


def test_vae_with_mse_is_sse_plus_beta_kl():
    torch.manual_seed(0)
    model = build_model("vae", beta=2.0, reconstruction="mse")
    x = torch.rand(8, 1, 28, 28)
    terms = model.loss(x, torch.Generator().manual_seed(0))
    assert torch.allclose(terms["loss"], terms["reconstruction"] + 2.0 * terms["kl"])
    eps = torch.randn(8, model.code_dim, generator=torch.Generator().manual_seed(0))
    mean, log_var = model.posterior(x)
    decoded = model.decode(mean + torch.exp(0.5 * log_var) * eps)
    assert torch.allclose(terms["reconstruction"], (decoded - x).pow(2).sum() / 8, rtol=1e-5)


def _rescale(model, c: float) -> None:
    """The dodge of scaling: encoder / c, decoder * c (untied); tied weights have one knob."""
    with torch.no_grad():
        model.encoder[1].weight.div_(c)
        model.encoder[1].bias.div_(c)
        if not model.config.tied:
            model.decoder.weight.mul_(c)


@pytest.mark.parametrize(
    "name, term, power", [("sparse", "l1", 1), ("contractive", "contractive", 2)]
)
def test_tied_weights_stop_the_rescaling_dodge(name, term, power):
    x = torch.rand(16, 1, 28, 28)
    for tied in (False, True):
        torch.manual_seed(0)
        model = build_model(name, activation="relu", tied=tied)
        before_out, before = model(x), model.loss(x)[term]
        _rescale(model, 10.0)
        after_out, after = model(x), model.loss(x)[term]
        if tied:  # the decoder shrank with the encoder: the reconstructions changed
            assert (after_out - before_out).abs().max() > 0.01
        else:  # same reconstructions, a penalty 10 (L1) or 100 (squared Jacobian) times smaller
            assert torch.allclose(after_out, before_out, atol=1e-5)
            assert torch.allclose(after * 10.0**power, before, rtol=1e-3)


def test_tied_decoder_is_the_encoder_transposed_and_saved_once():
    model = build_model("standard", code_dim=5, tied=True)
    assert torch.equal(model.decoder.weight, model.encoder[1].weight.T)
    assert set(model.state_dict()) == {"encoder.1.weight", "encoder.1.bias", "decoder.bias"}
    with pytest.raises(ValueError, match="hidden_dim"):
        build_model("contractive", tied=True, hidden_dim=16)


@pytest.mark.parametrize("preset", ["fast", "paper"])
def test_deep_presets_validate_and_build(preset):
    from core.models import MODELS
    from core.models.deep import PRESETS, paper_preset

    named = MODELS["deep"].preset
    hyperparameters, train_values = named(preset)
    model = build_model("deep", **hyperparameters)
    TrainConfig.from_dict(train_values)
    assert model.has_pretraining and model.sizes == [784, 1000, 500, 250, 30]
    if preset == "paper":
        assert paper_preset() == (hyperparameters, train_values)
        assert (
            model.config.pretrain_epochs,
            model.config.rbm_init_scale,
            model.config.rbm_momentum_epochs,
            model.config.rbm_batch_size,
        ) == (50, 0.1, 5, 100)
    hyperparameters["rbm_lr"] = 9.0  # a copy: the preset itself is untouched
    assert PRESETS[preset]["hyperparameters"]["rbm_lr"] == 0.1
    with pytest.raises(ValueError, match="preset 'nope'"):
        named("nope")
    if preset == "fast":  # the fast schedule is the defaults: choosing it undoes "paper"
        defaults = build_model("deep").config
        fast, fast_train = named("fast")
        assert all(getattr(defaults, k) == v for k, v in fast.items()) and fast_train == {}
    with pytest.raises(ValueError, match="no preset"):
        MODELS["standard"].preset(preset)


def test_rbm_schedule_fields_drive_pretraining(small_digits):
    torch.manual_seed(0)
    model = build_model(
        "deep",
        hidden_sizes=(16,),
        code_dim=4,
        pretrain_epochs=1,
        rbm_batch_size=100,
        rbm_init_scale=0.1,
    )
    reports = []
    model.pretrain(small_digits.x_train, 32, reports.append, lambda: False)
    assert {r["steps"] for r in reports} == {6}  # 512 images in batches of 100, not of 32
