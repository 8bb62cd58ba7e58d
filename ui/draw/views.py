"""The Draw page's pieces: a drawing pad (an inline components-v2 canvas) and the views of what
every run makes of a drawing.

Why an inline pad and not streamlit-drawable-canvas (0.13, components v2, measured 2026-11 with
Streamlit 1.67 in headless Chromium): both work with the mouse and with touch. The package
draws with Fabric.js (a 413 kB script), sends the whole canvas as a PNG data URL (8-9 kB) plus
Fabric's JSON of every object at each stroke end, and shows its undo/reset toolbar only on
hover, which a tablet does not have. This pad is ~100 lines of JavaScript on pointer events
(one code path for mouse, pen and touch; `touch-action: none` so a finger draws instead of
scrolling), has its own Undo and Clear buttons, and sends only the strokes (about 1 kB for a
digit); the server paints them (core.science.drawing.render_strokes), so what the models see does
not
depend on the browser, and a test can draw by setting the pad's state. No new dependency.

The pad's script and style are files beside this module (pad.js, pad.css), read once at import.

Long because: the drawing pad and what each model makes of a drawing."""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
import torch

from core.models import MODELS
from core.science import drawing
from core.science.analysis import encode_all
from core.science.classifier import predict
from ui import keys
from ui.i18n import language, number, percent, t, translate
from ui.kit import figures, images
from ui.kit.phrases import listed
from ui.runs import active, library, page_run, session
from ui.runs.digit_reader import classifier

PAD_KEY = "draw.pad"  # the pad's widget key: st.session_state[PAD_KEY] == {"strokes": [...]}
SAVED_KEY = keys.DRAWING  # the last strokes, kept while the user visits other pages
MAP_POINTS = 2000  # test codes on the map: the Latent space page's default count
NEIGHBOURS = 8

# The labels are in the HTML itself (one registration per language), so the buttons and the
# canvas have their names from the first paint, before the script runs (screen readers, axe).
_HTML = """<div class="pad-wrap">
<canvas class="pad" width="560" height="560" role="img" aria-label="{pad}"></canvas>
<div class="tools"><button type="button" class="undo">{undo}</button>
<button type="button" class="clear">{clear}</button></div></div>"""

# The pad's style and script live beside this module, read once at import.
_CSS = (Path(__file__).parent / "pad.css").read_text(encoding="utf-8")
_JS = (Path(__file__).parent / "pad.js").read_text(encoding="utf-8")


@functools.cache
def _pad_component(lang: str) -> Any:
    labels = {
        name: html.escape(translate(lang, f"draw.{key}"))
        for name, key in (("undo", "undo"), ("clear", "clear"), ("pad", "pad_label"))
    }
    return st.components.v2.component(
        f"autoencoder_explorer.drawing_pad_{lang}", html=_HTML.format(**labels), css=_CSS, js=_JS
    )


def drawing_pad(pen: float) -> list[list[tuple[float, float]]]:
    """The pad; returns its strokes (checked: the browser is user input), kept across pages."""
    saved = st.session_state.get(SAVED_KEY, [])
    current = st.session_state.get(PAD_KEY)
    if isinstance(current, dict) and "strokes" in current:
        saved = drawing.clean_strokes(current["strokes"])
    labels = {"undo": t("draw.undo"), "clear": t("draw.clear"), "pad": t("draw.pad_label")}
    pad = _pad_component(language())
    result = pad(
        key=PAD_KEY,
        data={"strokes": saved, "pen": pen, "size": drawing.CANVAS, "labels": labels},
        default={"strokes": saved},
        on_strokes_change=lambda: None,
        width="content",
    )
    strokes = drawing.clean_strokes(result.get("strokes") if result else saved)
    st.session_state[SAVED_KEY] = strokes
    return strokes


# ---------------------------------------------------------------- runs and the classifier


def runs_at_hand() -> list[session.Run]:
    """The zoo's eight variants (not its 2-D twins) and this session's runs."""
    zoo = [
        run
        for name in library.zoo_names()
        if name in MODELS and (run := library.open_zoo_run(name)) is not None
    ]
    return zoo + list(session.session_runs().values())


def map_run() -> session.Run | None:
    """The run whose latent map the drawing lands on: the active run, else the zoo's standard
    autoencoder (its 2-D twin can lose a ReLU unit: then every code lies on one line)."""
    return active.active_run() or library.example_run("standard")


def warm_up() -> None:
    """Load what the first drawing needs (the runs, the classifier, the map's test codes) while
    the pad is still empty, so the first stroke is answered as fast as the next ones."""
    runs_at_hand()
    classifier()
    run = map_run()
    if run is not None:
        page_run.test_codes(run)


# ---------------------------------------------------------------- views


def show_input(x: torch.Tensor) -> None:
    images.show_row(x, t("draw.input_caption"), scale=5, alt=t("draw.input_alt"))


def show_class(x: torch.Tensor) -> None:
    model = classifier()
    if model is None:
        st.caption(t("draw.no_classifier"))
        return

    probabilities = predict(model, x)[0]
    top = probabilities.topk(3)
    best, share = int(top.indices[0]), float(top.values[0])
    st.metric(t("draw.class_label"), str(best), help=t("draw.class_help"))
    st.caption(
        t(
            "draw.class_top",
            others=listed(
                [
                    f"{int(i)} ({percent(float(p))})"
                    for i, p in zip(top.indices, top.values, strict=True)
                ]
            ),
            share=percent(share),
        )
    )


