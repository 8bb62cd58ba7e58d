"""What a page shows a reader, read through AppTest: a page rendered in a language (`render`),
every text it shows (`rendered_texts`), and what on a Portuguese page is English
(`english_on_screen`). Shared by the language tests (tests/ui/test_i18n.py and its neighbours)."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import i18n, pages_table
from ui.i18n import ALLOW_LIST, catalog

CATALOGS = ROOT / "ui" / "i18n"


APP = ROOT / "app.py"
PAGES = [page.file for page in pages_table.PAGES]


STOP_WORDS = {
    "de",
    "o",
    "a",
    "do",
    "da",
    "e",
    "em",
    "um",
    "uma",
    "para",
    "com",
    "os",
    "as",
    "no",
    "na",
    "dos",
    "das",
    "nos",
    "nas",
    "ao",
    "aos",
    "pelo",
    "pela",
    "por",
    "que",
    "se",
    "ou",
    "mas",
    "mais",
    "seu",
    "sua",
    "seus",
    "suas",
    "este",
    "esta",
    "cada",
    "todas",
    "todos",
    "outras",
    "outros",
    "quando",
    "como",
    "entre",
    "sobre",
    "ele",
    "ela",
}


AMBIGUOUS = {"a", "as", "do", "no"}


PORTUGUESE_LETTERS = set("áàâãéêíóôõúüç")


NAMES = {
    "standard",
    "multilayer",
    "convolutional",
    "sparse",
    "denoising",
    "contractive",
    "deep",
    "vae",
    "hinton",
    "salakhutdinov",
    "rifai",
    "et",
    "al",
    "python",
    "core",
    "zoo",
    "scikit",
    "learn",
    "fashion",
    "kmnist",
    "mnist",
    "npz",
    "zip",
    "png",
    "jpeg",
    "sse",
    "mse",
    "bce",
    "nats",
    "cuda",
    "mps",
    "apple",
    "tf",
    "amx",
    "avx",
    "bf",
    "bfloat",
    "float",
    "uint",
    "nan",
    "pickle",
    "pytorch",
    "frobenius",
    "boltzmann",
    "bernoulli",
    "adam",
    "relu",
    "sigmoid",
    "softmax",
    "pca",
    "umap",
    "t-sne",
    "rbm",
    "rbms",
    "kl",
    "elbo",
    "gpu",
    "cpu",
    "x",
    "y",
    "n",
    "i",
    "h",
    "w",
    "d",
}


def fields(text: str) -> set[str]:
    """The names of a text's {fields} (format specs and conversions aside)."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            names.add(re.split(r"[.\[]", name)[0])
    return names


def render(
    page: str, language: str, session: dict | None = None, upload: tuple[str, bytes] | None = None
) -> AppTest:
    """One page drawn in `language` (the sidebar's choice, set before the first run), sidebar
    included."""
    from streamlit.runtime.pages_manager import PagesManager

    def navigation_app(self, *args, **kwargs):
        # AppTest resets PagesManager.uses_pages_directory before every run and, as this app has
        # a pages/ folder, a run after the first then executes the page file alone: no app.py,
        # no sidebar. A served app turns the flag off at st.navigation; do the same here.
        pages_manager_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    pages_manager_init = PagesManager.__init__
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PagesManager, "__init__", navigation_app)
        # AppTest calls a widget's format_func after the run, outside any session, where
        # t() falls back to the browser's language: make that the language under test.
        patch.setattr(i18n, "browser_language", lambda: language)
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.session_state["lang"] = language
        at.session_state["dataset_name"] = "digits"
        for key, value in (session or {}).items():
            at.session_state[key] = value
        at.switch_page(page)  # before the first run: each page's url_path is its file's name
        at.run()
        if upload is not None:
            at.file_uploader[0].upload(*upload)
            at.run()
        at.texts = rendered_texts(at)  # read while the language is still patched
    return at


TEXT_FIELDS = {
    "body",
    "label",
    "help",
    "placeholder",
    "options",
    "content",
    "caption",
    "alt",
    "text",
    "value",
    "default_text",
}


SKIPPED = {"code"}  # the share link's URL, shown as code


def _proto_strings(message, path: str = "") -> Iterator[tuple[str, str]]:
    from google.protobuf.message import Message

    for field, value in message.ListFields():
        name = f"{path}.{field.name}"
        values = (
            value
            if hasattr(value, "__len__") and not isinstance(value, (str, bytes, Message))
            else [value]
        )
        for item in values:
            if isinstance(item, Message):
                yield from _proto_strings(item, name)
            elif isinstance(item, str) and item:
                yield name, item


