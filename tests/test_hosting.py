"""The two hosted recipes (docs/hosting.md): the Hugging Face Docker Space (deploy/space/) and
Streamlit Community Cloud (deploy/community-cloud/), proved as far as this machine can.

Read as text (no Docker here): the Space card's front matter against the Dockerfile (sdk, the
port it exposes, serves and checks), the image's user, HOME and CPU-only torch pinned to the
release CI runs, the files it copies; the scripts by shellcheck where it is installed. Run:
make-space.sh assembles a Space folder holding just those files; the entrypoint picks the runs
folder; the app starts from that folder with the image's environment and a Space's variables,
and from Community Cloud's entrypoint, and renders its pages in Chromium. Resolved offline: the
pinned set against what CI installed.

What only a real build or a real host shows (the CPU index's wheels, uv's resolution on
Community Cloud, the Space's iframe and storage) is listed in docs/hosting.md."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from bench.hosting import dockerfile, image_env, make_space, space_environment
from tests.conftest import require_browser

ROOT = Path(__file__).resolve().parents[1]
SPACE = ROOT / "deploy" / "space"
CLOUD = ROOT / "deploy" / "community-cloud"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
HF_COLOURS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}

# ------------------------------------------------------------------ reading the recipes


def _all(name: str) -> list[str]:
    return [args for word, args in dockerfile() if word == name]


def _exec_form(name: str) -> list[str]:
    (args,) = _all(name)[-1:]
    return json.loads(args)


def image_args() -> dict[str, str]:
    return dict(args.split("=", 1) for args in _all("ARG"))


def copied_sources() -> list[str]:
    return [source for args in _all("COPY") for source in args.split()[:-1]]


def front_matter() -> dict:
    yaml = pytest.importorskip("yaml")  # pyyaml: in CI through requirements-ray.txt
    text = (SPACE / "README.md").read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "a Space's README.md starts with its YAML front matter"
    return yaml.safe_load(match.group(1))


def requirements(path: Path) -> tuple[dict[str, Requirement], list[str]]:
    """The requirements of a file by name, and its option lines (--extra-index-url ...)."""
    found, options = {}, []
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        requirement = Requirement(line)
        found[requirement.name.lower()] = requirement
    return found, options


def _pin(requirement: Requirement) -> Version:
    (spec,) = requirement.specifier
    assert spec.operator == "==", requirement
    return Version(spec.version)


# ------------------------------------------------------------------ the Space, as text


def test_the_space_card_is_a_docker_space_on_the_port_the_image_exposes_serves_and_checks():
    card = front_matter()
    assert card["sdk"] == "docker"
    port = card["app_port"]
    assert port == 7860 and isinstance(port, int)
    for key in ("title", "emoji", "short_description", "license"):
        assert isinstance(card.get(key), str) and card[key].strip(), key
    assert len(card["short_description"]) <= 60, "the Hub's limit"
    assert {card["colorFrom"], card["colorTo"]} <= HF_COLOURS

    assert _all("EXPOSE") == [str(port)]
    command = _exec_form("CMD")
    assert command[:3] == ["streamlit", "run", "app.py"]
    options = dict(zip(command[3::2], command[4::2], strict=True))
    assert options["--server.port"] == str(port)
    assert options["--server.address"] == "0.0.0.0"
    (health,) = _all("HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/_stcore/health" in health
    assert _exec_form("ENTRYPOINT") == ["sh", "deploy/space/entrypoint.sh"]


def test_the_image_runs_as_uid_1000_with_a_home_of_its_own():
    (useradd,) = [args for args in _all("RUN") if args.startswith("useradd")]
    assert "--uid 1000" in useradd and "--create-home" in useradd
    user = useradd.split()[-1]
    assert _all("USER")[-1] == user, "the server runs as that user, not root"
    env = image_env()
    assert env["HOME"] == f"/home/{user}"  # useradd --create-home's home, writable by the user
    assert env["PATH"].startswith(f"{env['HOME']}/.local/bin:")
    assert env["NUMBA_CACHE_DIR"].startswith(env["HOME"] + "/")
    # The app is the Space's profile; no runs folder fixed here (the entrypoint picks it)
    assert env["AE_PUBLIC"] == "1"
    assert "AE_RUNS_DIR" not in env and "AE_DATA_DIR" not in env
    assert env["STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE"] == "none"


def test_the_image_takes_cpu_only_torch_pinned_to_the_release_ci_runs():
    args = image_args()
    assert args["TORCH_INDEX"] == CPU_INDEX
    first, *_ = [run for run in _all("RUN") if "pip install" in run]
    torch_step, freeze, rest, check, _ = (part.strip() for part in first.split("&&"))
    assert torch_step == (
        'pip install --index-url "${TORCH_INDEX}" "torch==${TORCH_VERSION}" '
        '"torchvision==${TORCHVISION_VERSION}"'
    ), "torch and torchvision from the CPU index alone"
    assert "(torch|torchvision)==" in freeze and "/tmp/torch-constraints.txt" in freeze
    assert rest == "pip install -r /tmp/requirements.txt -c /tmp/torch-constraints.txt"
    assert "torch.version.cuda is None" in check

    # the release CI tests (in CI, the torch this test runs on: elsewhere a developer's may
    # differ), within the root's range, and Community Cloud's pins
    root = requirements(ROOT / "requirements.txt")[0]
    for name in ("torch", "torchvision"):
        pinned = Version(args[f"{name.upper()}_VERSION"])
        assert pinned.local is None and root[name].specifier.contains(pinned), name
        if os.environ.get("CI"):
            assert Version(metadata.version(name)).public == pinned.public, name
        cloud = _pin(requirements(CLOUD / "requirements.txt")[0][name])
        assert (cloud.public, cloud.local) == (pinned.public, "cpu"), name


def test_every_file_the_image_copies_exists():
    sources = copied_sources()
    assert {"app.py", "requirements.txt", ".streamlit", "pages", "core", "ui", "assets"} <= set(
        sources
    )
    for source in sources:
        assert (ROOT / source).exists(), source
    assert not {"tests", "bench", "docs"} & set(sources)
    assert (ROOT / "assets" / "mnist" / "train-images-idx3-ubyte.gz").exists(), "full MNIST"


# ------------------------------------------------------------------ the Space's folder, run


def _lfs_patterns(folder: Path) -> list[str]:
    lines = (folder / ".gitattributes").read_text().splitlines()
    return [line.split()[0] for line in lines if "filter=lfs" in line]


@pytest.fixture(scope="module")
def space_folder(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("space") / "ae-space"
    made = make_space(dest)
    assert made.returncode == 0, made.stderr
    return dest


def test_make_space_assembles_the_card_the_dockerfile_and_just_the_files_it_copies(
    space_folder,
):
    tracked = subprocess.run(
        ["git", "ls-files", "--", *copied_sources()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = sorted(
        str(path.relative_to(space_folder)) for path in space_folder.rglob("*") if path.is_file()
    )
    assert found == sorted({*tracked, "README.md", "Dockerfile", ".gitattributes"})
    for name in ("README.md", "Dockerfile"):
        assert (space_folder / name).read_bytes() == (SPACE / name).read_bytes()
    # the Hub refuses binary files pushed as plain git objects: each one is in LFS
    patterns = _lfs_patterns(space_folder)
    for name in found:
        if b"\0" in (space_folder / name).read_bytes()[:8192]:
            assert any(Path(name).match(pattern) for pattern in patterns), name


def test_make_space_replaces_a_clone_s_files_and_refuses_other_folders(tmp_path):
    clone = tmp_path / "clone"
    (clone / ".git").mkdir(parents=True)
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / "old.py").write_text("a file of an earlier version")
    assert make_space(clone).returncode == 0
    assert not (clone / "old.py").exists() and (clone / ".git" / "HEAD").exists()
    assert (clone / "Dockerfile").exists()

    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    refused = make_space(other)
    assert refused.returncode != 0 and "nothing was changed" in refused.stderr
    assert [p.name for p in other.iterdir()] == ["mine.txt"]
    for inside in (ROOT, ROOT / "deploy" / "space-out"):
        refused = make_space(inside)
        assert refused.returncode != 0 and "outside the repository" in refused.stderr
    assert not (ROOT / "deploy" / "space-out").exists()


def _entrypoint_env(tmp_path: Path, **env: str) -> dict[str, str]:
    shown = subprocess.run(
        ["sh", str(SPACE / "entrypoint.sh"), "env"],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"), **env},
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in shown.splitlines() if line.startswith("AE_"))


def test_the_entrypoint_keeps_runs_on_persistent_storage_when_writable_else_on_home(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    # no persistent storage: the container's disk (a Space's is ephemeral)
    none = _entrypoint_env(tmp_path, AE_PERSISTENT_DIR=str(data), SPACE_HOST="me-ae.hf.space")
    assert none["AE_RUNS_DIR"] == str(home / "runs") and (home / "runs").is_dir()
    assert none["AE_CACHE_DIR"] == str(home / ".cache" / "autoencoder-explorer")
    assert none["AE_PUBLIC_URL"] == "https://me-ae.hf.space"
    # persistent storage attached (/data on a Space): runs, classes and downloads there
    data.mkdir()
    kept = _entrypoint_env(tmp_path, AE_PERSISTENT_DIR=str(data), SPACE_HOST="localhost:7860")
    assert kept["AE_RUNS_DIR"] == str(data / "runs") and (data / "runs").is_dir()
    assert kept["AE_CACHE_DIR"] == str(data / "cache")
    assert kept["AE_PUBLIC_URL"] == "http://localhost:7860"  # a local docker run
    # the Space's own variables win
    chosen = _entrypoint_env(
        tmp_path,
        AE_PERSISTENT_DIR=str(data),
        AE_RUNS_DIR=str(tmp_path / "elsewhere"),
        AE_PUBLIC_URL="https://ae.example.school",
        SPACE_HOST="me-ae.hf.space",
    )
    assert chosen["AE_RUNS_DIR"] == str(tmp_path / "elsewhere")
    assert chosen["AE_PUBLIC_URL"] == "https://ae.example.school"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="no shellcheck (apt-get install)")
def test_the_space_s_scripts_pass_shellcheck():
    """Both run under the image's /bin/sh (dash): POSIX sh, as shellcheck reads it."""
    checked = subprocess.run(
        ["shellcheck", "-s", "sh", str(SPACE / "entrypoint.sh"), str(SPACE / "make-space.sh")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout


# ------------------------------------------------------------------ Community Cloud, as text


def test_community_cloud_installs_the_app_s_requirements_with_cpu_torch_and_root_stays_pypi():
    root, root_options = requirements(ROOT / "requirements.txt")
    cloud, cloud_options = requirements(CLOUD / "requirements.txt")
    assert cloud_options == [f"--extra-index-url {CPU_INDEX}"]
    assert set(cloud) == set(root)
    for name, requirement in root.items():
        if name not in ("torch", "torchvision"):
            assert cloud[name].specifier == requirement.specifier, name
        else:  # the CPU build of a release the root's range allows
            assert requirement.specifier.contains(_pin(cloud[name]).public), name
    # CI installs these from PyPI alone (.ci/run): no other index there
    for path in ROOT.glob("requirements*.txt"):
        assert all(option.startswith("-r ") for option in requirements(path)[1]), path


def test_the_repository_s_streamlit_config_suits_community_cloud_s_forced_settings():
    """Community Cloud reads only the root's .streamlit/config.toml and forces
    enableXsrfProtection=true, showErrorDetails=false, runOnSave=true, fastReruns=true."""
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True  # the owner id needs it anyway
    assert config["client"]["showErrorDetails"] in ("none", False)  # the same as forced
    # runOnSave=true reruns sessions when a watched file changes: nothing is watched
    assert config["server"]["fileWatcherType"] == "none"
    assert config.get("runner", {}).get("fastReruns", True) is True
    assert not (CLOUD / ".streamlit").exists(), "Community Cloud would not read it"
    # the entrypoint sets what app.py sets before torch is imported
    setting = 'os.environ.setdefault("OMP_WAIT_POLICY", "passive")'
    assert setting in (ROOT / "app.py").read_text()
    assert setting in (CLOUD / "streamlit_app.py").read_text()


def test_the_pinned_set_resolves_offline_against_what_ci_installed():
    """pip's resolver, without any index: the app's requirements with torch and torchvision
    held to the image's versions are satisfied together by what CI installed (a fresh
    environment from PyPI and the CPU index: docs/hosting.md, "What was checked")."""
    args = image_args()
    resolved = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-index",
            "-r",
            str(ROOT / "requirements.txt"),
            f"torch=={args['TORCH_VERSION']}",
            f"torchvision=={args['TORCHVISION_VERSION']}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resolved.returncode == 0, resolved.stdout[-2000:] + resolved.stderr[-2000:]
    assert "Would install" not in resolved.stdout


# ------------------------------------------------------------------ the app, started as hosted


def _render(browser, url: str, path: str = "") -> dict:
    """Open `url/path` in a fresh context; once the app's navigation and the page's heading are
    there and the script run is over: the heading, the number of page links and images, and
    the XSRF cookie the browser kept."""
    from bench.browser import assert_no_error, wait_idle

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/{path}")
    page.wait_for_selector(".st-key-app-nav a", timeout=120_000)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
    wait_idle(page, timeout=120_000)
    assert_no_error(page, f"{url}/{path}")
    seen = {
        "heading": page.locator('[data-testid="stMain"] h1').first.inner_text().strip(),
        "links": page.locator(".st-key-app-nav a").count(),
        "images": page.locator('[data-testid="stMain"] [data-testid="stImage"]').count(),
        "cookies": {c["name"]: c for c in context.cookies()},
    }
    context.close()
    return seen


def _stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_the_space_folder_starts_with_the_space_s_environment_and_renders_its_pages(
    space_folder, browser, tmp_path
):
    require_browser()
    from bench.browser import start_server

    home = tmp_path / "home"
    process, url = start_server(
        tmp_path,
        {**space_environment(home, tmp_path / "no-data"), "AE_UMAP_WARMUP": "0"},
        timeout=120,
        cwd=space_folder,
        launcher=("sh", "deploy/space/entrypoint.sh"),
    )
    try:
        first = _render(browser, url)
        assert first["heading"] == "Autoencoder explorer" and first["links"] == 11, first
        recon = _render(browser, url, "reconstructions")  # the zoo's example, from the image
        assert recon["heading"].startswith("Reconstructions") and recon["images"] >= 2, recon
    finally:
        _stop(process)
    # the entrypoint's runs folder is the one the app used (the owner ids' secret is there)
    assert (home / "runs" / ".owner-secret").exists()
    assert not (tmp_path / "runs").exists()
    # the XSRF cookie a Space's iframe needs: SameSite=None, hence Secure
    xsrf = first["cookies"]["_streamlit_xsrf"]
    assert (xsrf["sameSite"], xsrf["secure"]) == ("None", True)


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_community_cloud_s_entrypoint_serves_the_app_from_the_repository_root(browser, tmp_path):
    require_browser()
    from bench.browser import start_server

    process, url = start_server(
        tmp_path,
        {"AE_UMAP_WARMUP": "0"},
        timeout=120,
        script="deploy/community-cloud/streamlit_app.py",
    )
    try:
        # a page's script found from the root (st.Page paths are relative to app.py), with the
        # app's own navigation: a deep link, as a shared link opens the app
        recon = _render(browser, url, "reconstructions")
        assert recon["heading"].startswith("Reconstructions") and recon["images"] >= 2, recon
        assert recon["links"] == 11, recon
    finally:
        _stop(process)
    xsrf = recon["cookies"]["_streamlit_xsrf"]
    assert xsrf["sameSite"] == "Lax"  # Community Cloud serves the app on its own site
