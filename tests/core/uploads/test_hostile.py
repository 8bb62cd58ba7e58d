"""A hostile student cannot take the class down: every limit a link, a widget, the command line
or an upload could get around is enforced in core, before the cost is paid, with a plain
refusal."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.messages import Problem
from core.models import MODELS, build_model, build_seeded
from core.models.size import ModelTooLarge
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
    sizes = list(error.fields["fits"]["hidden_sizes"])  # data: the UI words it
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
    from core.jobs.backends import start_job
    from core.jobs.spec import JobSpec

    assert (
        main(["train", "--variant", "deep", "--set", f"hidden_sizes={HUGE_STACK}".replace(" ", "")])
        != 0
    )
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
    shown = [
        element.value
        for kind in ("markdown", "warning", "info", "error", "caption")
        for element in getattr(at, kind)
    ]
    assert not any("evil" in text or "Session expired" in text for text in shown)
    warning = next(w.value for w in at.warning if "`lang`" in w.value)
    assert "`hp.hidden_sizes`" in warning and "not shown: 1" in warning
    assert at.session_state["train_variant"] == "deep"
    assert "hp.deep.hidden_sizes" not in at.session_state


# ---------------------------------------------------------------- uploads


def _corpus(name: str) -> bytes:
    from tests.core.uploads.make_bad_uploads import FOLDER

    return (FOLDER / name).read_bytes()


def test_a_pixel_bomb_is_refused_from_its_headers_before_any_picture_is_decoded(monkeypatch):
    from PIL import Image

    from core.uploads.reading import read_upload

    def never(*args, **kwargs):
        raise AssertionError("a picture was decoded")

    monkeypatch.setattr(Image.Image, "load", never)
    with pytest.raises(Problem) as refused:
        read_upload(_corpus("pixel-bomb.zip"), "pixel-bomb.zip")
    assert refused.value.key == "upload_zip_pixels"
    assert refused.value.fields["megapixels"] == 336
    assert "AE_UPLOAD_MAX_MEGAPIXELS" in str(refused.value)


def test_the_pixel_budget_is_a_setting(monkeypatch):
    from core.uploads.reading import read_upload
    from tests.core.uploads.make_bad_uploads import _pictures, zip_bytes

    upload = zip_bytes(_pictures(12))  # 12 pictures of 28x28: 9,408 pixels
    assert len(read_upload(upload, "digits.zip").x_train) > 0
    monkeypatch.setenv("AE_UPLOAD_MAX_MEGAPIXELS", "0.005")
    with pytest.raises(Problem, match="megapixels together"):
        read_upload(upload, "digits.zip")


@pytest.mark.parametrize(
    "name, key",
    [
        ("bad-deflate.zip", "upload_archive_corrupt"),
        ("bad-crc.zip", "upload_archive_corrupt"),
        ("deflate64.zip", "upload_archive_method"),
        ("encrypted.zip", "upload_archive_encrypted"),
        ("truncated.zip", "upload_archive_corrupt"),
        ("truncated.npz", "upload_archive_corrupt"),
    ],
)
def test_every_failure_to_read_an_archive_is_one_clear_refusal(name, key):
    from core.uploads.reading import read_upload

    with pytest.raises(Problem) as refused:
        read_upload(_corpus(name), name)
    assert refused.value.key == key  # each reason its own words, in the user's language
    assert "ZipInfo" not in str(refused.value)


def test_no_upload_module_is_over_300_lines():
    modules = sorted((ROOT / "core" / "uploads").glob("*.py"))
    assert {p.name for p in modules} >= {"reading.py", "archives.py", "images.py", "refusals.py"}
    for path in modules:
        assert len(path.read_text().splitlines()) < 300, path.name


def test_the_sidebar_parses_an_upload_once_and_refuses_a_broken_one(monkeypatch):
    import ui.frame.sidebar
    from tests.core.uploads.make_bad_uploads import _pictures, zip_bytes

    monkeypatch.setenv("AE_UMAP_WARMUP", "0")
    calls = []

    def counted(data, name):
        calls.append(name)
        return read(data, name)

    read = ui.frame.sidebar.read_upload
    monkeypatch.setattr(ui.frame.sidebar, "read_upload", counted)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["dataset_name"] = "upload"
    at.run()
    at.file_uploader[0].upload("digits.zip", zip_bytes(_pictures(12)))
    for _ in range(3):
        at.run()
    at.file_uploader[0].upload("digits.zip", zip_bytes(_pictures(12)))  # the same file again
    at.run()
    assert not at.exception and not at.error, at.error
    assert calls == ["digits.zip"]
    at.file_uploader[0].upload("bad.zip", _corpus("bad-deflate.zip"))
    at.run()
    assert not at.exception, at.exception
    assert any("corrupt or truncated" in error.value for error in at.error)


# ---------------------------------------------------------------- who is who


def test_an_owner_is_the_same_in_every_tab_and_after_a_reload(tmp_path):
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    from core.runs import identity

    token = bytes(range(16))
    # Streamlit re-sends the cookie on every page load: the same token under a new mask
    first, reload = (generate_xsrf_token_string(token, 1_700_000_000) for _ in range(2))
    assert first != reload
    owner = identity.browser_owner(first, tmp_path)
    assert owner == identity.browser_owner(reload, tmp_path)
    assert owner != identity.browser_owner(generate_xsrf_token_string(), tmp_path)
    assert token.hex() not in owner and identity.browser_owner("junk", tmp_path) is None
    identity._secrets.clear()  # another replica (or a restart) on the same runs folder
    assert identity.browser_owner(reload, tmp_path) == owner
    assert (tmp_path / ".owner-secret").stat().st_mode & 0o077 == 0


# ---------------------------------------------------------------- saved runs


@pytest.fixture
def runs_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_RUNS_DIR", str(tmp_path))
    return tmp_path


def test_each_owner_has_a_quota_of_saved_runs(runs_folder, monkeypatch):
    from core.runs import ownership, quotas

    model = build_model("standard")
    monkeypatch.setenv("AE_OWNER_RUNS", "2")
    for name in ("one", "two"):
        ownership.save_owned_run(name, model, "greedy")
    ownership.save_owned_run("two", model, "greedy", overwrite=True)  # a replacement is no more
    with pytest.raises(quotas.SaveRefused) as refused:
        ownership.save_owned_run("three", model, "greedy")
    assert refused.value.key == "owner_runs_full" and "AE_OWNER_RUNS" in str(refused.value)
    ownership.save_owned_run("three", model, "someone-else")  # the others are not held up
    monkeypatch.setenv("AE_OWNER_MAX_MB", "0.3")  # a standard model's weights are 0.2 MB
    with pytest.raises(quotas.SaveRefused, match="AE_OWNER_MAX_MB"):
        ownership.save_owned_run("four", model, "someone-else")


def test_checkpoints_count_in_the_total_and_old_interrupted_ones_age_out(runs_folder, monkeypatch):
    import os
    import time

    from core.runs import checkpoints, ownership, quotas, store

    model = build_model("standard")
    checkpoint = store.save_run(
        checkpoints.autosave_dir() / "standard-1-abc",
        model,
        extra={"status": "training", "epoch": 1, "epochs": 3},
    )
    (checkpoint / "ballast.bin").write_bytes(bytes(2 * 2**20))
    monkeypatch.setenv("AE_RUNS_MAX_MB", "2")
    with pytest.raises(quotas.SaveRefused, match="AE_RUNS_MAX_MB"):
        ownership.save_owned_run("mine", model, "me")
    assert [run["name"] for run in checkpoints.list_interrupted()] == ["standard-1-abc"]
    old = time.time() - 8 * 86400
    os.utime(checkpoint, (old, old))
    assert checkpoints.list_interrupted() == [] and not checkpoint.exists()
    ownership.save_owned_run("mine", model, "me")


def test_each_run_json_is_parsed_once_per_version_of_its_folder(runs_folder, monkeypatch):
    from core.runs import ownership, store

    model = build_model("standard")
    for name in ("a", "b"):
        ownership.save_owned_run(name, model, "me")
    store.list_runs()
    parsed = []
    read = store.read_description
    monkeypatch.setattr(store, "read_description", lambda f: parsed.append(f.name) or read(f))
    assert {run["name"] for run in store.list_runs()} == {"a", "b"} and parsed == []
    ownership.save_owned_run("a", model, "me", overwrite=True)
    parsed.clear()
    assert len(store.list_runs()) == 2 and parsed == ["a"]


def test_saved_runs_are_listed_without_loading_them_and_downloads_hide_the_owner(runs_folder):
    import io
    import json
    import zipfile

    from core.runs import ownership
    from ui.runs import library

    ownership.save_owned_run("theirs", build_model("standard"), "owner-secret-id")
    run = next(r for r in library.all_runs() if r.name == "theirs")
    assert not run.loaded and run.label
    assert run.model.parameter_count() > 0 and run.loaded
    archive = library.run_archive(run)
    assert library.run_archive(run) is archive  # made once for everybody viewing it
    description = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("theirs/run.json"))
    assert "owner" not in description and description["variant"] == "standard"


# ---------------------------------------------------------------- projections


class _SlowWorker:
    """Stands in for the projection process: each request waits until released."""

    def __init__(self) -> None:
        import threading

        self.release, self.started, self.served = threading.Event(), threading.Event(), []

    def request(self, codes, method, seed):
        self.started.set()
        self.release.wait(30)
        self.served.append(len(codes))
        return codes[:, :2]

    def stop(self) -> None:
        self.release.set()


def test_a_newer_projection_request_supersedes_the_waiting_one_and_the_line_is_bounded():
    import torch

    from core.science import projection

    service = projection.ProjectionService(max_waiting=3)
    worker = service._worker = _SlowWorker()
    codes = torch.rand(400, 8)
    busy = service.submit("someone's", codes[:100], "umap", slot=("other", "latent"))
    assert worker.started.wait(10)  # the worker is busy with it
    sliding = [
        service.submit(("mine", n), codes[:n], "umap", slot=("me", "latent"))
        for n in (200, 300, 400)
    ]  # a student slides the point count
    assert [f.cancelled() for f in sliding] == [True, True, False]
    others = [
        service.submit(("other", n), codes[:n], "tsne", slot=(n, "latent")) for n in (10, 20, 30)
    ]
    assert not others[0].done() and not others[1].done()
    with pytest.raises(Problem) as refused:
        others[2].result(timeout=0)
    assert refused.value.key == "projection_busy"
    worker.release.set()
    assert sliding[-1].result(timeout=10).shape == (400, 2) and busy.result(timeout=10) is not None
    assert sorted(worker.served) == [10, 20, 100, 400]  # the superseded ones never ran


# ---------------------------------------------------------------- what users see


def test_a_missing_dataset_tells_the_user_no_folder_and_the_log_the_details(
    tmp_path, monkeypatch, caplog
):
    from core.data import downloads
    from core.data.loading import load_dataset
    from ui.i18n import translate

    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "secret-cache"))
    monkeypatch.setattr(
        downloads.urllib.request,
        "urlopen",
        lambda *a, **k: (_ for _ in ()).throw(OSError("mirror.example.org unreachable")),
    )
    with pytest.raises(FileNotFoundError) as failed:
        load_dataset("kmnist")
    error = failed.value
    assert "secret-cache" in str(error)  # the command line's text, for the operator
    for language in ("en", "pt"):
        shown = translate(language, f"problems.{error.key}", **error.fields)
        assert "kmnist" in shown and "secret-cache" not in shown and "example.org" not in shown
    assert "secret-cache" in caplog.text and "mirror.example.org" in caplog.text


def test_a_run_that_cannot_be_written_names_no_server_path(tmp_path, monkeypatch):
    from core.runs import store

    def full_disk(weights, path):
        raise OSError(28, "No space left on device", path)

    monkeypatch.setattr(store, "save_file", full_disk)
    with pytest.raises(OSError) as failed:
        store.save_run(tmp_path / "runs" / ".autosave" / "standard-1-abc", build_model("standard"))
    assert "No space left" in str(failed.value) and str(tmp_path) not in str(failed.value)


# ---------------------------------------------------------------- deployment and docs

LIMITS = (
    "AE_MAX_JOBS",
    "AE_QUEUED_PER_OWNER",
    "AE_SESSION_RUNS",
    "AE_JOB_MEMORY_MB",
    "AE_JOB_MINUTES",
    "AE_MAX_PARAMETERS",
    "AE_UPLOAD_MAX_MEGAPIXELS",
    "AE_RUNS_MAX_MB",
    "AE_OWNER_RUNS",
    "AE_OWNER_MAX_MB",
    "AE_AUTOSAVE_DAYS",
)


def test_the_containers_run_unprivileged_with_memory_limits_and_the_class_s_limits():
    import yaml

    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    services = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())["services"]
    assert all(service.get("mem_limit") for service in services.values()), services
    app = services["app1"]["environment"]
    assert {
        "AE_JOB_MEMORY_MB",
        "AE_JOB_MINUTES",
        "AE_MAX_PARAMETERS",
        "AE_OWNER_RUNS",
        "AE_OWNER_MAX_MB",
        "AE_UPLOAD_MAX_MEGAPIXELS",
    } <= set(app)


def test_the_proxy_limits_requests_uploads_and_websockets():
    import re

    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    # the HTTPS server (plain HTTP only redirects: tests/test_deploy.py)
    https = next(
        server
        for server in re.findall(r"^server \{(.*?)^\}", nginx, re.S | re.M)
        if re.search(r"^    listen 443 ssl;", server, re.M)
    )
    locations = dict(re.findall(r"location (\S+) \{(.*?)\n    \}", https, re.S))
    assert "limit_req zone=" in locations["/"]
    assert "limit_conn " in locations["/_stcore/stream"]
    assert "limit_req zone=uploads" in locations["/_stcore/upload_file"]


def test_the_docs_list_every_limit_with_its_default():
    doc = (ROOT / "docs" / "limits-and-security.md").read_text()
    start = doc.index("## Every limit a student can meet")
    section = doc[start : doc.index("\n## ", start)]
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in section.splitlines()
        if line.startswith("| `AE_")
    }
    assert set(LIMITS) <= set(rows), set(LIMITS) - set(rows)
