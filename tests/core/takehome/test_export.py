"""Take a run home: the exported script is the app's algorithm in plain PyTorch. For every
variant, the script runs on a small MNIST subset (in one subprocess that cannot import the
project) and must train (its loss falls) and end at the test error core.training.train reaches
with the same settings on the same subset."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys

import pytest

from core.data.registry import Dataset
from core.models import MODELS, build_seeded
from core.takehome import export
from core.training.loop import TrainConfig, train
from tests.conftest import ROOT
from ui.i18n import catalog

TRAIN_IMAGES, TEST_IMAGES = 2000, 500
# One epoch in batches of 64: 29 steps, enough for every variant's loss to fall clearly.
SETTINGS = {"epochs": 1, "batch_size": 64, "device": "cpu", "precision": "float32"}
# The variants' defaults, but a smaller RBM stack (pretraining, unrolling and a linear code
# layer all still run): the paper's 784-1000-500-250-30 took most of the test's time.
HYPERPARAMETERS = {"deep": {"hidden_sizes": (256, 64)}}
# The script repeats core's algorithm step for step: the same layer order (so the seed gives
# the same initial weights), the same validation split, batch order and noise draws from one
# generator seeded alike. On one machine both reach the same test error to 4 decimals
# (measured: all eight variants equal). The 1% allows what may differ elsewhere: summation
# order in a BLAS or oneDNN kernel on another CPU; a different algorithm or default (a penalty
# weight, a noise level, a missing bias start) moves one epoch's error by more than that.
TOLERANCE = 0.01

RUNNER = """
import runpy, sys
data, paths = sys.argv[1], sys.argv[2:]
for path in paths:
    print("### " + path, flush=True)
    sys.argv = [path, "--data", data, "--train-images", "{train}", "--test-images", "{test}"]
    runpy.run_path(path, run_name="__main__")
project = [m for m in sys.modules if m.split(".")[0] in ("core", "ui", "bench", "tests")]
print("### project modules: " + ",".join(project))
"""


def texts(language: str) -> dict[str, str]:
    """The script's comments and help texts as the app passes them."""
    return {
        key.removeprefix("export.script_"): text
        for key, text in catalog(language).items()
        if key.startswith("export.script_")
    }


def run_record(variant: str, dataset: str = "mnist", **hyperparameters) -> dict:
    return {
        "name": f"{variant}-1",
        "variant": variant,
        "hyperparameters": hyperparameters,
        "train_config": dict(SETTINGS),
        "dataset": dataset,
    }


def parse(output: str) -> dict[str, dict[str, float]]:
    """Per script: its first step's loss, its epoch's mean loss, its test error."""
    results = {}
    for block in output.split("### ")[1:]:
        name, _, body = block.partition("\n")
        numbers = {
            key: float(value)
            for key, value in re.findall(r"^(step 1|epoch 1/1): loss=([\d.]+)", body, re.M)
        }
        test = re.search(r"^test_sse_per_image=([\d.]+)", body, re.M)
        results[name] = {**numbers, "test": float(test.group(1)) if test else float("nan")}
    return results


def test_every_variant_trains_like_the_app(tmp_path, mnist, mnist_dir):
    paths = []
    for variant in MODELS:
        path = tmp_path / f"{variant}.py"
        record = run_record(variant, **HYPERPARAMETERS.get(variant, {}))
        path.write_text(export.script(record, texts("en")), encoding="utf-8")
        paths.append(str(path))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # no way to the project
    env.update(OMP_NUM_THREADS="1")
    script = RUNNER.format(train=TRAIN_IMAGES, test=TEST_IMAGES)
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(mnist_dir / "mnist"), *paths],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    subset = Dataset(
        "mnist",
        mnist.x_train[:TRAIN_IMAGES],
        mnist.x_test[:TEST_IMAGES],
        mnist.y_train[:TRAIN_IMAGES],
        mnist.y_test[:TEST_IMAGES],
        mnist.classes,
    )
    expected = {}
    for variant in MODELS:  # core's trainer meanwhile, on the same subset and settings
        model = build_seeded(variant, HYPERPARAMETERS.get(variant, {}), 0)
        snapshot = train(model, subset, TrainConfig.from_dict(SETTINGS))
        expected[variant] = snapshot.test_metrics["test_sse_per_image"]
    output, errors = process.communicate(timeout=600)
    assert process.returncode == 0, errors[-3000:]
    assert output.rstrip().endswith("### project modules:"), "a script imported the project"
    results = parse(output)
    for variant, path in zip(MODELS, paths, strict=True):
        got = results[path]
        assert got["epoch 1/1"] < got["step 1"], f"{variant}: the loss did not fall: {got}"
        assert got["test"] == pytest.approx(expected[variant], rel=TOLERANCE), variant


@pytest.mark.parametrize("language", ["en", "pt"])
def test_scripts_are_short_plain_pytorch_in_the_session_language(language):
    for variant in MODELS:
        for dataset in ("mnist", "digits", "upload:my-digits"):
            source = export.script(run_record(variant, dataset), texts(language))
            tree = ast.parse(source)  # valid Python
            imported = {
                alias.name.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            } | {
                node.module.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
            }
            assert imported <= {
                "argparse",
                "gzip",
                "math",
                "struct",
                "pathlib",
                "numpy",
                "torch",
                "torchvision",
                "sklearn",
            }, imported
            # 280 before --help was translated (add_help=False, a formatter for "usage:")
            assert len(source.splitlines()) <= 290, (variant, len(source.splitlines()))
            assert max(len(line) for line in source.splitlines()) <= 100
    hidden = export.script(run_record("contractive", hidden_dim=64, tied=False), texts(language))
    assert "jacrev" in hidden and "jacrev" not in export.script(
        run_record("contractive"), texts(language)
    )
    sparse = export.script(run_record("sparse"), texts(language))
    assert ("# Penalidade L1" in sparse) == (language == "pt")


