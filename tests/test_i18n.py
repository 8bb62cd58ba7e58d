"""The app speaks Portuguese: both catalogs hold the same texts, every Portuguese text is really
translated, every page renders in both languages, and with Portuguese chosen no page shows an
English sentence, whether it comes from the catalogs or was written into a page."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, session_run
from tests.make_bad_uploads import npz_bytes
from ui import i18n
from ui.i18n import ALLOW_LIST, catalog, localized, number, percent, translate

CATALOGS = ROOT / "ui" / "i18n"
APP = ROOT / "app.py"
PAGES = re.findall(r'st\.Page\(\s*"([^"]+)"', APP.read_text(encoding="utf-8"))

# Keys whose Portuguese text is the English one, and rightly so: names of number formats and
# devices, the prior's formula, a diagram's layer abbreviations. Keep this tiny; anything else
# identical is untranslated.
SAME_IN_BOTH = {
    "choices.bfloat16",
    "choices.float32",
    "choices.cuda",
    "choices.mps",
    "variants.denoising.run_name",
    "examples.denoising",  # the chapter keeps
    # "denoising" (glossary)
    "lessons.vae_bar",
    "diagrams.conv",
    "diagrams.deconv",
}

# Portuguese function words: the brief's list and a few more. "a", "as", "do" and "no" are
# English words too, so they alone do not make a sentence Portuguese; any other, or an accented
# letter, does. A segment of 4+ words with neither is probably English.
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
# Rendered words that are names, not English: run and file names, libraries, authors.
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


# ---------------------------------------------------------------- the catalogs


def catalog_file(language: str, name: str) -> dict[str, str]:
    return json.loads((CATALOGS / language / name).read_text(encoding="utf-8"))


def fields(text: str) -> set[str]:
    """The names of a text's {fields} (format specs and conversions aside)."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            names.add(re.split(r"[.\[]", name)[0])
    return names


def test_both_languages_have_the_same_files_and_keys():
    english = sorted(p.name for p in (CATALOGS / "en").glob("*.json"))
    portuguese = sorted(p.name for p in (CATALOGS / "pt").glob("*.json"))
    assert english == portuguese
    for name in english:
        en, pt = catalog_file("en", name), catalog_file("pt", name)
        assert sorted(set(en) - set(pt)) == [], f"{name}: keys missing in Portuguese"
        assert sorted(set(pt) - set(en)) == [], f"{name}: keys only in Portuguese"


def test_every_text_has_the_same_fields_in_both_languages():
    en, pt = catalog("en"), catalog("pt")
    wrong = {
        key: (sorted(fields(en[key])), sorted(fields(pt[key])))
        for key in en
        if key in pt and fields(en[key]) != fields(pt[key])
    }
    assert not wrong, wrong


class _Anything:
    """Formats under any spec and conversion, so a text's syntax is checked on its own."""

    def __format__(self, spec: str) -> str:
        return "x"

    def __repr__(self) -> str:
        return "x"


def test_every_text_formats():
    for language in ("en", "pt"):
        for text in catalog(language).values():
            values = {name: _Anything() for name in fields(text)}
            text.format(**values)  # raises on a stray brace or a bad field


def _only_names(text: str) -> bool:
    """True when a text holds nothing to translate: allow-listed terms, numbers, punctuation."""
    rest = re.sub(r"\{[^{}]*\}", " ", text)
    for term in sorted(ALLOW_LIST, key=len, reverse=True):
        rest = re.sub(rf"(?<![\w-]){re.escape(term)}(?![\w-])", " ", rest)
    return not re.search(r"[^\W\d_]", rest)


def test_every_portuguese_text_is_translated():
    en, pt = catalog("en"), catalog("pt")
    untranslated = sorted(
        key
        for key in en
        if pt.get(key) == en[key] and key not in SAME_IN_BOTH and not _only_names(en[key])
    )
    assert not untranslated, f"untranslated in Portuguese: {untranslated}"
    stale = sorted(key for key in SAME_IN_BOTH if pt.get(key) != en.get(key))
    assert not stale, f"SAME_IN_BOTH lists keys that now differ: {stale}"


def test_numbers_are_written_the_language_s_way():
    assert number(1234.5, 1, "pt") == "1.234,5"
    assert number(1234.5, 1, "en") == "1,234.5"
    assert number(1_234_567, 0, "pt") == "1.234.567"
    assert number(0.25, 2, "pt") == "0,25"
    assert percent(0.125, 1, "pt") == "12,5%" and percent(0.125, 1, "en") == "12.5%"


# ---------------------------------------------------------------- core's refusals


def test_upload_refusals_are_the_english_catalog_texts():
    from core.uploads.refusals import ACCEPTED, REFUSALS

    def unformatted(text: str) -> str:  # the app formats numbers itself (ui.i18n.localized)
        return re.sub(r"\{(\w+)(![rs])?:[^{}]*\}", r"{\1\2}", text)

    en = catalog("en")
    assert en["problems.upload_accepted"] == unformatted(ACCEPTED)
    for reason, text in REFUSALS.items():
        assert en[f"problems.upload_{reason}"] == unformatted(text), reason


