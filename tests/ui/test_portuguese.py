"""Issue 30: a Portuguese session from page to page and in its downloads, read for what a
catalog test cannot see: an internal id shown as a word ("sparse", "mnist", "code_dim"), an
English sentence, a broken form ("ruído mascaramento"), a decimal point, or ", " between
numbers written with a decimal comma. Beside the catalog tests of tests/ui/test_i18n.py (same
rendering, every page) and tests/ui/test_messages.py (the glossary)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from datetime import date

import pytest

from core.models import MODELS
from core.takehome import export, run_report
from tests.conftest import session_run
from tests.ui.screen_text import PAGES, english_on_screen, render
from ui.i18n import catalog, translate
from ui.kit.spreadsheets import csv_bytes

IDS = (
    *[v for v in MODELS if v not in ("denoising", "vae")],  # both are the chapter's words
    "mnist",
    "fashion-mnist",
    "kmnist",
    "digits",
    "code_dim",
    "l1_weight",
    "hidden_dim",
    "hidden_sizes",
    "lr_schedule",
    "batch_size",
    "contractive_weight",
    "noise_level",
)
INTERNAL_ID = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, IDS)) + r")(?![\w])")
BROKEN = {
    "a bare noise adjective": re.compile(r"ruído (?:mascaramento|gaussiana)"),
    "', ' between decimal-comma numbers": re.compile(r"\d,\d+, (?:[^\W\d]+ ){0,3}-?\d+(?:,\d)?"),
    "a decimal point": re.compile(r"(?<![\w.,])\d+\.\d{1,2}(?![\w.])"),
}


def problems(texts: list[str]) -> list[str]:
    found = english_on_screen(texts)
    for text in dict.fromkeys(texts):
        if text.lstrip().startswith("<style"):
            continue
        found += [f"an internal id {m!r} in {text[:160]!r}" for m in INTERNAL_ID.findall(text)]
        found += [f"{what}: {text[:160]!r}" for what, form in BROKEN.items() if form.search(text)]
    return found


def pt_name(variant: str) -> str:
    return f"{translate('pt', f'variants.{variant}.run_name')}-1"


@pytest.fixture(scope="module")
def runs(small_digits):
    """Finished runs, named as a Portuguese session names them ("padrão-1", not "standard-1")."""
    made = {}
    for variant in ("standard", "sparse"):
        run = session_run(variant, small_digits, timeout=120)
        # the app's own data set (the fixture's test-only "digits-small" has no name to show)
        made[variant] = dataclasses.replace(
            run, name=pt_name(variant), dataset=dataclasses.replace(run.dataset, name="digits")
        )
    return made


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    monkeypatch.setenv("AE_ZOO_DIR", str(tmp_path))  # this session's runs, not the examples


@pytest.mark.parametrize("page", [p for p in PAGES if "class" not in p])
def test_every_page_in_portuguese_with_finished_runs(page, runs):
    """Train with a finished run, Compare with two, every other page with the active run."""
    session = {"runs": dict(runs), "active_run": "sparse"}
    if page == "pages/train.py":
        session["train_variant"] = "sparse"
    at = render(page, "pt", session)
    assert not at.exception, at.exception
    found = problems(at.texts)
    assert not found, f"{page} in Portuguese:\n" + "\n".join(dict.fromkeys(found))


def _script_words(variant: str, dataset: str) -> dict[str, str]:
    """What ui.takehome.downloads passes core for a Portuguese session."""
    pt = catalog("pt")
    words = {
        k.removeprefix("export.script_"): v for k, v in pt.items() if k.startswith("export.script_")
    }
    return {
        **words,
        "variant_name": pt[f"variants.{variant}.name"],
        "dataset_name": pt[f"datasets.named_{dataset}"],
    }


def test_the_downloads_in_portuguese(tmp_path, runs, small_digits):
    record = {
        "name": pt_name("sparse"),
        "variant": "sparse",
        "dataset": "mnist",
        "hyperparameters": {},
        "train_config": {"epochs": 1},
    }
    source = export.script(record, _script_words("sparse", "mnist"), date(2026, 5, 1))
    head = re.sub(r"\s+", " ", source.split('"""')[1])  # the docstring, unwrapped
    assert "01/05/2026" in head and "Explorador de autoencoders" in head
    path = tmp_path / export.file_name(record)
    path.write_text(source, encoding="utf-8")
    shown = subprocess.run(
        [sys.executable, str(path), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert shown.startswith("uso:")
    labels = {
        k.removeprefix("export.report_"): v
        for k, v in catalog("pt").items()
        if k.startswith("export.report_")
    }
    labels.update(
        {k.removeprefix("params."): v for k, v in catalog("pt").items() if k.startswith("params.")}
    )  # as ui.takehome.downloads.report_labels
    labels.update(
        {
            "dataset_digits": translate("pt", "datasets.short_digits"),
            "variant_sparse": translate("pt", "variants.sparse.title"),
        }
    )
    page = run_report.report_html(
        {**record, "dataset": "digits"},
        runs["sparse"].model,
        small_digits.x_test[:4],
        labels,
        "pt",
        date(2026, 5, 1),
    )
    page_text = re.sub(
        r"<svg.*?</svg>|<[^>]+>|data:image/png;base64,\S+", "\n", page.decode("utf-8")
    )
    import pandas as pd

    table = pd.DataFrame(
        {
            translate("pt", "compare.col_dataset"): ["MNIST"],
            translate("pt", "compare.col_sse"): [28.04],
        }
    )
    sheet = csv_bytes(table, "pt").decode("utf-8-sig")
    assert ";" in sheet.splitlines()[0] and "28,04" in sheet
    texts = [head, *shown.split("\n\n"), *page_text.split("\n")]
    found = [p for p in problems(texts) if "train_" not in p]  # the script's file name
    assert not found, "\n".join(found)


def test_the_checks_catch_what_issue_30_found():
    assert problems(["Desafio: erro com ruído mascaramento no nível 0,1"])
    assert problems(["Autoencoder Esparso em mnist: execução sparse-1"])
    assert problems(["perda total 182,4, reconstrução 180,2"])
    assert problems(["um dos níveis 0.1, 0.2"])
    assert problems(["Tamanho do código: code_dim = 32"])
    assert not problems(["perda total 182,4; reconstrução 180,2 (esparso-1, MNIST)"])
