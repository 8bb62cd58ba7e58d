"""Latent space: the test codes in 2-D (PCA, UMAP, t-SNE); select points to see their images."""

import streamlit as st
import torch

from core import analysis, projection
from ui import common, figures, images

st.title("Latent space")
run = common.require_run()
codes_all = common.test_codes(run)
labels_all = common.test_labels(run)
method = st.segmented_control("Projection", ["pca", "umap", "tsne"], default="pca",
                              required=True, format_func={"pca": "PCA (instant)",
                                                          "umap": "UMAP", "tsne": "t-SNE"}.get)
upper = len(codes_all)
count = st.slider("Test images shown", min(100, upper), upper, min(2000, upper), step=100
                  ) if upper > 100 else upper
codes = codes_all[:count]
labels = None if labels_all is None else labels_all[:count].numpy()


points, title = projection.pca_2d(codes), "PCA of the codes"
if method != "pca":
    key = (run.id, len(run.snapshot().loss_steps), method, count)
    future = projection.service().submit(key, codes, method)
    if future.done() and future.exception() is None:
        points, title = future.result(), f"{method.upper()} of the codes"
    elif future.done():
        st.error(f"{method.upper()} failed: {future.exception()}")
    else:
        warm = projection.service().is_warm()
        st.info(f"Computing {method.upper()} of {count:,} codes in the background"
                + ("" if warm else " (the first one on this server also loads the libraries)")
                + "; showing PCA meanwhile.")

        @st.fragment(run_every=1.0)
        def _wait() -> None:
            if future.done():
                st.rerun(scope="app")
            st.caption(f"{method.upper()} is running...")

        _wait()

plot, side = st.columns([3, 2])
with plot:
    event = st.plotly_chart(figures.scatter_by_class(points, labels, run.dataset.classes, title),
                            on_select="rerun", selection_mode=("box", "lasso"),
                            key=f"latent.{run.id}.{method}.{count}")
with side:
    chosen = [int(p["customdata"]) for p in event.selection.points
              if p.get("customdata") is not None] if event else []
    if chosen:
        st.markdown(f"**{len(chosen)} selected** (first 48 shown)")
        images.show_row(common.test_images(run)[chosen[:48]], columns=8, scale=2)
    else:
        st.caption("Draw a box or lasso on the plot to see the digits you selected.")

if run.model.code_dim == 2:
    st.subheader("The 2-D code plane, decoded")
    size = 15
    plane = analysis.decoded_plane(run.model, codes_all, size)
    (x_low, x_high), (y_high, y_low) = plane["x"][[0, -1]].tolist(), plane["y"][[0, -1]].tolist()
    left, right = st.columns([3, 1])
    left.image(images.mosaic(plane["images"], columns=size, scale=2, gap=0),
               caption=f"code 1 from {x_low:.2f} (left) to {x_high:.2f}; code 2 from "
                       f"{y_high:.2f} (top) to {y_low:.2f}")
    with right:
        z1 = st.slider("code 1", x_low, x_high, (x_low + x_high) / 2)
        z2 = st.slider("code 2", y_low, y_high, (y_low + y_high) / 2)
        point = analysis.decode_all(run.model, torch.tensor([[z1, z2]]))
        images.show_row(point, f"decoded ({z1:.2f}, {z2:.2f})", scale=5)
