"""Share links: the URL carries the view a teacher hands out (language, dataset, example run,
variant and its settings, noise, projection, seed, lesson, presenter mode); the page is the
URL's path. Opening a link restores that view; every value read from a URL is checked like user
input (TensorFlow Playground's issue 63: URL values bypassed its limits): a bad one is dropped
with a short message, never an exception.

The URL is kept in step by hand rather than with widgets' bind="query-params": the URL then
holds values, never translated labels, and a link made in one language opens in another.

Long because: parsing a link's settings and writing them back are two halves of one schema."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st
from streamlit import net_util

from core.data.registry import DATASETS
from core.models import MODELS
from core.models.denoising import NOISE_KINDS
from core.models.size import check_size
from core.params import field_default, make_config, parse_assignments
from core.runs import store
from core.science.projection import METHODS
from core.settings import env_text
from core.teaching.lessons import LESSONS
from core.training.loop import RUN_SETTINGS, TrainConfig
from ui import keys
from ui.i18n import LANGUAGES, language, t
from ui.pages_table import PAGES
from ui.runs import ids, library, visitor

VERSION = "1"  # bump when a default or a key's meaning changes, so old links are read right
# A link's key is shown back to its reader only when it is a plain name like the app's own
# (hp.hidden_sizes); values never are: text from a URL rendered as markdown could draw headings,
# links and images in the app's own voice (a fake "session expired, sign in here").
SHOWN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,39}")


def _choice(options) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        if raw not in options:
            raise ValueError
        return raw

    return parse


def _number(low: float, high: float, whole: bool = False) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        value = int(raw) if whole else float(raw)
        if not low <= value <= high or value != value:
            raise ValueError
        return value

    return parse


def _flag(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ValueError
    return raw == "1"


def _simple() -> dict[str, tuple[str, Callable[[str], Any]]]:
    """URL key -> (session-state key, parser) for the single-valued settings."""

    return {
        "lang": (keys.LANGUAGE, _choice(LANGUAGES)),
        "dataset": (keys.DATASET_NAME, _choice(DATASETS)),
        "variant": (keys.TRAIN_VARIANT, _choice(MODELS)),
        "noise": ("noise.kind", _choice(NOISE_KINDS)),
        "level": ("noise.level", _number(0.0, 1.0)),
        "projection": ("latent.method", _choice(METHODS)),
        "seed": ("seed", _number(0, 1_000_000, whole=True)),
        "lesson": (keys.LESSON, _choice(LESSONS)),
        "presenter": (keys.PRESENTER, _flag),
    }


def _settings(prefix: str) -> tuple[type, str]:
    """The dataclass and widget-key prefix of hp.* (the variant's) or tc.* (training)."""

    if prefix == "hp":
        variant = st.session_state.get(keys.TRAIN_VARIANT, "standard")
        return MODELS[variant].Config, f"hp.{variant}"
    return TrainConfig, "tc"


def _parse_setting(config_class: type, name: str, raw: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    if name not in fields or not fields[name].metadata.get("ui", True):
        raise ValueError
    value = parse_assignments([f"{name}={raw}"])[name]
    config = make_config(config_class, {name: value})  # the same ranges and choices as core
    model_class = _model_class(config_class)
    if model_class is not None:  # and the same size limit, before the model is ever built
        check_size(model_class, config)
    return tuple(value) if isinstance(value, list) else value


def _model_class(config_class: type) -> type | None:
    return next((cls for cls in MODELS.values() if cls.Config is config_class), None)


def apply() -> None:
    """Read the URL into the session once per new URL (before any widget is drawn)."""
    params = {key: st.query_params.get(key) for key in st.query_params}
    signature = tuple(sorted(params.items()))
    if not params or st.session_state.get("link_applied") == signature:
        return
    st.session_state["link_applied"] = signature
    problems = []
    simple = _simple()
    ordered = sorted(params, key=lambda key: key != "variant")  # hp.* needs the variant first
    for key in ordered:
        raw = params[key]
        try:
            if key in ("v", "class", "teacher"):  # the Class page reads its own link
                continue
            if key == "run":
                st.session_state[keys.PENDING_ACTIVE_RUN] = _run(raw)
            elif key in simple:
                state_key, parse = simple[key]
                st.session_state[state_key] = parse(raw)
            elif key.partition(".")[0] in ("hp", "tc"):
                config_class, prefix = _settings(key.partition(".")[0])
                name = key.partition(".")[2]
                value = _parse_setting(config_class, name, raw)
                st.session_state[f"{prefix}.{name}"] = (
                    ", ".join(map(str, value)) if isinstance(value, tuple) else value
                )
            else:
                raise ValueError
        except (ValueError, TypeError, KeyError):
            problems.append(key)
    if problems:
        st.session_state["link_problems"] = problems


def _run(raw: str) -> str:

    kind, name = ids.parse(raw)
    if kind == ids.ZOO and name in library.zoo_names():
        return raw

    if kind == ids.SAVED and (store.runs_dir() / store.safe_name(name)).is_dir():
        return ids.saved(store.safe_name(name))
    raise ValueError


def current() -> dict[str, str]:
    """The view's shareable state as URL parameters (defaults left out)."""
    params = {"v": VERSION, "lang": st.session_state.get(keys.LANGUAGE) or "en"}
    for key, (state_key, _) in _simple().items():
        value = st.session_state.get(state_key)
        if key != "lang" and value not in (None, "", False):
            params[key] = "1" if value is True else str(value)
    run = st.session_state.get(keys.ACTIVE_RUN) or ""
    if ids.is_shareable(run):
        params["run"] = run
    for prefix in ("hp", "tc"):
        config_class, widget_prefix = _settings(prefix)
        for f in dataclasses.fields(config_class):
            value = st.session_state.get(f"{widget_prefix}.{f.name}")
            default = field_default(f)
            if (
                value is not None
                and value != default
                and str(value)
                != ", ".join(map(str, default if isinstance(default, tuple) else [default]))
            ):
                params[f"{prefix}.{f.name}"] = url_value(value)
    return params


def url_value(value: Any) -> str:
    """A setting as parse_assignments reads it back: JSON for booleans and layer sizes (a
    tuple, or the sizes' text field "1000, 500, 250")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple) or (isinstance(value, str) and "," in value):
        return "[" + str(value).strip("()").replace(" ", "") + "]"
    return str(value).replace(" ", "")


def for_run(
    variant: str, hyperparameters: dict[str, Any], train_config: dict[str, Any], dataset: str
) -> dict[str, str]:
    """The query of a link that opens Train with a run's variant and settings, its seed
    included (always written: Train's own defaults differ from TrainConfig's), so anyone
    retrains that very run."""

    params = {"v": VERSION, "lang": language(), "variant": variant}
    if dataset in DATASETS:
        params["dataset"] = dataset
    defaults = dataclasses.asdict(MODELS[variant].Config())
    params.update(
        {
            f"hp.{k}": url_value(v)
            for k, v in hyperparameters.items()
            if k in defaults and v != defaults[k]
        }
    )
    params.update(
        {f"tc.{k}": url_value(train_config[k]) for k in RUN_SETTINGS if k in train_config}
    )
    return params


def write() -> None:
    """Keep the URL in step with the view (called at the end of every script run)."""
    params = current()
    if {key: st.query_params.get(key) for key in st.query_params} != params:
        st.query_params.from_dict(params)
    st.session_state["link_applied"] = tuple(sorted(params.items()))


def share_control() -> None:
    """'Copy link': the full URL of this view, with a copy button."""
    problems = st.session_state.pop("link_problems", None)
    if problems:
        st.warning(t("links.bad_values", values=shown_keys(problems)))
    with st.popover(t("links.share"), icon=":material/link:", width="stretch"):
        base = reachable_page_url()
        query = urlencode(current())
        st.caption(t("links.share_help"))
        st.code(f"{base}?{query}", language=None, wrap_lines=True)


def shown_keys(keys: list[str]) -> str:
    """The link's bad keys as inline code, safe to render as markdown; any key that is not a
    plain name is left unnamed (its text never reaches the page)."""
    plain = [f"`{key}`" for key in dict.fromkeys(keys) if SHOWN_KEY.fullmatch(key)]
    unnamed = len(keys) - sum(1 for key in keys if SHOWN_KEY.fullmatch(key))
    if unnamed:
        plain.append(t("links.unnamed_keys", count=unnamed))
    return ", ".join(plain)


# the url_path of every page but Home (ui/pages_table.py): what app_url() takes off an address
PAGE_PATHS = tuple(page.url_path for page in PAGES if page.url_path)


def page_url() -> str:
    """This page's address without its query ('' without a browser, as in AppTest)."""
    try:
        url = st.context.url
    except Exception:  # AppTest has no browser URL
        return ""
    return (url or "").split("?")[0]


def space_host() -> str | None:
    """The host a Hugging Face Space serves the app at ($SPACE_HOST, "someone-ae.hf.space");
    None elsewhere."""
    host = (env_text("SPACE_HOST") or "").split(",")[0].strip().strip("/")
    return host or None


def reachable_app_url() -> tuple[str, bool]:
    """The app's address as other devices reach it, and whether it is one they can: the
    server's public address when $AE_PUBLIC_URL sets it (behind a proxy); on a Hugging Face
    Space https://$SPACE_HOST (not the huggingface.co page that frames it); the page's own
    address unless it is a loopback one (localhost, 127.x, ::1); on a loopback address the
    machine's network address, the one Streamlit prints as "Network URL" (a teacher's
    laptop on the school's Wi-Fi). (address, False) when no address others can reach is
    known. Every link the app hands out starts with it."""
    public = env_text("AE_PUBLIC_URL")
    if public:
        return public.rstrip("/"), True
    if space_host():
        return f"https://{space_host()}", True
    base = app_url()
    parts = urlsplit(base)
    if not parts.hostname:
        return base, False
    if not _loopback(parts.hostname):
        return base, True
    found = net_util.get_internal_ip()
    if not found or _loopback(found):
        return base, False
    netloc = f"{found}:{parts.port}" if parts.port else found
    return urlunsplit(parts._replace(netloc=netloc)), True


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost")


def own_tab_notice(page: str = "") -> None:
    """Where this browser did not keep the app's cookie (inside a Hugging Face Space's page,
    whose frame is another site's: third-party cookies blocked), say what does not work here
    (being remembered, uploads) and link the app in its own tab."""
    if visitor.identity_kept():
        return
    base = reachable_app_url()[0] or app_url()
    url = f"{base}/{page}" if page else base
    st.warning(t("links.own_tab", url=url), icon=":material/open_in_new:")


def reachable_page_url() -> str:
    """This page's address as other devices reach it (reachable_app_url and the page's path):
    what "Share this view" hands out."""
    own, base = page_url(), app_url()
    path = own[len(base) :] if own.startswith(base) else ""
    return reachable_app_url()[0] + path


def app_url() -> str:
    """The app's own address, without the page's path: what the links the app hands out to
    other pages start with ('http://host:8501', or '.../base' under a base path)."""
    base = page_url().rstrip("/")
    head, _, last = base.rpartition("/")
    return head if last in PAGE_PATHS and "//" in head else base