def test_settings_are_the_runs_and_checked():
    source = export.script(run_record("sparse", l1_weight=0.75, code_dim=48), texts("en"))
    assert '"l1_weight": 0.75,' in source and '"code_dim": 48,' in source
    assert '"batch_size": 64,' in source
    deep = export.script(run_record("deep", hidden_sizes=[64, 32]), texts("en"))
    assert '"hidden_sizes": (64, 32),' in deep and "def contrastive_divergence" in deep
    with pytest.raises(ValueError, match="noise"):  # only values core accepts become code
        export.script(run_record("denoising", noise="os.system('x')"), texts("en"))


def test_an_uploaded_dataset_asks_for_an_npz():
    source = export.script(run_record("standard", "upload:my-digits"), texts("en"))
    assert export.data_kind("upload:my-digits") == "npz"
    assert "--data images.npz" in source and "my-digits" not in source
    assert "np.load(data, allow_pickle=False)" in source


def test_notebook_holds_the_script_as_cells():
    source = export.script(run_record("vae"), texts("en"))
    document = json.loads(export.notebook(source, texts("en")["notebook_call"]))
    assert document["nbformat"] == 4 and len(document["cells"]) >= 4
    cells = ["".join(cell["source"]) for cell in document["cells"]]
    ast.parse("\n\n".join(cells))
    assert cells[-1].startswith("model = main([])") and "__main__" not in cells[-1]


def test_downloads_hold_no_server_path_nor_owner(tmp_path, monkeypatch, small_digits):
    """A saved run's record carries its owner's id and lives under the runs folder: neither
    may reach a script or a report someone downloads."""
    from core.runs import ownership, store
    from core.takehome import run_report
    from core.training.loop import TrainConfig as Config

    runs = tmp_path / "secret-runs-folder"
    monkeypatch.setenv("AE_RUNS_DIR", str(runs))
    config = Config(epochs=1, batch_size=128, device="cpu")
    model = build_seeded("standard", {}, 0)
    snapshot = train(model, small_digits, config)
    folder, _ = ownership.save_owned_run(
        "mine",
        model,
        "owner-1234abcd",
        dataset="digits",
        train_config=config.__dict__,
        snapshot=snapshot,
    )
    loaded, description = store.load_run(folder)
    assert description["owner"] == "owner-1234abcd"
    record = {**description, "name": folder.name}
    source = export.script(record, texts("en"))
    html = run_report.report_html(
        record, loaded, small_digits.x_test[:8], report_labels("en")
    ).decode("utf-8")
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert html.count("<svg") == 2 and "data:image/png;base64," in html  # all inline
    for text in (source, html):
        assert "owner-1234abcd" not in text
        assert str(runs) not in text and "secret-runs-folder" not in text
        assert str(ROOT) not in text


def report_labels(language: str) -> dict[str, str]:
    return {
        key.removeprefix("export.report_"): text
        for key, text in catalog(language).items()
        if key.startswith("export.report_")
    }


def test_a_portuguese_script_reads_portuguese_from_its_title_to_its_help(tmp_path):
    """Issue 30, item 2: the variant's phrase, the data set's name, a dd/mm/aaaa date, the
    app's Portuguese name, and argparse's own words ("usage:", "options:", "show this help
    message and exit") translated."""
    from datetime import date

    words = {
        **texts("pt"),
        "variant_name": catalog("pt")["variants.sparse.name"],
        "dataset_name": catalog("pt")["datasets.named_fashion-mnist"],
    }
    record = {**run_record("sparse", "fashion-mnist"), "name": "esparso-1"}
    source = export.script(record, words, date(2026, 5, 1))
    title = source.splitlines()[0]
    assert title.startswith(
        '"""Execução esparso-1 do autoencoder esparso, treinada com o Fashion-MNIST'
    ), title
    assert "exportada do Explorador de autoencoders em 01/05/2026." in " ".join(
        source.split("\n\n")[0].split()
    )
    for wrong in ("fashion-mnist", "sparse", "2026-05-01", "autoencoder explorer", "Esparso"):
        assert wrong not in source.split('"""')[1], wrong
    path = tmp_path / export.file_name(record)
    path.write_text(source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    shown = subprocess.run(
        [sys.executable, str(path), "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    assert shown.startswith("uso: ") and "\nopções:\n" in shown, shown
    assert "mostra esta ajuda e sai" in shown and "--data CAMINHO" in shown
    assert "Treina a execução esparso-1 do autoencoder esparso." in shown
    for english in ("usage", "options", "show this help", "DATA", "EPOCHS"):
        assert english not in shown, english
    english = export.script(run_record("sparse"), texts("en"), date(2026, 5, 1))
    assert "on 2026-05-01." in " ".join(english.split("\n\n")[0].split())


def test_a_portuguese_report_names_the_data_set_and_dates_itself(small_digits):
    from datetime import date

    from core.takehome import run_report

    model = build_seeded("deep", {"hidden_sizes": (64, 32)}, 0)
    labels = {**report_labels("pt"), "dataset_digits": "Dígitos (scikit-learn)"}
    record = run_record("deep", "digits", hidden_sizes=(64, 32))
    page = run_report.report_html(
        record, model, small_digits.x_test[:4], labels, "pt", date(2026, 5, 1)
    ).decode("utf-8")
    assert "Dígitos (scikit-learn)" in page and ">digits<" not in page
    assert "01/05/2026" in page and "64-32" in page and "64, 32" not in page
