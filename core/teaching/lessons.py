"""The chapter's claims, one lesson each, as pure functions: runs in, numbers and a verdict out.

A lesson names the runs its experiment compares (by their names in the pretrained zoo, so it is
shown at once; "train it yourself" retrains the same settings) and measures the claim on the
test set. The verdict says whether the claim holds for these runs and, when it does not, the
likely reasons found in the runs' own settings (too few epochs, no pressure on the code, the
small bundled digits). The words live in the app's catalogs; this module returns codes and
numbers only.

Long because: one short lesson per variant (eight), side by side so their claims read alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from core.models import Autoencoder
from core.science import analysis
from core.science.classifier import load_classifier, predict
from core.teaching.zoo import CLASSIFIER, zoo_dir

TEST_IMAGES = 2000  # enough for stable means; a verdict takes about a second per run on a CPU
JACOBIAN_IMAGES = 300
# contraction ratios: perturbations of these lengths in pixel space (a test digit's own length
# is about 9), over this many images; the verdict reads the ratio at RATIO_RADIUS
RADII = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
RATIO_RADIUS = 1.0
RATIO_IMAGES = 500
NOISE = (("gaussian", 0.3), ("masking", 0.3), ("salt_pepper", 0.2))
SAMPLES = 500


@dataclass
class LessonRun:
    """What a lesson needs of a run: its model, its test images and its settings."""

    model: Autoencoder
    x_test: torch.Tensor  # (N, 1, 28, 28)
    x_train: torch.Tensor  # (M, 1, 28, 28), for the linear baseline
    description: dict[str, Any] = field(default_factory=dict)  # run.json: variant, settings
    dataset: str = "mnist"


# How a verdict's number reads: its unit and the digits after the decimal point. SHARE is a
# fraction shown as a percentage; COUNT a whole number (weights, code units); VALUE anything
# else (errors, norms, ratios).
SHARE, COUNT, VALUE = "share", "count", "value"
DEFAULT_FORMAT = (VALUE, 2)


@dataclass
class Verdict:
    holds: bool
    numbers: dict[str, float]  # what the UI shows, by name
    reasons: list[str] = field(default_factory=list)  # codes: why the claim may not hold
    curves: dict[str, list[float]] = field(default_factory=dict)  # a chart's series, by name
    formats: dict[str, tuple[str, int]] = field(default_factory=dict)  # name: (unit, digits)

    def format_of(self, name: str) -> tuple[str, int]:
        """(unit, digits) of numbers[name]: its own, else a value with two digits."""
        return self.formats.get(name, DEFAULT_FORMAT)


@dataclass(frozen=True)
class Lesson:
    id: str
    roles: tuple[str, ...]  # the zoo runs compared: the subject first, then references
    measure: Callable[[dict[str, LessonRun]], Verdict]
    page: str  # the app page that shows the proof in full


def _x(run: LessonRun) -> torch.Tensor:
    return run.x_test[:TEST_IMAGES]


def _sse(run: LessonRun) -> float:
    return float(analysis.per_image_errors(run.model, _x(run)).mean())


def standard(runs: dict[str, LessonRun]) -> Verdict:
    """A one-hidden-layer autoencoder learns a code that rebuilds digits at least as well as
    PCA, the best linear code of the same size."""
    run = runs["standard-mse"]
    pca = analysis.pca_errors(run.x_train, _x(run), run.model.code_dim)["sse_per_image"]
    sse = _sse(run)
    return Verdict(
        sse <= pca,
        {"sse": sse, "pca": pca, "code_dim": run.model.code_dim},
        formats={"code_dim": (COUNT, 0)},
    )


def multilayer(runs: dict[str, LessonRun]) -> Verdict:
    """Hidden layers around the code lower the error at the same code size."""
    deep, shallow = _sse(runs["multilayer"]), _sse(runs["standard"])
    return Verdict(deep < shallow, {"sse": deep, "reference": shallow})


def convolutional(runs: dict[str, LessonRun]) -> Verdict:
    """Shared filters rebuild images better than dense layers, with fewer weights."""
    conv, dense = runs["convolutional"], runs["multilayer"]
    numbers = {
        "sse": _sse(conv),
        "reference": _sse(dense),
        "parameters": conv.model.parameter_count(),
        "reference_parameters": dense.model.parameter_count(),
    }
    holds = (
        numbers["sse"] < numbers["reference"]
        and numbers["parameters"] < numbers["reference_parameters"]
    )
    return Verdict(
        holds, numbers, formats={"parameters": (COUNT, 0), "reference_parameters": (COUNT, 0)}
    )


MAX_DEAD_SHARE = 0.10  # a sparse code's units fire rarely; at most this share never fires


def sparse(runs: dict[str, LessonRun]) -> Verdict:
    """An L1 penalty on the code makes it sparser than the code of a standard autoencoder
    with as many code units (a wider ReLU code is sparser on its own: like with like). Judged on
    the live units (analysis.dead_units): a unit that never fires makes the code smaller, not
    sparser, so the claim also needs few dead units (at most MAX_DEAD_SHARE of them)."""
    stats = {
        name: analysis.code_statistics(analysis.encode_all(run.model, _x(run)))
        for name, run in runs.items()
    }
    mine, other = stats["sparse"], stats["standard-64"]
    units, reference_units = (runs[name].model.code_dim for name in ("sparse", "standard-64"))
    few_dead = mine["dead_units"] <= MAX_DEAD_SHARE * units
    holds = (
        mine["live_near_zero_share"] > other["live_near_zero_share"]
        and few_dead
        and reference_units == units
    )
    numbers = {
        "share": mine["live_near_zero_share"],
        "reference": other["live_near_zero_share"],
        "share_all": mine["near_zero_share"],
        "reference_all": other["near_zero_share"],
        "dead": mine["dead_units"],
        "reference_dead": other["dead_units"],
        "units": units,
        "reference_units": reference_units,
    }
    shares, counts = (
        ("share", "reference", "share_all", "reference_all"),
        ("dead", "reference_dead", "units", "reference_units"),
    )
    return Verdict(
        holds,
        numbers,
        reasons=[] if few_dead else ["dead_units"],
        formats={**{k: (SHARE, 0) for k in shares}, **{k: (COUNT, 0) for k in counts}},
    )


def denoising(runs: dict[str, LessonRun]) -> Verdict:
    """Trained to undo corruption, the denoising autoencoder rebuilds noisy digits better than
    a standard one, for every kind of noise."""
    numbers, holds = {}, True
    for kind, level in NOISE:
        mine, other = (
            analysis.noise_curve(runs[name].model, _x(runs[name]), kind, [level])[0]
            for name in ("denoising", "standard")
        )
        numbers[kind], numbers[f"{kind}_reference"] = mine, other
        holds &= mine < other
    return Verdict(holds, numbers)


def contractive(runs: dict[str, LessonRun]) -> Verdict:
    """The contractive code changes least when the input changes a little. Compared on equal
    terms, as Rifai et al. 2011 did: every reference has the contractive run's code units (32
    sigmoid units, tied weights, the same loss), so code distances share one scale. Three
    measures, all of which must agree: the encoder's mean Jacobian norm (what the penalty
    lowers), the contraction ratio at RATIO_RADIUS (Rifai et al.'s second measure; the whole
    curve over RADII is kept for the chart), and the Jacobian norm over the code's own spread
    (scale-free: a code that merely shrinks gains nothing by it)."""
    numbers: dict[str, float] = {}
    curves: dict[str, list[float]] = {}
    for role, run in runs.items():
        name = role.split("-")[0]  # standard-sigmoid -> standard
        x = _x(run)
        norm = float(analysis.jacobian_frobenius(run.model, x[:JACOBIAN_IMAGES]).mean())
        spread = analysis.code_spread(analysis.encode_all(run.model, x))
        curves[name] = analysis.contraction_curve(run.model, x[:RATIO_IMAGES], list(RADII))
        numbers[name] = norm
        numbers[f"{name}_ratio"] = curves[name][RADII.index(RATIO_RADIUS)]
        numbers[f"{name}_relative"] = norm / max(spread, 1e-12)
    holds = all(
        min(curves, key=lambda n, s=suffix: numbers[n + s]) == "contractive"
        for suffix in ("", "_ratio", "_relative")
    )
    return Verdict(holds, numbers, curves=curves)


def deep(runs: dict[str, LessonRun]) -> Verdict:
    """Pretraining with stacked RBMs makes the deep autoencoder trainable: fine-tuned from
    the RBMs it reaches a lower error than the same network from random weights."""
    pretrained, random = _sse(runs["deep"]), _sse(runs["deep-nopretrain"])
    return Verdict(pretrained < random, {"sse": pretrained, "reference": random})


def vae(runs: dict[str, LessonRun], classifier: torch.nn.Module | None = None) -> Verdict:
    """Draws from a VAE's prior N(0, I) decode to plausible digits; a plain autoencoder's
    decoded from N(0, I) do not. Plausible: the digit classifier is sure of them (its mean top
    probability). A Gaussian fitted to the plain autoencoder's own codes is shown too: it can
    rival the VAE (Ghosh et al. 2020), the point is the prior."""
    if classifier is None:  # the zoo this server shows ($AE_ZOO_DIR), whose runs are compared
        classifier = load_classifier(zoo_dir() / CLASSIFIER)
    generator = torch.Generator().manual_seed(0)
    numbers = {}
    variational, plain = runs["vae"], runs["standard"]
    prior = variational.model.sample_codes(SAMPLES, generator).cpu()
    numbers["vae"] = _confidence(classifier, analysis.decode_all(variational.model, prior))
    normal = torch.randn(SAMPLES, plain.model.code_dim, generator=generator)
    numbers["plain_prior"] = _confidence(classifier, analysis.decode_all(plain.model, normal))
    codes = analysis.encode_all(plain.model, _x(plain))
    fitted = analysis.sample_codes(plain.model, codes, SAMPLES, generator)
    numbers["plain_fitted"] = _confidence(classifier, analysis.decode_all(plain.model, fitted))
    return Verdict(
        numbers["vae"] > numbers["plain_prior"],
        numbers,
        formats={name: (SHARE, 0) for name in numbers},
    )  # mean top probabilities


def _confidence(classifier: torch.nn.Module, images: torch.Tensor) -> float:
    return float(predict(classifier, images).max(dim=1).values.mean())


LESSONS: dict[str, Lesson] = {
    lesson.id: lesson
    for lesson in (
        # the chapter's standard autoencoder: Adam on the mean squared error
        Lesson("standard", ("standard-mse",), standard, "reconstructions"),
        Lesson("multilayer", ("multilayer", "standard"), multilayer, "reconstructions"),
        Lesson("convolutional", ("convolutional", "multilayer"), convolutional, "reconstructions"),
        # the reference has the sparse run's code width (64): only the penalty differs
        Lesson("sparse", ("sparse", "standard-64"), sparse, "sparsity"),
        Lesson("denoising", ("denoising", "standard"), denoising, "noise"),
        # references with the contractive run's own code units (see contractive())
        Lesson(
            "contractive",
            ("contractive", "standard-sigmoid", "sparse-sigmoid", "denoising-sigmoid"),
            contractive,
            "compare",
        ),
        Lesson("deep", ("deep", "deep-nopretrain"), deep, "reconstructions"),
        Lesson("vae", ("vae", "standard"), vae, "generate"),
    )
}

# What keeps a claim from showing, read from a run's own settings: the setting, and the values
# at which the variant is no different from a standard autoencoder.
NO_PRESSURE = {
    "sparse": ("l1_weight", 0.0),
    "denoising": ("noise_level", 0.0),
    "contractive": ("contractive_weight", 0.0),
    "deep": ("pretrain", False),
    "vae": ("beta", 0.0),
}
FEW_EPOCHS = 3


def reasons(runs: dict[str, LessonRun], subject: str | None = None) -> list[str]:
    """Codes for what in these runs may keep a claim from showing. Only the subject (the
    lesson's first run, when named) is faulted for having no pressure on its code: a
    reference may lack it by design (the deep lesson's run without pretraining)."""
    found = []
    for role, run in runs.items():
        variant = run.description.get("variant", run.model.name)
        setting = NO_PRESSURE.get(variant) if subject in (None, role) else None
        if setting and run.description.get("hyperparameters", {}).get(setting[0]) == setting[1]:
            found.append(f"no_pressure:{variant}")
        if run.description.get("train_config", {}).get("epochs", FEW_EPOCHS) < FEW_EPOCHS:
            found.append("few_epochs")
        if run.dataset != "mnist":
            found.append("small_dataset")
    return sorted(set(found))


def verdict(lesson_id: str, runs: dict[str, LessonRun]) -> Verdict:
    """Measure a lesson's claim on `runs` (keyed by the lesson's roles)."""
    lesson = LESSONS[lesson_id]
    missing = [role for role in lesson.roles if role not in runs]
    if missing:
        raise ValueError(f"Lesson {lesson_id!r} needs the runs {', '.join(missing)}.")
    result = lesson.measure({role: runs[role] for role in lesson.roles})
    if not result.holds:
        found = reasons({role: runs[role] for role in lesson.roles}, lesson.roles[0])
        result.reasons = sorted(set(result.reasons) | set(found))  # the lesson's own too
    return result
