"""The zoo in assets/: every run is there, loads as float32 and reconstructs MNIST; the
classifier classifies; MNIST itself loads from assets/ on a machine without a data folder; and
the zoo command builds a loadable run (on a tiny configuration)."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from core.assets import ASSETS_DIR
from core.data.idx import find_idx_folder
from core.data.loading import load_dataset, locate
from core.runs import store
from core.science.analysis import decoded_plane, encode_all, reconstruction_errors
from core.science.classifier import accuracy_of, load_classifier, predict
from core.science.separation import confident_share, neighbour_accuracy
from core.teaching.zoo import CLASSIFIER, ZOO, ZOO_DIR, ZOO_NAMES, build_zoo, list_zoo, load_zoo_run

# Test SSE per image on the first 2,000 MNIST test images: about 1.3 times what the shipped runs
# reach there (standard 8.2, standard-mse 8.4, multilayer 4.4, convolutional 4.3, sparse 7.3,
# denoising 17.6, contractive 22.1, deep 4.4, vae 18.9, standard-2d 42.8, vae-2d 30.5;
# assets/README.md), and all below predicting the mean training image for every test image
# (50.2); the deep run without pretraining (32.4) is the deep lesson's bad example.
SIGMOID_BOUND = 29.0  # the contractive lesson's references: like contractive's own bound
DEEP_2D_BOUND = 36.0
SSE_BOUNDS = {
    "standard": 11.0,
    "standard-mse": 11.0,
    "standard-64": 11.0,
    "multilayer": 6.0,
    "convolutional": 6.0,
    "sparse": 9.5,
    "denoising": 23.0,
    "contractive": 29.0,
    "deep": 6.0,
    "deep-nopretrain": 36.0,
    "vae": 24.5,
    "standard-2d": 48.0,
    "vae-2d": 42.0,
    "standard-sigmoid": SIGMOID_BOUND,
    "sparse-sigmoid": SIGMOID_BOUND,
    "denoising-sigmoid": SIGMOID_BOUND,
    "deep-2d": DEEP_2D_BOUND,
}
TEST_IMAGES = 2000
# the Latent page's first picture must separate the digits: 5-NN accuracy of its 2-D codes on
# the first 5,000 test images (PCA of their pixels: 0.41; the shipped deep-2d: see
# assets/README.md)
LATENT_ACCURACY = 0.80  # the shipped deep-2d: 0.802 (the target the Latent page was made for)
PLANE_RUN = "deep-2d"  # the 2-D manifold the Generate and Latent pages open on
PLANE_SHARE = 0.8  # the shipped deep-2d: 0.835 (20 x 20); vae-2d: 0.32


@pytest.fixture(scope="module")
def mnist_test():
    dataset = load_dataset("mnist", download=False)
    return dataset.x_test[:TEST_IMAGES], dataset.y_test[:TEST_IMAGES]


def test_every_entry_has_a_bound():
    assert set(SSE_BOUNDS) == set(ZOO_NAMES) and len(ZOO_NAMES) == len(set(ZOO_NAMES))
    assert {entry.variant for entry in ZOO} >= {
        "standard",
        "multilayer",
        "convolutional",
        "sparse",
        "denoising",
        "contractive",
        "deep",
        "vae",
    }


@pytest.mark.parametrize("entry", ZOO, ids=lambda entry: entry.name)
def test_zoo_run_loads_as_float32_and_reconstructs(entry, mnist_test):
    folder = ZOO_DIR / entry.name
    assert (folder / "run.json").is_file() and (folder / "model.safetensors").is_file()
    model, description = load_zoo_run(entry.name)
    assert description["variant"] == entry.variant and description["dataset"] == "mnist"
    assert all(p.dtype == torch.float32 for p in model.parameters())
    zoo = description["zoo"]
    assert zoo["seed"] == description["train_config"]["seed"]
    assert zoo["epochs"] == entry.epochs == description["train_config"]["epochs"]
    assert {"cpu", "torch", "torch_threads"} <= set(zoo["machine"])
    with safe_open(str(folder / "model.safetensors"), "pt") as weights:  # stored as recorded
        dtypes = {weights.get_slice(key).get_dtype() for key in weights.keys()}  # noqa: SIM118
    assert dtypes == {"F16" if zoo["weights"] == "float16" else "F32"}
    if zoo["weights"] == "float16":  # the float16 check held: within 1% of float32
        full, rounded = zoo["test_sse_per_image"], zoo["test_sse_per_image_float16"]
        assert abs(rounded - full) <= 0.01 * full
    sse = reconstruction_errors(model, mnist_test[0])["sse_per_image"]
    assert sse < SSE_BOUNDS[entry.name]


def test_list_zoo_reads_every_run_in_order():
    runs = list_zoo()
    assert [run["name"] for run in runs] == ZOO_NAMES
    assert all("zoo" in run and run["path"] == ZOO_DIR / run["name"] for run in runs)


def test_unknown_zoo_run_names_the_known_ones():
    with pytest.raises(ValueError, match="standard"):
        load_zoo_run("../../etc")


def test_classifier_is_accurate(mnist_test):
    model = load_classifier(ZOO_DIR / CLASSIFIER)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    x, y = mnist_test
    probabilities = predict(model, x[:5])
    assert probabilities.shape == (5, 10)
    assert torch.allclose(probabilities.sum(1), torch.ones(5), atol=1e-5)
    assert accuracy_of(model, x, y) >= 0.97
    info = json.loads((ZOO_DIR / CLASSIFIER / "classifier.json").read_text())
    assert info["metrics"]["test_accuracy"] >= 0.97


def test_mnist_loads_from_assets_without_a_data_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AE_OFFLINE", "1")
    monkeypatch.delenv("AE_NO_BUNDLED_DATA", raising=False)
    dataset = load_dataset("mnist")
    assert (len(dataset.x_train), len(dataset.x_test)) == (60000, 10000)
    assert dataset.y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert "bundled" in dataset.source and str(ASSETS_DIR) not in dataset.source
    assert "bundled" in locate("mnist")
    monkeypatch.setenv("AE_NO_BUNDLED_DATA", "1")  # the switch the lookup tests use
    assert find_idx_folder("mnist") is None
    with pytest.raises(FileNotFoundError, match="mnist"):
        load_dataset("mnist")


def test_half_precision_save_round_trips(tmp_path, digits):
    model, _ = load_zoo_run("standard")
    store.save_run(tmp_path / "full", model, dataset="mnist")
    store.save_run(tmp_path / "half", model, dataset="mnist", half=True)
    sizes = {
        name: (tmp_path / name / "model.safetensors").stat().st_size for name in ("full", "half")
    }
    assert sizes["half"] < 0.6 * sizes["full"]
    loaded, _ = store.load_run(tmp_path / "half")
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    x = digits.x_test[:64]
    assert torch.allclose(loaded(x), model(x), atol=1e-2)


def test_build_zoo_writes_a_loadable_run(tmp_path, small_digits):
    lines = []
    rows = build_zoo(
        tmp_path, only=["standard-2d"], progress=lines.append, dataset=small_digits, epochs=1
    )
    assert [row["name"] for row in rows] == ["standard-2d"]
    model, description = store.load_run(tmp_path / "standard-2d")
    assert model.code_dim == 2 and description["zoo"]["command"] == "python -m core zoo"
    assert description["train_config"]["epochs"] == 1
    assert any("epoch 1/1" in line for line in lines) and any("saved" in line for line in lines)
    assert [run["name"] for run in list_zoo(tmp_path)] == ["standard-2d"]
    with pytest.raises(ValueError, match="Unknown zoo entries nope"):
        build_zoo(tmp_path, only=["nope"], dataset=small_digits)


def test_zoo_command_builds_runs_and_the_classifier(tmp_path, capsys):
    from core.__main__ import main

    code = main(
        [
            "zoo",
            "--only",
            "denoising",
            "classifier",
            "--dataset",
            "digits",
            "--epochs",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    out = capsys.readouterr()
    assert "denoising" in out.out and "classifier" in out.out and "epoch 1/1" in out.err
    assert store.load_run(tmp_path / "denoising")[1]["dataset"] == "digits"
    classifier = load_classifier(tmp_path / "classifier")
    assert predict(classifier, torch.zeros(3, 1, 28, 28)).shape == (3, 10)


# ---------------------------------------------------------------- the pictures the pages open on

MAP_IMAGES = 5000


@pytest.fixture(scope="module")
def mnist_map():
    dataset = load_dataset("mnist", download=False)
    return dataset.x_test[:MAP_IMAGES], dataset.y_test[:MAP_IMAGES]


def test_the_latent_example_separates_the_digits_where_pca_mixes_them(mnist_map):
    """The Latent space page opens on deep-2d: its 2-D codes keep the digits apart (5-NN
    accuracy, 5-fold, on 5,000 test images) where PCA of the same pixels mixes them, as in
    Hinton & Salakhutdinov 2006, figure 3."""
    from core.science.projection import pca_2d

    x, y = mnist_map
    model, description = load_zoo_run("deep-2d")
    assert description["hyperparameters"]["code_dim"] == 2 and model.has_pretraining
    codes = encode_all(model, x)
    assert neighbour_accuracy(codes, y) >= LATENT_ACCURACY
    assert neighbour_accuracy(torch.as_tensor(pca_2d(x.flatten(1))), y) < 0.5


def test_the_generate_plane_shows_a_digit_in_most_cells():
    """The 2-D manifold the Generate page opens on (deep-2d's plane, 20 x 20): most cells are
    digits the classifier is sure of."""
    model, _ = load_zoo_run(PLANE_RUN)
    dataset = load_dataset("mnist", download=False)
    plane = decoded_plane(model, encode_all(model, dataset.x_test), size=20)
    classifier = load_classifier(ZOO_DIR / CLASSIFIER)
    assert confident_share(classifier, plane["images"], 0.9) >= PLANE_SHARE


def test_neighbour_accuracy_is_scikit_learn_s_cross_validated_knn():
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 4, (600,), generator=generator)
    points = torch.randn(600, 2, generator=generator) + labels[:, None] * 0.8
    expected = cross_val_score(
        KNeighborsClassifier(5), points.numpy(), labels.numpy(), cv=KFold(5)
    ).mean()
    assert neighbour_accuracy(points, labels) == pytest.approx(expected, abs=1e-9)
    assert neighbour_accuracy(labels[:, None].float(), labels) == 1.0


def test_trustworthiness_is_scikit_learn_s():
    import numpy as np
    from sklearn.manifold import trustworthiness as reference

    from core.science.embedding import trustworthiness

    rng = np.random.default_rng(0)
    high = rng.standard_normal((700, 8))
    high[:350] += 3
    low = high[:, :2] + rng.standard_normal((700, 2))
    assert trustworthiness(high, low, block=128) == pytest.approx(reference(high, low), abs=1e-9)
    assert trustworthiness(high, high[:, [1, 0]].repeat(4, 1)[:, :8]) <= 1.0
    assert trustworthiness(high[:, :2], high[:, :2]) == pytest.approx(1.0)


def test_the_sparse_example_s_units_fire_rarely_and_few_never_fire(mnist_test):
    """Issue 31: with the L1 penalty warmed up over the first quarter of the run, at most 10%
    of the 64 code units are dead (never above 5% of the largest activation on the first 2,000
    test images; 33 were before), and the live units are near zero at least 0.30 more often
    than standard-64's (0.59 against 0.03 when built)."""
    from core.science import analysis

    x = mnist_test[0]
    stats = {}
    for name in ("sparse", "standard-64"):
        model, _ = load_zoo_run(name)
        stats[name] = analysis.code_statistics(analysis.encode_all(model, x))
    assert stats["sparse"]["dead_units"] <= 6
    assert (
        stats["sparse"]["live_near_zero_share"]
        >= stats["standard-64"]["live_near_zero_share"] + 0.30
    )


def test_the_vae_example_s_prior_draws_read_as_digits(mnist_test):
    """Issue 31: at least 0.65 of 2,000 draws from N(0, I) decoded by the 16-D VAE example read
    as one digit with confidence above 0.9 (0.66 when built; 0.39 with one hidden layer; real
    test digits 0.95); the 2-D example, reported in assets/README.md, 0.69."""
    from core.science import analysis, latents

    classifier = load_classifier(ZOO_DIR / CLASSIFIER)
    model, _ = load_zoo_run("vae")
    codes = analysis.encode_all(model, mnist_test[0])
    assert latents.sample_share(model, classifier, codes, draws=2000) >= 0.65
