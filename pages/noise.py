"""Noise robustness: corrupt test images and see what each run rebuilds."""

import streamlit as st
import torch

from core.models.denoising import NOISE_KINDS, corrupt
from core.science import analysis
from ui import locale_numbers, through_app
from ui.i18n import number, t
from ui.kit import figures, images
from ui.pages_table import page_of
from ui.runs import ids, library, page_run

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("noise.title"))
run = page_run.require_run(page_of(__file__).example)  # its row in ui/pages_table.py
kind = st.segmented_control(
    t("noise.kind"),
    NOISE_KINDS,
    default="gaussian",
    required=True,
    key="noise.kind",
    format_func=lambda k: t(f"noise.{k}"),
)
level = st.slider(
    t("noise.level"),
    0.0,
    1.0,
    0.3,
    0.05,
    key="noise.level",
    help=t("noise.level_help"),
    format=locale_numbers.slider_format(),
)
x = page_run.test_images(run)
clean = x[:12]
noisy = corrupt(clean, kind, level, torch.Generator().manual_seed(0))
rebuilt = analysis.reconstruct_all(run.model, noisy)
error = float(analysis.sse_per_image(rebuilt, clean).mean())
noise = t(f"noise.named_{kind}")  # "ruído gaussiano": the noun with its adjective, agreed
images.show_row(clean, t("noise.clean"), columns=12, alt=t("images.digits_alt", count=12))
images.show_row(
    noisy,
    t("noise.noisy", noise=noise, level=number(level, 2)),
    columns=12,
    alt=t("images.noisy_alt", count=12, noise=noise),
)
images.show_row(
    rebuilt,
    t("noise.rebuilt", name=run.name),
    columns=12,
    alt=t("images.recon_row_alt", name=run.name, error=number(error, 1)),
    download=figures.file_stem("noise", kind, str(level), run.name),
    download_images=torch.cat([clean, noisy, rebuilt]),
)

st.subheader(t("noise.curve_title"))
others = {r.id: r for r in library.all_runs() if r.id != run.id}
if "noise.compare" not in st.session_state and ids.zoo("standard") in others:
    st.session_state["noise.compare"] = [ids.zoo("standard")]  # the chapter's comparison
compare = [
    others[i]
    for i in st.multiselect(
        t("noise.also"), list(others), key="noise.compare", format_func=lambda i: others[i].label
    )
    if i in others
]
levels = [round(0.1 * i, 1) for i in range(11)]
curves = {
    r.name: r.cached(
        ("noise", kind),
        lambda r=r: analysis.noise_curve(r.model, r.dataset.x_test[:1000], kind, levels),
    )
    for r in [run, *compare]
}
chart = figures.lines(
    levels, curves, t("noise.curve", noise=noise), t("charts.noise_level"), t("charts.sse_vs_clean")
)
figures.show(chart, "noise", kind, run.name)
