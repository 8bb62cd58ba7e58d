"""Generate: sample codes and decode them (and how many read as digits), interpolate, traverse
one code dimension (the VAE's dimensions it uses), the VAE's own 2-D manifold."""

import streamlit as st
import torch

from core.science import analysis
from ui import through_app
from ui.i18n import number, t
from ui.kit import figures, images
from ui.pages_table import page_of
from ui.runs import page_run
from ui.teaching import generation

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("generate.title"))
run = page_run.require_run(page_of(__file__).example)  # its row in ui/pages_table.py
model = run.model
codes = page_run.test_codes(run)

if not model.has_prior:
    st.warning(t("generate.no_prior", name=run.name, variant=t(f"variants.{run.variant}.name")))

st.subheader(t("generate.samples"))
left, right = st.columns([1, 3])
seed = left.number_input(t("generate.seed"), 0, 1_000_000, 0, key="seed")
count = left.select_slider(t("generate.count"), [16, 32, 64], 32, key="generate.count")
z = analysis.sample_codes(model, codes, count, torch.Generator().manual_seed(int(seed)))
with right:
    images.show_row(
        analysis.decode_all(model, z),
        columns=16,
        scale=2,
        alt=t("images.samples_alt", name=run.name),
        download=figures.file_stem("generate-samples", run.name),
    )
    generation.samples_share(run, codes)

st.subheader(t("generate.interpolation"))
a_col, b_col, steps_col = st.columns(3)
limit = len(codes) - 1
first = a_col.number_input(t("generate.from"), 0, limit, 0, key="generate.from")
second = b_col.number_input(t("generate.to"), 0, limit, min(1, limit), key="generate.to")
steps = steps_col.slider(t("generate.steps"), 3, 16, 10, key="generate.steps")
path = analysis.interpolate(model, codes[int(first)], codes[int(second)], steps)
x = page_run.test_images(run)
images.show_row(
    torch.cat([x[int(first)][None], path, x[int(second)][None]]),
    t("generate.interpolation_caption"),
    scale=2,
    download=figures.file_stem("generate-interpolation", run.name),
)

st.subheader(t("generate.traverse"))
dim_col, range_col = st.columns(2)
with dim_col:
    dim = generation.pick_dimension(run, codes)
base_index = range_col.number_input(t("generate.start"), 0, limit, 0, key="generate.start")
walk = analysis.traverse(model, codes, int(base_index), dim)
values = walk["values"]
images.show_row(
    walk["images"],
    t(
        "generate.traverse_caption",
        dim=dim,
        low=number(float(values[0])),
        high=number(float(values[-1])),
    ),
    scale=2,
    download=figures.file_stem("generate-traversal", run.name),
)

generation.manifold(run)
