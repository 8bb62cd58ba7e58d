"""The hall benchmark's anchor: a plain Streamlit page of the app's kind, what a visitor costs a
server when nothing is the app's own (bench/hall.py runs it beside the app, in the same run).

streamlit run bench/hall_anchor/plain.py

A title, text, a segmented control, a slider, a 2,000-point Plotly scatter (WebGL, as Plotly
Express draws above 1,000 points), an image grid (two rows of ten digits, through st.image and
the media file manager, as the app's mosaics), its data from st.cache_data. With
AE_HALL_ANCHOR_TORCH=1 every script run also passes the 2,000 digits through a 784-256 linear
layer in torch (the layer from st.cache_resource), as the app's pages run a model on theirs."""

import os

import numpy as np
import pandas  # noqa: F401  before Plotly: see below
import plotly.express as px
import streamlit as st

# Plotly looks pandas up in sys.modules instead of importing it: two first visits at once on a
# cold server then raised "partially initialized module 'pandas' has no attribute 'Series'" in
# one of them (seen here 7 times in 12 cold starts with 3 sessions). Importing pandas here makes
# every script run wait for its import to finish.
TORCH = os.environ.get("AE_HALL_ANCHOR_TORCH") == "1"


@st.cache_data(show_spinner=False)
def digits(count: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic 'digits' (blurred strokes), their labels and a 2-D map of them: the shapes and
    sizes of the app's data, without reading a dataset."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, count)
    grid = np.linspace(-1, 1, 28)
    x, y = np.meshgrid(grid, grid)
    angles = labels[:, None, None] * 0.6 + rng.normal(0, 0.2, (count, 1, 1))
    strokes = np.exp(-(((x * np.cos(angles) + y * np.sin(angles)) / 0.15) ** 2))
    images = (strokes * (x**2 + y**2 < 0.8)).astype(np.float32)
    points = np.stack([np.cos(labels * 0.63), np.sin(labels * 0.63)], 1)
    points = points * 3 + rng.normal(0, 0.5, (count, 2))
    return images, labels, points


@st.cache_resource(show_spinner=False)
def layer():
    import torch

    torch.manual_seed(0)
    return torch.nn.Linear(784, 256)


def mosaic(images: np.ndarray, scale: int = 3, gap: int = 2) -> np.ndarray:
    """(N, 28, 28) in [0, 1] -> one row of nearest-neighbour upscaled uint8 tiles."""
    size = 28 * scale
    canvas = np.full((size, len(images) * (size + gap) - gap), 40, np.uint8)
    for index, image in enumerate(images):
        tile = np.kron((image * 255).astype(np.uint8), np.ones((scale, scale), np.uint8))
        canvas[:, index * (size + gap) : index * (size + gap) + size] = tile
    return canvas


st.set_page_config(page_title="Hall anchor", layout="wide")
st.title("A plain page")
st.write(
    "Two thousand digits, a map of them and a few of them up close: the kind of page the "
    "autoencoder explorer shows, with nothing of its own."
)
images, labels, points = digits()
shown = st.segmented_control("Colour by", ["digit", "none"], default="digit", key="colour")
count = st.slider("Digits shown", 5, 20, 10, key="count")
if TORCH:
    import torch

    with torch.no_grad():
        codes = layer()(torch.from_numpy(images.reshape(len(images), 784)))
    st.caption(f"Mean activation of 256 units over {len(codes):,} digits: {codes.mean():.4f}")
figure = px.scatter(
    x=points[:, 0],
    y=points[:, 1],
    color=labels.astype(str) if shown == "digit" else None,
    title="2,000 digits",
)
st.plotly_chart(figure, key="map")
st.image(mosaic(images[:count]), caption="The first digits")
st.image(mosaic(images[count : 2 * count]), caption="The next digits")
