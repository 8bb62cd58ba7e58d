"""The app's pages, declared once: each page's script, address, title, icon and the example run
it opens on. app.py builds the navigation from this table, ui.frame.links reads the addresses,
ui.frame.startup the examples (and the pages' imports), the pages their own example, and the
tests their list of pages (tests/ui/test_pages_table.py ties the table to pages/ and the
catalogs).

app.py imports this module before anything heavy, so it imports nothing of ui or core: plain
data only. A new page is one row here and one file in pages/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Page:
    file: str  # the page's script, from the repository's root
    url_path: str  # its address, the same in every language ("": Home, the default page)
    title_key: str  # the catalog key of its title (ui/i18n/*/nav.json), translated every run
    icon: str  # a Material icon, as st.Page takes it
    example: str = ""  # the zoo's run it shows while no run is active ("": none)


PAGES = (
    Page("pages/home.py", "", "nav.home", ":material/home:"),
    Page("pages/lessons.py", "lessons", "nav.lessons", ":material/school:"),
    Page("pages/draw.py", "draw", "nav.draw", ":material/draw:"),
    Page("pages/train.py", "train", "nav.train", ":material/model_training:"),
    Page(
        "pages/reconstructions.py",
        "reconstructions",
        "nav.reconstructions",
        ":material/compare:",
        example="standard",
    ),
    Page("pages/sparsity.py", "sparsity", "nav.sparsity", ":material/bar_chart:", "sparse"),
    Page("pages/noise.py", "noise", "nav.noise", ":material/grain:", "denoising"),
    Page("pages/latent.py", "latent", "nav.latent", ":material/scatter_plot:", "deep-2d"),
    Page("pages/generate.py", "generate", "nav.generate", ":material/auto_awesome:", "vae"),
    Page("pages/compare.py", "compare", "nav.compare", ":material/table_chart:"),
    Page("pages/class.py", "class", "nav.class", ":material/groups:"),
)


def page_of(script: str) -> Page:
    """The row of a page's script (a page passes its own __file__, an absolute path)."""
    name = Path(script).name
    for page in PAGES:
        if Path(page.file).name == name:
            return page
    raise KeyError(f"{script} is not in ui.pages_table.PAGES")


def examples() -> tuple[str, ...]:
    """The zoo's runs the pages open on, each once, in the pages' order."""
    return tuple(dict.fromkeys(page.example for page in PAGES if page.example))
