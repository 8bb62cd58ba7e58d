"""The house's shape (../shared/GUIDE.md section 1): packages by concern in layers, checked on the
real import graph (grimp, the graph import-linter builds), lazy and TYPE_CHECKING imports
included. `lint-imports` (pyproject.toml's contracts) runs in CI too; these tests say the same
things in pytest's words, and prove the contract fails on a violation."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("core", "ui", "bench", include_external_packages=False)


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle_lazy_or_not(graph):
    assert _cycles(graph) == []


def test_at_most_twelve_modules_directly_in_core():
    flat = [p.name for p in (ROOT / "core").glob("*.py") if p.name != "__init__.py"]
    assert len(flat) <= 12, flat


def test_every_package_says_what_lives_there_and_what_it_may_use():
    for init in [*(ROOT / "core").rglob("__init__.py"), *(ROOT / "ui").rglob("__init__.py")]:
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len(doc) > 60, init.relative_to(ROOT)
        assert re.search(r"\b(uses?|imports?)\b", doc, re.IGNORECASE), init.relative_to(ROOT)


def _private_uses(path: Path, names: set[str]) -> list[str]:
    """`module._name` where module is one of the project's modules other than this one."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for match in re.finditer(r"\b([a-z_][a-z0-9_]*)\._([a-z]\w*)", line):
            if match.group(1) in names and match.group(1) != path.stem:
                found.append(f"{path.relative_to(ROOT)}:{number} {match.group(0)}")
    return found


def test_no_private_name_is_used_outside_its_module():
    files = [
        p for folder in ("core", "ui", "pages", "bench") for p in (ROOT / folder).rglob("*.py")
    ]
    names = ({p.stem for p in files} | {p.parent.name for p in files}) - {
        "self",
        "cls",
        "__init__",
        "__main__",
    }
    found = [hit for path in files for hit in _private_uses(path, names)]
    assert not found


def test_no_environment_variable_is_read_past_core_settings():
    """Every AE_* setting is read through core.settings (a bad value is named there)."""
    reads = re.compile(r"""os\.environ\[["']AE_\w+["']\](?!\s*=)|(int|float)\(os\.environ""")
    found = [
        f"{p.relative_to(ROOT)}"
        for folder in ("core", "ui", "pages")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "settings.py" and reads.search(p.read_text())
    ]
    assert not found


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    tool = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    return subprocess.run(
        [tool, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300
    )


def test_the_layer_contract_holds_and_fails_on_a_violation(tmp_path):
    kept = _lint_imports(ROOT)
    assert kept.returncode == 0, kept.stdout[-2000:]
    # the same tree with core.data importing core.jobs (a lower layer reaching up) and
    # core.runs.store importing streamlit: both contracts must say so
    copy = tmp_path / "tree"
    skipped = {".git", ".venv", "venv", "runs", "assets", "test-artifacts"}
    shutil.copytree(
        ROOT,
        copy,
        ignore=lambda folder, names: [
            n for n in names if n == "__pycache__" or (Path(folder) == ROOT and n in skipped)
        ],
    )
    data = copy / "core" / "data" / "registry.py"
    data.write_text(data.read_text() + "\nfrom core.jobs import spec  # noqa\n")
    store = copy / "core" / "runs" / "store.py"
    store.write_text(store.read_text() + "\nimport streamlit  # noqa\n")
    broken = _lint_imports(copy)
    assert broken.returncode != 0
    assert "core.data.registry -> core.jobs.spec" in broken.stdout
    assert "core.runs.store -> streamlit" in broken.stdout
