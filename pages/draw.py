"""Draw a digit: every run rebuilds it, the classifier names it, the latent map places it, noise
tests it, the VAE decodes codes near it, and a walk goes from a kept drawing to this one; all
redrawn when a stroke ends."""

import streamlit as st

from core.models.denoising import NOISE_KINDS
from core.science import drawing
from ui import locale_numbers, through_app
from ui.draw import class_drawings, views, walk
from ui.i18n import number, t

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("draw.title"))
st.caption(t("draw.intro"))

pad, seen, noise = st.columns([4, 2, 4], gap="large")
with pad:
    pen = st.slider(t("draw.pen"), 8, 48, drawing.PEN, 2, key="draw.pen", help=t("draw.pen_help"))
    strokes = views.drawing_pad(pen)
pixels = drawing.render_strokes(strokes, pen=pen)
problem = drawing.check(pixels)
x = drawing.to_mnist(pixels)  # (1, 1, 28, 28): what every model sees
with seen:
    views.show_input(x)
    if problem is None:
        views.show_class(x)
with pad:  # a student in a class adds this drawing to the class's drawings
    class_drawings.add_panel(x, usable=problem is None)
with noise:
    kind = st.segmented_control(
        t("draw.noise_kind"),
        NOISE_KINDS,
        default="gaussian",
        required=True,
        key="draw.noise_kind",
        format_func=lambda k: t(f"noise.{k}"),
    )
    level = st.slider(
        t("draw.noise_level"),
        0.0,
        1.0,
        0.3,
        0.05,
        key="draw.noise_level",
        help=t("noise.level_help"),
        format=locale_numbers.slider_format(),
    )
    st.caption(t("draw.noise_caption"))

if problem is not None:
    (st.info if problem == "empty" else st.warning)(t(f"draw.problem_{problem}"))
    views.warm_up()
    st.stop()

runs = views.runs_at_hand()
if not runs:
    st.info(t("draw.no_runs"))
    st.page_link("pages/train.py", label=t("common.go_train"), icon=":material/model_training:")
    st.stop()

noisy = drawing.noisy_copy(x, kind, level)
results = views.rebuild_all(runs, x, noisy)  # one forward pass per run for both rows
st.subheader(t("draw.rebuilds_title"))
st.caption(t("draw.rebuilds_caption"))
views.show_rebuilds(results, "recon", x, t("draw.input_short"), t("draw.input_short_alt"))
st.subheader(t("draw.noise_title"))
noise_name = t(f"noise.named_{kind}")
views.show_rebuilds(
    results,
    "noisy",
    noisy,
    t("draw.noisy_caption", noise=noise_name, level=number(level, 2)),
    t("draw.noisy_alt", noise=noise_name),
)

st.subheader(t("draw.map_section"))
map_run = views.map_run()
if map_run is None:
    st.caption(t("draw.no_map"))
else:
    st.caption(t("draw.map_caption", name=map_run.name))
    views.show_map(map_run, x)

st.subheader(t("draw.vae_section"))
vae = views.vae_run()
if vae is None:
    st.caption(t("draw.no_vae"))
else:
    st.caption(t("draw.vae_caption", name=vae.name))
    views.show_vae(vae, x)

walk.section(strokes, x)  # keep this drawing, draw another, walk between their codes
