"""Each verdict says how its numbers read (unit and digits), so the Lessons page formats every
lesson the same way."""

from __future__ import annotations

import torch

from core.models import build_model
from core.teaching import lessons
from core.teaching.lessons import COUNT, SHARE, VALUE, LessonRun, Verdict


def _runs(*variants: str, **hyperparameters: dict) -> dict[str, LessonRun]:
    torch.manual_seed(0)
    x = torch.rand(64, 1, 28, 28)
    return {
        name: LessonRun(build_model(name, **hyperparameters.get(name, {})), x, x, {"variant": name})
        for name in variants
    }


def test_a_number_without_its_own_format_is_a_value_with_two_digits():
    verdict = Verdict(True, {"sse": 3.14159, "share": 0.5}, formats={"share": (SHARE, 0)})
    assert verdict.format_of("sse") == (VALUE, 2)
    assert verdict.format_of("share") == (SHARE, 0)


def test_sparse_shares_read_as_percentages():
    runs = _runs("sparse", "standard", standard={"code_dim": 64})
    verdict = lessons.sparse({"sparse": runs["sparse"], "standard-64": runs["standard"]})
    assert {name: verdict.format_of(name) for name in verdict.numbers} == {
        "share": (SHARE, 0),
        "reference": (SHARE, 0),
        "units": (COUNT, 0),
        "reference_units": (COUNT, 0),
        "dead": (COUNT, 0),
        "reference_dead": (COUNT, 0),
        "share_all": (SHARE, 0),
        "reference_all": (SHARE, 0),
    }


def test_weights_are_counted_and_errors_keep_two_digits():
    verdict = lessons.convolutional(_runs("convolutional", "multilayer"))
    assert (
        verdict.format_of("parameters") == verdict.format_of("reference_parameters") == (COUNT, 0)
    )
    assert verdict.format_of("sse") == verdict.format_of("reference") == (VALUE, 2)


def test_the_standard_lesson_counts_its_code_units():
    runs = _runs("standard")
    verdict = lessons.standard({"standard-mse": runs["standard"]})
    assert verdict.format_of("code_dim") == (COUNT, 0)
    assert verdict.format_of("pca") == (VALUE, 2)


def test_every_vae_number_is_a_share():
    class Sure(torch.nn.Module):  # a stand-in classifier: sure of digit 0 for every image
        def __init__(self):
            super().__init__()
            self.logits = torch.nn.Parameter(torch.tensor([20.0] + [0.0] * 9))

        def forward(self, x):
            return self.logits.detach().repeat(len(x), 1)

    verdict = lessons.vae(_runs("vae", "standard"), classifier=Sure())
    assert set(verdict.numbers) == {"vae", "plain_prior", "plain_fitted"}
    assert all(verdict.format_of(name) == (SHARE, 0) for name in verdict.numbers)
