"""Generate: sample codes and decode them, interpolate, traverse one code dimension."""

import streamlit as st
import torch

from core import analysis
from ui import common, images

st.title("Generate new images")
run = common.require_run()
model = run.model
codes = common.test_codes(run)

if not model.has_prior:
    st.warning(f"{run.name} is a {run.variant} autoencoder: it has no prior, so nothing tells "
               "us where in the code space real images live. Samples below come from a "
               "Gaussian fitted to its test codes, and often land where the decoder never "
               "learned anything: expect blurry or broken images. A VAE is trained so that "
               "draws from N(0, I) decode well.")

st.subheader("Samples")
left, right = st.columns([1, 3])
seed = left.number_input("Seed", 0, 1_000_000, 0)
count = left.select_slider("How many", [16, 32, 64], 32)
z = analysis.sample_codes(model, codes, count, torch.Generator().manual_seed(int(seed)))
with right:
    images.show_row(analysis.decode_all(model, z), columns=16, scale=2)

st.subheader("Interpolation between two test images")
a_col, b_col, steps_col = st.columns(3)
limit = len(codes) - 1
first = a_col.number_input("From test image", 0, limit, 0)
second = b_col.number_input("To test image", 0, limit, min(1, limit))
steps = steps_col.slider("Steps", 3, 16, 10)
weights = torch.linspace(0, 1, steps).unsqueeze(1)
path = (1 - weights) * codes[int(first)] + weights * codes[int(second)]
x = common.test_images(run)
images.show_row(torch.cat([x[int(first)][None], analysis.decode_all(model, path),
                           x[int(second)][None]]),
                "original, the straight line between their codes decoded, original", scale=2)

st.subheader("Traverse one code dimension")
dim_col, range_col = st.columns(2)
dim = dim_col.number_input("Code dimension", 0, model.code_dim - 1, 0)
base_index = range_col.number_input("Starting from test image", 0, limit, 0)
spread = float(codes[:, int(dim)].std()) or 1.0
values = torch.linspace(-3, 3, 11) * spread + float(codes[:, int(dim)].mean())
walk = codes[int(base_index)].repeat(11, 1)
walk[:, int(dim)] = values
images.show_row(analysis.decode_all(model, walk), f"dimension {dim} from {values[0]:.2f} to "
                f"{values[-1]:.2f} (mean ± 3 standard deviations); all others fixed", scale=2)

if model.code_dim == 2:
    st.subheader("The 2-D manifold")
    plane = analysis.decoded_plane(model, codes, size=20)
    images.show_row(plane["images"], columns=20, scale=1)
