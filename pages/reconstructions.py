"""Reconstructions: originals beside reconstructions, error per class, the worst cases."""

import streamlit as st
import torch

from core import analysis
from ui import common, figures, images

st.title("Reconstructions")
run = common.require_run()
x = common.test_images(run)

st.subheader("Test images and their reconstructions")
left, right = st.columns([3, 1], vertical_alignment="bottom")
chosen = left.text_input("Test image numbers (comma-separated), or leave empty for random ones",
                         help=f"0 to {len(x) - 1}")
seed = right.number_input("Random seed", 0, 10_000, 0)
try:
    indices = [int(i) for i in chosen.replace(" ", "").split(",") if i] if chosen else []
    if any(not 0 <= i < len(x) for i in indices):
        raise ValueError
except ValueError:
    st.error(f"Write whole numbers from 0 to {len(x) - 1}, separated by commas.")
    indices = []
if not indices:
    indices = torch.randperm(len(x), generator=torch.Generator().manual_seed(int(seed)))[:16]
picked = x[torch.as_tensor(indices)]
images.show_row(picked, "originals", columns=16)
images.show_row(analysis.reconstruct_all(run.model, picked), "reconstructions", columns=16)

errors = common.test_errors(run)
labels = common.test_labels(run)
st.metric("Mean test error (SSE per image)", f"{float(errors.mean()):.2f}")
if labels is not None:
    classes = sorted(set(labels.tolist()))
    means = [float(errors[labels == c].mean()) for c in classes]
    st.plotly_chart(figures.bars([common.class_name(run, c) for c in classes], means,
                                 "Error per class", "class", "SSE per image"))

st.subheader("Worst reconstructed test images")
worst = errors.argsort(descending=True)[:12]
images.show_row(x[worst], "originals", columns=12)
images.show_row(analysis.reconstruct_all(run.model, x[worst]),
                "reconstructions (errors: " + ", ".join(f"{float(errors[i]):.0f}" for i in worst)
                + ")", columns=12)
