"""The pages are declared once (ui/pages_table.py): the table and the pages/ folder, the
catalogs, the navigation, the share links and the server's start all agree."""

from __future__ import annotations

import ast
import json

from tests.conftest import ROOT
from ui.pages_table import PAGES, examples, page_of


def _titles(language: str) -> dict[str, str]:
    return json.loads((ROOT / "ui" / "i18n" / language / "nav.json").read_text(encoding="utf-8"))


def test_every_page_file_is_in_the_table_and_every_row_names_a_file():
    files = {f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py")}
    rows = [page.file for page in PAGES]
    assert sorted(rows) == sorted(files)
    assert len(set(rows)) == len(rows)


def test_addresses_are_unique_and_only_home_has_none():
    paths = [page.url_path for page in PAGES]
    assert len(set(paths)) == len(paths), paths
    assert [page.file for page in PAGES if not page.url_path] == ["pages/home.py"]


def test_each_title_is_in_both_catalogs_and_each_icon_is_a_material_one():
    for page in PAGES:
        area, _, key = page.title_key.partition(".")
        assert area == "nav", page
        for language in ("en", "pt"):
            assert _titles(language).get(key), (page.title_key, language)
        assert page.icon.startswith(":material/") and page.icon.endswith(":"), page


def test_a_page_finds_its_own_row_and_its_example_is_in_the_zoo():
    zoo = ROOT / "assets" / "zoo"
    for page in PAGES:
        assert page_of(str(ROOT / page.file)) is page
        if page.example:
            assert (zoo / page.example).is_dir(), page
    assert examples()[0] == "standard"  # Reconstructions': the start prepares its errors too


def test_a_page_with_an_example_asks_for_it_through_the_table():
    """A page that opens on an example reads it from its row, never names one of its own."""
    for page in PAGES:
        calls = [
            node
            for node in ast.walk(ast.parse((ROOT / page.file).read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "require_run"
        ]
        assert all(not isinstance(arg, ast.Constant) for c in calls for arg in c.args), page
        if page.example:
            assert calls, page


def test_the_app_the_links_and_the_start_read_the_table():
    import app
    from ui.frame import links, startup

    assert app.PAGES is PAGES
    assert tuple(page.url_path for page in PAGES if page.url_path) == links.PAGE_PATHS
    assert examples() == startup.FIRST_EXAMPLES
    prepared = startup.page_modules()
    for module in ("ui.classroom.views", "ui.draw.views", "ui.runs.page_run", "torch"):
        assert module in prepared, module