def _chart_strings(node, key: str = "") -> Iterator[str]:
    """Titles, axis titles, legend entries, annotations and category labels of a figure."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name != "template":
                yield from _chart_strings(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _chart_strings(value, key)
    elif isinstance(node, str) and key in (
        "text",
        "name",
        "x",
        "y",
        "ticktext",
        "hovertemplate",
        "label",
        "title",
    ):
        yield node


def _nodes(node) -> Iterator:
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield child
            yield from _nodes(child)


def rendered_texts(at: AppTest) -> list[str]:
    """Every text the page shows: headings, markdown, captions, alerts, widget labels, help and
    options, metrics, expanders, popovers, image captions and alt texts, table headers and
    cells, chart titles, axes, legends and annotations."""
    texts: list[str] = []
    for node in _nodes(at._tree):
        if getattr(node, "type", "") in SKIPPED:
            continue
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for name, value in _proto_strings(proto):
            last = name.rsplit(".", 1)[-1]
            if last == "spec":
                texts += _chart_strings(json.loads(value))
            elif last == "columns":
                for column in json.loads(value).values():
                    texts += [column[k] for k in ("label", "help") if column.get(k)]
            elif last in TEXT_FIELDS:
                texts.append(value)
        if getattr(node, "type", "") == "dataframe":
            frame = node.value  # its cells; the headers are the column labels above
            texts += [
                v for column in frame.columns for v in frame[column].tolist() if isinstance(v, str)
            ]
            texts += _display_texts(proto)
    return [text for text in texts if text.strip()]


def _display_texts(proto) -> list[str]:
    """The text a table shows in place of its numbers (ui.locale_numbers.table's Styler), if any."""
    import pyarrow as pa

    display = proto.arrow_data.styler.display_values
    if not display:
        return []
    frame = pa.ipc.open_stream(display).read_pandas()
    return [v for column in frame.columns for v in frame[column].tolist() if isinstance(v, str)]


def _english_fragments() -> dict[str, str]:
    """Each English catalog text's literal parts of 3+ words -> its key (texts the same in
    both languages aside)."""
    en, pt = catalog("en"), catalog("pt")
    fragments = {}
    for key, text in en.items():
        if pt.get(key) == text:
            continue
        for part in re.split(r"\{[^{}]*\}", text):
            part = part.strip(" .,:;()")
            if len(part.split()) >= 3:
                fragments[part] = key
    return fragments


def _segments(text: str) -> Iterator[str]:
    text = re.sub(r"`[^`]*`", " ", text)  # code: commands, paths
    text = re.sub(r"\b(?:e\.g|i\.e)\.", " ", text)  # not the Portuguese "e"
    text = re.sub(r"https?://\S+|\S+\.(?:npz|zip|png|jpg|py)\b", " ", text)
    yield from re.split(r"[.;:!?()\[\]\n·|]+", text.replace("**", ""))


def _probably_english(text: str) -> list[str]:
    suspects = []
    for segment in _segments(text):
        words = [
            w
            for w in re.findall(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", segment)
            if w.lower() not in NAMES and w not in ALLOW_LIST
        ]
        if len(words) < 4:
            continue
        lowered = {w.lower() for w in words}
        if (lowered & STOP_WORDS) - AMBIGUOUS or PORTUGUESE_LETTERS & set(segment.lower()):
            continue
        suspects.append(segment.strip())
    return suspects


ENGLISH_DECIMAL = re.compile(r"(?<![\w.,])\d+\.\d{1,2}(?![\w.])")  # 1.82; not 1.797


def english_on_screen(texts: list[str]) -> list[str]:
    """What on a Portuguese page is English: an English catalog text, a sentence with no
    Portuguese word in it, a catalog key shown as such, a decimal point instead of a comma."""
    fragments = _english_fragments()
    keys = set(catalog("en"))
    found = []
    for text in dict.fromkeys(texts):
        if text.lstrip().startswith("<style"):
            continue
        found += [
            f"catalog {key}: {text!r}" for fragment, key in fragments.items() if fragment in text
        ]
        found += [f"not translated? {segment!r} in {text!r}" for segment in _probably_english(text)]
        found += [
            f"a catalog key instead of its text: {token!r} in {text!r}"
            for token in re.split(r"[\s,;()]+", text)
            if token in keys
        ]
        found += [
            f"number written the English way: {number!r} in {text!r}"
            for number in ENGLISH_DECIMAL.findall(text)
        ]
    return found
