"""Noise robustness: corrupt test images and see what each run rebuilds."""

import streamlit as st
import torch

from core import analysis
from core.models import NOISE_KINDS
from ui import common, figures, images, state

st.title("Noise robustness")
run = common.require_run()
kind = st.segmented_control("Noise", NOISE_KINDS, default="gaussian", required=True,
                            format_func=lambda k: k.replace("_", " and "))
level = st.slider("Noise level", 0.0, 1.0, 0.3, 0.05,
                  help="Standard deviation for gaussian; share of pixels hit otherwise.")
x = common.test_images(run)
clean = x[:12]
noisy = analysis.corrupt(clean, kind, level, torch.Generator().manual_seed(0))
images.show_row(clean, "clean", columns=12)
images.show_row(noisy, f"{kind} noise, level {level:g}", columns=12)
images.show_row(analysis.reconstruct_all(run.model, noisy), f"{run.name} reconstructs",
                columns=12)

st.subheader("Error against the clean image, as noise grows")
others = {r.id: r for r in state.all_runs() if r.id != run.id}
compare = [others[i] for i in st.multiselect("Also show", list(others),
                                             format_func=lambda i: others[i].label)]
levels = [round(0.1 * i, 1) for i in range(11)]
curves = {r.name: r.cached(("noise", kind), lambda r=r: analysis.noise_curve(
    r.model, r.dataset.x_test[:1000], kind, levels)) for r in [run, *compare]}
st.plotly_chart(figures.lines(levels, curves, f"Reconstruction error under {kind} noise",
                              "noise level", "SSE per image (vs clean)"))
