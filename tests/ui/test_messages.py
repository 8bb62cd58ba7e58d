"""Every phase and error the training engine reports is a key with fields (core.messages), which
both catalogs translate with the same fields; a Portuguese page shows them in Portuguese. And the
shapes of wording faults a test can see: a form the glossary rejects, a placeholder given an
internal id instead of a word, a number formatted outside ui.i18n."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest
import torch

from core.jobs.spec import Job
from core.messages import ENGINE_ERRORS, PHASES, describe_phase
from core.progress import JobSnapshot
from tests.conftest import ROOT
from tests.ui.screen_text import CATALOGS, english_on_screen, fields, render
from ui.i18n import catalog, localized, translate


def _core_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("area, templates", [("phases", PHASES), ("problems", ENGINE_ERRORS)])
def test_every_engine_key_has_both_languages_with_core_s_fields(area, templates):
    en, pt = catalog("en"), catalog("pt")
    for key, template in templates.items():
        name = f"{area}.{key}"
        assert name in en and name in pt, f"{name} missing from a catalog"
        assert fields(en[name]) == fields(pt[name]), name
        # a catalog may leave a field out (a server path), never ask for one core lacks
        assert fields(en[name]) <= _core_fields(template), name


def test_phases_in_the_catalogs_are_core_s_phases():
    shown = {key.split(".", 1)[1] for key in catalog("en") if key.startswith("phases.")}
    assert shown == set(PHASES)


def test_the_command_line_reads_core_s_english():
    snapshot = JobSnapshot(
        phase="pretraining", phase_fields={"stage": 1, "stages": 4, "epoch": 2, "epochs": 5}
    )
    assert describe_phase(snapshot) == "RBM 1 of 4, epoch 2 of 5"
    assert (
        describe_phase(JobSnapshot(phase="queued", phase_fields={"ahead": 3})) == "queued: 3 ahead"
    )
    assert describe_phase(JobSnapshot(phase="an old run's own words")) == "an old run's own words"


def test_raw_numbers_in_fields_are_written_the_language_s_way():
    from ui.i18n import figure

    assert figure(8.92e16, lang="pt") == "8,92 × 10¹⁶" and figure(0.001, lang="pt") == "0,001"
    assert figure(183.0, lang="en") == "183" and figure(1234, lang="en") == "1,234"
    assert "1.234" in translate("pt", "live.queued_ahead", ahead=1234)
    assert translate("pt", "phases.training", epoch=2, epochs=10) == "treinando, época 2 de 10"


@pytest.fixture(scope="module")
def diverged(digits):
    """The VAE on the digits at learning rate 100: the loss explodes within a few steps."""
    from core.models import build_model
    from core.training.loop import TrainConfig, train

    torch.manual_seed(0)
    small = type(digits)(
        "digits-small",
        digits.x_train[:256],
        digits.x_test[:64],
        digits.y_train[:256],
        digits.y_test[:64],
        digits.classes,
        "subset",
    )
    model = build_model("vae")
    return (
        train(model, small, TrainConfig(epochs=2, lr=100.0, report_interval=0.0, batch_size=32)),
        model,
        small,
    )


def test_a_divergence_is_a_key_with_raw_numbers(diverged):
    snapshot = diverged[0]
    assert snapshot.status == "failed" and snapshot.phase == "diverged"
    assert snapshot.error_key in ("diverged_exploded", "diverged_non_finite")
    assert snapshot.error_fields["lr"] == 100.0 and snapshot.error_fields["lower_lr"] == 10.0
    assert "lower learning rate (now 100; e.g. 10)" in snapshot.error  # the CLI's English


def test_a_divergence_reads_in_portuguese(diverged):
    snapshot = diverged[0]
    text = translate(
        "pt", f"problems.{snapshot.error_key}", **localized(snapshot.error_fields, "pt")
    )
    assert "taxa de aprendizado menor (agora 100; por exemplo, 10)" in text
    assert not english_on_screen([text]), english_on_screen([text])
    assert "e+" not in text  # 8,92 × 10¹⁶, not Python's 8.92e+16


class _FakeJob(Job):
    """A job frozen in one state, as the page sees it (the rest: the Job contract's defaults)."""

    def __init__(self, snapshot: JobSnapshot) -> None:
        self._snapshot = snapshot

    def snapshot(self) -> JobSnapshot:
        return self._snapshot

    def stop(self) -> None:
        pass


def _page_with(snapshot: JobSnapshot, model, dataset, page: str = "pages/train.py"):
    from ui.runs.session import Run

    run = Run(
        id="r1",
        name="vae-1",
        variant="vae",
        dataset=dataset,
        model=model,
        train_config={},
        job=_FakeJob(snapshot),
    )
    return render(page, "pt", {"runs": {"r1": run}, "active_run": "r1", "train_variant": "vae"})


def test_the_train_page_shows_the_divergence_in_portuguese(diverged):
    snapshot, model, dataset = diverged
    at = _page_with(snapshot, model, dataset)
    assert not at.exception, at.exception
    expected = translate(
        "pt", f"problems.{snapshot.error_key}", **localized(snapshot.error_fields, "pt")
    )
    assert expected in [e.value for e in at.error]
    assert not english_on_screen(at.texts), english_on_screen(at.texts)


LIVE = {
    "queued": JobSnapshot(
        status="queued", phase="queued", phase_fields={"ahead": 2}, queue_position=2, epochs=3
    ),
    "pretraining": JobSnapshot(
        status="running",
        phase="pretraining",
        epochs=3,
        progress=0.1,
        phase_fields={"stage": 1, "stages": 4, "epoch": 2, "epochs": 5},
    ),
    "waiting_for_worker": JobSnapshot(
        status="queued", phase="waiting_for_worker", queue_position=2, epochs=3
    ),
    "training": JobSnapshot(
        status="running",
        phase="training",
        epoch=2,
        epochs=3,
        phase_fields={"epoch": 2, "epochs": 3},
        progress=0.5,
        samples_per_second=1234.5,
        elapsed=12.5,
    ),
}


@pytest.mark.parametrize("state", LIVE)
@pytest.mark.parametrize("page", ["pages/train.py", "pages/reconstructions.py"])
def test_no_english_while_a_job_is_queued_or_trains(state, page, diverged):
    _, model, dataset = diverged
    snapshot = LIVE[state]
    at = _page_with(snapshot, model, dataset, page)
    assert not at.exception, at.exception
    phase = translate("pt", f"phases.{snapshot.phase}", **localized(snapshot.phase_fields, "pt"))
    assert any(phase in text for text in at.texts), phase
    assert not english_on_screen(at.texts), english_on_screen(at.texts)


def test_a_shared_run_says_so_in_the_student_s_language(diverged):
    """Fourteen others pressed Train with the same settings: one computation, and the page
    says so (in Portuguese here)."""
    _, model, dataset = diverged
    snapshot = JobSnapshot(
        status="running",
        phase="training",
        epoch=1,
        epochs=3,
        phase_fields={"epoch": 1, "epochs": 3},
        progress=0.2,
        shared_with=14,
    )
    at = _page_with(snapshot, model, dataset)
    assert not at.exception, at.exception
    assert translate("pt", "live.shared", others="14") in [i.value for i in at.info]
    assert not english_on_screen(at.texts), english_on_screen(at.texts)


# ---------------------------------------------------------------- wording a test can see


def _rejected_forms() -> list[dict[str, str]]:
    """The glossary's list of rejected forms (a JSON block under "Rejected forms")."""
    text = (CATALOGS / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"## Rejected forms.*?```json\n(.*?)```", text, re.S)
    assert block, "glossary.md has no JSON list of rejected forms"
    return json.loads(block.group(1))


def test_the_glossary_s_rejected_forms_are_caught():
    rules = _rejected_forms()
    caught = [
        text
        for text in (
            "o Jacobiano do codificador",
            "Perda no treino",
            "lotes de 100",
            "um modelo treinado à mão",
            "imagem(ns)",
        )
        if any(re.search(rule["rejected"], text) for rule in rules)
    ]
    assert len(caught) == 5, caught
    assert not any(re.search(rule["rejected"], "imagens do conjunto de treino") for rule in rules)


def test_portuguese_uses_the_glossary_s_words():
    rules = _rejected_forms()
    found = [
        f"{key}: {match.group(0)!r} (use {rule['use']})"
        for key, text in catalog("pt").items()
        for rule in rules  # not in {fields}
        for match in re.finditer(rule["rejected"], re.sub(r"\{\w+\}", "", text))
    ]
    assert not found, "\n".join(found)


# fields that take a word or a phrase: given a raw value (an id such as "sparse" or "masking"),
# the sentence shows the id or breaks its agreement ("ruído mascaramento")
WORD_FIELDS = {"variant", "kind", "noise", "status", "phase", "device", "source"}
RECASED = {"lower", "upper", "capitalize", "title"}  # "variacional (vae)": a name recased
SOURCES = sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py")])


def _words_from_ids(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    translated = {
        node.targets[0].id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Call)
    }
    wrong = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "t"):
            continue
        for keyword in node.keywords:
            value = keyword.value
            ok = isinstance(value, ast.Call | ast.IfExp) or (
                isinstance(value, ast.Name) and value.id in translated
            )
            recased = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr in RECASED
            )
            if (keyword.arg in WORD_FIELDS and not ok) or recased:
                wrong.append(
                    f"{path.relative_to(ROOT)}:{node.lineno} {keyword.arg}={ast.unparse(value)}"
                )
    return wrong


def test_placeholders_that_take_a_word_are_given_a_translated_one():
    wrong = [problem for path in SOURCES for problem in _words_from_ids(path)]
    assert not wrong, "a raw value where a translated word belongs:\n" + "\n".join(wrong)


# {value:.1f}, {value:g}, {count:,}: Python's English way of writing numbers
FORMAT_SPEC = re.compile(r"(?<!=\")\{[^{}:\"']+:[,.]?\d*[,.]?\d*[efg%,]\}")


def test_pages_write_numbers_through_number():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SOURCES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORMAT_SPEC.search(line)
    ]
    assert not found, "format numbers with ui.i18n.number():\n" + "\n".join(found)