def rebuild_all(
    runs: list[session.Run], x: torch.Tensor, noisy: torch.Tensor
) -> dict[str, dict[str, Any]]:
    """Each run's rebuild of the drawing and of its noisy copy, one forward pass per run,
    errors against the clean drawing."""
    results = {}
    for run in runs:
        try:
            recon, errors = drawing.rebuild(run.model, torch.cat([x, noisy]), torch.cat([x, x]))
        except RuntimeError:  # a session run on other images (e.g. another size)
            continue
        results[run.id] = {
            "run": run,
            "recon": recon[:1],
            "noisy": recon[1:],
            "error": float(errors[0]),
            "noisy_error": float(errors[1]),
        }
    return results


def show_rebuilds(
    results: dict[str, dict[str, Any]],
    which: str,
    given: torch.Tensor,
    given_caption: str,
    given_alt: str,
    per_row: int = 9,
) -> None:
    """The input, then each run's rebuild of it (`which`: "recon" or "noisy") with its error,
    the lowest in bold, in rows of `per_row`."""
    error_key = "error" if which == "recon" else "noisy_error"
    entries = list(results.values())
    best = min((entry[error_key] for entry in entries), default=None)
    cells = [(given, given_caption, given_alt)] + [
        (
            entry[which],
            t("draw.error", name=entry["run"].name, error=number(entry[error_key], 1))
            if entry[error_key] != best
            else t("draw.error_best", name=entry["run"].name, error=number(entry[error_key], 1)),
            t("draw.rebuild_alt", name=entry["run"].name, error=number(entry[error_key], 1)),
        )
        for entry in entries
    ]
    for start in range(0, len(cells), per_row):
        for column, (image, caption, alt) in zip(
            st.columns(per_row), cells[start : start + per_row], strict=False
        ):
            with column:
                images.show_row(image, caption, scale=3, alt=alt)


def show_map(run: session.Run, x: torch.Tensor) -> None:
    """The drawing's code on the run's PCA map of the test codes, and its nearest test digits."""
    codes, labels = page_run.test_codes(run), page_run.test_labels(run)
    count = min(MAP_POINTS, len(codes))
    mean, axes = run.cached(("draw.pca", count), lambda: drawing.pca_axes(codes[:count]))

    code = encode_all(run.model, x)  # (1, code_dim)
    near = drawing.nearest(codes, code, NEIGHBOURS)
    figure = run.cached(
        ("draw.map", count, language()),
        lambda: figures.mark_point(
            figures.scatter_by_class(
                drawing.project(codes[:count], mean, axes),
                None if labels is None else labels[:count].numpy(),
                page_run.class_names(run),
                t("draw.map_title", name=run.name),
            ),
            np.zeros(2),
            np.zeros((NEIGHBOURS, 2)),
            t("draw.map_you"),
            t("draw.map_near"),
        ),
        mine=True,  # this session moves its markers on it
    )
    # the 2000-point base is built once per run and language (plotly validates every point);
    # only the two marker traces move: rings on the neighbours, the star on the drawing
    rings, star = drawing.project(codes[near], mean, axes), drawing.project(code, mean, axes)
    figure.data[-2].update(x=rings[:, 0], y=rings[:, 1])
    figure.data[-1].update(x=star[:, 0], y=star[:, 1])
    left, right = st.columns([3, 2])
    figures.show(figure, "draw", "map", run.name, container=left, key="draw.map")
    with right:
        names = (
            ""
            if labels is None
            else ", ".join(page_run.class_name(run, int(labels[i])) for i in near)
        )
        st.markdown(t("draw.near_title"))
        images.show_row(
            page_run.test_images(run)[near],
            t("draw.near_caption", labels=names),
            columns=4,
            scale=2,
            alt=t("draw.near_alt", count=len(near), labels=names),
        )


def show_vae(run: session.Run, x: torch.Tensor) -> None:
    """The VAE's code of the drawing (posterior mean and spread) and decodes of nearby codes."""
    nearby = drawing.nearby_decodes(run.model, x)
    code, spread = nearby["code"].numpy(), nearby["std"].numpy()
    figure = run.cached(
        ("draw.vae", language()),
        lambda: figures.bars(
            [str(i + 1) for i in range(len(code))],
            [0.0] * len(code),
            t("draw.vae_code_title", name=run.name),
            t("draw.vae_dim"),
            t("draw.vae_value"),
        ),
        mine=True,  # this session moves its markers on it
    )
    figure.data[0].update(y=code.tolist())  # built once per run and language, like the map
    left, right = st.columns([3, 2])
    figures.show(figure, "draw", "vae-code", run.name, container=left, key="draw.vae")
    with right:
        st.caption(t("draw.vae_spread", spread=number(float(np.mean(spread)), 2)))
        images.show_row(
            nearby["images"],
            t("draw.vae_nearby"),
            columns=4,
            scale=2,
            alt=t("draw.vae_nearby_alt", count=len(nearby["images"]), name=run.name),
        )


def vae_run() -> session.Run | None:
    """The active run if it is a VAE, else the zoo's VAE (16-D codes)."""
    run = active.active_run()
    if run is not None and run.model.has_prior and hasattr(run.model, "posterior"):
        return run
    return library.example_run("vae")
