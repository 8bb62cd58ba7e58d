"""Diagrams of the eight architectures, drawn as SVG from the model's real layer sizes
(core.science.architecture), labelled in the user's language. `python -m ui.kit.diagrams` writes the
default models' diagrams to assets/diagrams/ (English and Portuguese); a test checks they match
what this code draws, so the shipped files stay true when defaults change."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import streamlit as st

from core.assets import ASSETS_DIR
from core.models import MODELS, Autoencoder, build_model
from core.params import parse_assignments
from core.science.architecture import Architecture, Layer, describe
from ui.i18n import LANGUAGES, language, translate

ASSETS = ASSETS_DIR / "diagrams"
STEP, TOP, HEIGHT = 74, 40, 150  # horizontal pitch, top margin, tallest bar
INK, CODE, NOTE, PRESSURE = "#1f2937", "#0072B2", "#4b5563", "#B35900"  # AA contrast on white


def _height(layer: Layer) -> float:
    return 18 + (HEIGHT - 18) * math.log2(layer.units) / math.log2(784 * 2)


def _shape(layer: Layer) -> str:
    return "×".join(map(str, layer.shape)) if len(layer.shape) > 1 else str(layer.shape[0])


def svg(arch: Architecture, lang: str) -> str:
    def tr(key: str, **fields) -> str:
        return escape(translate(lang, f"diagrams.{key}", **fields))

    notes = [tr("noise")] if arch.noisy_input else []
    notes += [tr(f"penalty_{arch.code_penalty}")] if arch.code_penalty else []
    notes += [tr("sampled", dim=arch.code_dim)] if arch.sampled_code else []
    notes += [tr("rbm", stages=arch.rbm_stages)] if arch.rbm_stages else []
    notes += [tr("tied")] if arch.tied else []
    top = TOP + 16 * len(notes)  # the variant's own pressure, in words, above the layers
    layers = arch.encoder + arch.decoder
    width = max(STEP * len(layers) + 60, 330)
    total = top + HEIGHT + 60
    middle = top + HEIGHT / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total}" '
        f'width="{width}" height="{total}" font-family="sans-serif" font-size="12" '
        f'role="img"><defs><marker id="a" viewBox="0 0 6 6" refX="6" refY="3" '
        f'markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L6,3L0,6z" '
        f'fill="{NOTE}"/></marker></defs><rect width="100%" height="100%" fill="#ffffff"/>'
    ]
    for row, text in enumerate(notes):
        parts.append(
            f'<text x="10" y="{44 + 16 * row}" fill="{PRESSURE}" font-size="12" '
            f'font-style="italic">{text}</text>'
        )
    code_index = len(arch.encoder) - 1
    for index, layer in enumerate(layers):
        x, h = 30 + index * STEP, _height(layer)
        is_code = index == code_index
        color = CODE if is_code else INK
        fill = "#cfe3f3" if is_code else "#e5e7eb"
        parts.append(
            f'<rect x="{x}" y="{middle - h / 2:.1f}" width="34" height="{h:.1f}" '
            f'rx="4" fill="{fill}" stroke="{color}" stroke-width="2"/>'
        )
        if index:
            parts.append(
                f'<line x1="{x - STEP + 36}" y1="{middle}" x2="{x - 2}" y2="{middle}" '
                f'stroke="{NOTE}" stroke-width="1.5" marker-end="url(#a)"/>'
            )
        kind = (
            (tr("code_sampled") if arch.sampled_code else tr("code")) if is_code else tr(layer.kind)
        )
        shape = _shape(layer)
        if is_code and arch.sampled_code:
            shape = f"2×{arch.code_dim}"
        for line, (text, fill_text, weight) in enumerate(
            (
                (kind, color, 700 if is_code else 400),
                (shape, NOTE, 400),
                (escape(layer.activation or "") if layer.kind != "input" else "", NOTE, 400),
            )
        ):
            parts.append(
                f'<text x="{x + 17}" y="{top + HEIGHT + 18 + 15 * line}" '
                f'text-anchor="middle" fill="{fill_text}" font-weight="{weight}">'
                f"{text}</text>"
            )
    code_x = 30 + code_index * STEP + 17
    parts.append(
        f'<text x="{30 + code_index * STEP / 2:.0f}" y="22" text-anchor="middle" '
        f'fill="{INK}" font-weight="700">{tr("encoder")}</text>'
    )
    parts.append(
        f'<text x="{code_x + len(arch.decoder) * STEP / 2:.0f}" y="22" '
        f'text-anchor="middle" fill="{INK}" font-weight="700">{tr("decoder")}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def alt_text(arch: Architecture, lang: str) -> str:
    """The diagram in words, for screen readers: the layer sizes from input to output."""
    chain = " → ".join(_shape(layer) for layer in arch.encoder + arch.decoder)
    return translate(lang, "diagrams.alt", chain=chain, code=arch.code_dim)


def for_model(model: Autoencoder, lang: str) -> tuple[str, str]:
    arch = describe(model)
    return svg(arch, lang), alt_text(arch, lang)


def show(variant: str, hyperparameters: dict | None = None) -> None:
    """Draw the diagram of a variant with these settings (its defaults when None), in the
    session's language; settings that do not build a model draw nothing."""
    key = tuple(sorted((k, str(v)) for k, v in (hyperparameters or {}).items()))
    try:
        picture, alt = _cached(variant, key, language())
    except ValueError:
        return
    st.image(picture, alt=alt, width="content")


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(variant: str, settings: tuple, lang: str) -> tuple[str, str]:
    values = parse_assignments([f"{k}={v}" for k, v in settings])
    return for_model(build_model(variant, **values), lang)


def write_assets() -> list[Path]:
    """The default model of every variant, in every language, as assets/diagrams/*.svg."""
    ASSETS.mkdir(parents=True, exist_ok=True)
    written = []
    for name in MODELS:
        for lang in LANGUAGES:
            path = ASSETS / f"{name}.{lang}.svg"
            path.write_text(for_model(build_model(name), lang)[0] + "\n", encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_assets():
        print(path)
