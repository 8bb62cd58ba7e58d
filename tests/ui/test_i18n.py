"""The app speaks Portuguese: both catalogs hold the same texts, every Portuguese text is really
translated, every page renders in both languages, and with Portuguese chosen no page shows an
English sentence, whether it comes from the catalogs or was written into a page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import session_run
from tests.core.uploads.make_bad_uploads import npz_bytes
from tests.ui.screen_text import CATALOGS, PAGES, english_on_screen, fields, render
from ui.i18n import ALLOW_LIST, catalog, localized, number, percent, translate

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
# Rendered words that are names, not English: run and file names, libraries, authors.


# ---------------------------------------------------------------- the catalogs


def catalog_file(language: str, name: str) -> dict[str, str]:
    return json.loads((CATALOGS / language / name).read_text(encoding="utf-8"))


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