@pytest.mark.parametrize(
    "content, filename",
    [(b"", "x.npz"), (b"\x80\x04K\x01.", "model.pt"), (b"junk", "a.npz"), (b"hello", "a.txt")],
)
def test_an_upload_refusal_reads_the_same_in_english_and_is_translated(content, filename):
    from core.uploads.reading import read_upload

    with pytest.raises(ValueError) as info:
        read_upload(content, filename)
    error = info.value
    key = f"problems.{error.key}"
    english = translate("en", key, **localized(error.fields, "en"))
    accepted = translate("en", "problems.upload_accepted", **localized(error.fields, "en"))
    assert f"{english} {accepted}" == str(error)
    portuguese = translate("pt", key, **localized(error.fields, "pt"))
    assert portuguese != english and "Aceitos:" in translate(
        "pt", "problems.upload_accepted", **localized(error.fields, "pt")
    )


# ---------------------------------------------------------------- rendering the pages


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("AE_UMAP_WARMUP", "0")


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


@cache
def default_render(page: str, language: str) -> AppTest:
    return render(page, language)


def test_pages_are_the_app_s_pages():
    assert "pages/home.py" in PAGES and len(PAGES) >= 9


@pytest.mark.parametrize("language", ["en", "pt"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(page, language):
    at = default_render(page, language)
    assert not at.exception, at.exception
    area = {"reconstructions": "recon"}.get(Path(page).stem, Path(page).stem)
    assert [title.value for title in at.title] == [translate(language, f"{area}.title")]
    keys = set(catalog("en"))
    shown = sorted(
        {token for text in at.texts for token in re.split(r"[\s,;()]+", text) if token in keys}
    )
    assert not shown, f"catalog keys shown instead of their texts: {shown}"


# ---------------------------------------------------------------- what a page shows

BAD_NPZ = npz_bytes(images=np.zeros((20, 28, 28), dtype=np.uint8))  # no array named 'x'

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


def test_the_english_checks_catch_english():
    assert english_on_screen(["Runs appear here once they finish training."])
    assert english_on_screen(["Drag the slider to see more of the codes"])  # not a catalog text
    assert not english_on_screen(["As execuções aparecem aqui quando terminam de treinar."])
    assert not english_on_screen(["Execuções comparadas: standard (exemplo), sparse (exemplo)"])
    assert english_on_screen(["lessons.claim"])  # a missing or empty text shows its key
    assert english_on_screen(["erro médio de 28.04"])
    assert not english_on_screen(["erro médio de 28,04 em 1.797 imagens"])


@pytest.fixture(scope="module")
def session_runs(small_digits):
    """A few tiny runs of this session: a live panel, a runs table, a VAE with a 2-D code, a
    model with no prior, and the deep autoencoder's RBM panel."""
    return {
        name: session_run(name, small_digits, timeout=120) for name in ("standard", "vae", "deep")
    }


def _scenarios(page: str, runs: dict) -> Iterator[tuple[str, dict, tuple | None, bool]]:
    """(what, session state, upload, with the zoo) of each further state of a page the test
    draws in Portuguese, beside its first visit."""
    from core.models import MODELS
    from core.teaching.lessons import LESSONS

    if page == "pages/home.py":
        yield "upload chosen", {"dataset_name": "upload"}, None, True
        yield "upload refused", {"dataset_name": "upload"}, ("mine.npz", BAD_NPZ), True
        yield "presenter", {"presenter": True}, None, True
    elif page == "pages/train.py":
        for variant in MODELS:
            yield f"variant {variant}", {"train_variant": variant}, None, True
        for name in runs:
            yield (
                f"run {name}",
                {"runs": dict(runs), "active_run": name, "train_variant": name},
                None,
                True,
            )
    elif page == "pages/lessons.py":
        for lesson in list(LESSONS)[1:]:
            yield f"lesson {lesson}", {"lesson": lesson}, None, True
        yield "presenter", {"presenter": True}, None, True
    elif page == "pages/compare.py":  # every run on one page: measuring the zoo again is slow
        yield "this session's runs", {"runs": dict(runs)}, None, False
    else:
        for name in runs:
            yield f"run {name}", {"runs": dict(runs), "active_run": name}, None, True


def test_no_zoo_is_explained_in_portuguese(monkeypatch, tmp_path):
    monkeypatch.setenv("AE_ZOO_DIR", str(tmp_path))  # a server without the pretrained examples
    found = []
    for page in ("pages/reconstructions.py", "pages/lessons.py"):
        at = render(page, "pt")
        assert not at.exception, at.exception
        found += english_on_screen(at.texts)
    assert any(
        translate("pt", "common.no_run") in text for text in render("pages/generate.py", "pt").texts
    )
    assert not found, "\n".join(found)


@pytest.mark.parametrize("page", PAGES)
def test_portuguese_pages_show_no_english(page, session_runs, tmp_path, monkeypatch):
    found = []
    at = default_render(page, "pt")
    assert not at.exception, at.exception
    found += [f"{page}, first visit: {problem}" for problem in english_on_screen(at.texts)]
    for what, session, upload, zoo in _scenarios(page, session_runs):
        with monkeypatch.context() as patch:
            if not zoo:
                patch.setenv("AE_ZOO_DIR", str(tmp_path))
            at = render(page, "pt", session, upload)
        assert not at.exception, (what, at.exception)
        found += [f"{page}, {what}: {problem}" for problem in english_on_screen(at.texts)]
    assert not found, "English on a Portuguese page:\n" + "\n".join(dict.fromkeys(found))


def test_an_upload_refusal_is_shown_in_the_chosen_language():
    for language, accepted in (("pt", "Aceitos:"), ("en", "Accepted:")):
        at = render("pages/home.py", language, {"dataset_name": "upload"}, ("mine.npz", BAD_NPZ))
        assert not at.exception, at.exception
        errors = [e.value for e in at.error]
        assert any(
            translate(language, "problems.upload_no_x", found="images") in e and accepted in e
            for e in errors
        ), errors
