"""Latent space: the test codes in 2-D (PCA, UMAP, t-SNE); select points to see their images."""

import streamlit as st
import torch

from core import analysis, projection
from ui import common, figures, images, through_app
from ui.i18n import number, t

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("latent.title"))
run = common.require_run("standard-2d")
codes_all = common.test_codes(run)
labels_all = common.test_labels(run)
method = st.segmented_control(t("latent.projection"), list(projection.METHODS), default="pca",
                              required=True, key="latent.method",
                              format_func=lambda m: t(f"latent.method_{m}"))
upper = len(codes_all)
count = st.slider(t("latent.count"), min(100, upper), upper, min(2000, upper), step=100,
                  key="latent.count") if upper > 100 else upper
codes = codes_all[:count]
labels = None if labels_all is None else labels_all[:count].numpy()
name = t(f"latent.method_{method}")

points, title = projection.pca_2d(codes), t("latent.of_codes", method="PCA")
if method != "pca":
    key = (run.id, len(run.snapshot().loss_steps), method, count)
    future = projection.service().submit(key, codes, method)
    if future.done() and future.exception() is None:
        points, title = future.result(), t("latent.of_codes", method=name)
    elif future.done():
        st.error(t("latent.failed", method=name, error=future.exception()))
    else:
        st.info(t("latent.computing" if projection.service().is_warm() else
                  "latent.computing_cold", method=name, count=number(count, 0)))

        @st.fragment(run_every=1.0)
        def _wait() -> None:
            if future.done():
                st.rerun(scope="app")
            st.caption(t("latent.running", method=name))

        _wait()

plot, side = st.columns([3, 2])
with plot:
    scatter = figures.scatter_by_class(points, labels, run.dataset.classes, title)
    event = figures.show(scatter, "latent", method, run.name, on_select="rerun",
                         selection_mode=("box", "lasso"), key=f"latent.{run.id}.{method}.{count}")
with side:
    chosen = [int(p["customdata"]) for p in event.selection.points
              if p.get("customdata") is not None] if event else []
    if chosen:
        st.markdown(t("latent.selected", count=len(chosen)))
        images.show_row(common.test_images(run)[chosen[:48]], columns=8, scale=2,
                        alt=t("images.digits_alt", count=min(48, len(chosen))))
    else:
        st.caption(t("latent.select_hint"))

if run.model.code_dim == 2:
    st.subheader(t("latent.plane"))
    size = 15
    plane = analysis.decoded_plane(run.model, codes_all, size)
    (x_low, x_high), (y_high, y_low) = plane["x"][[0, -1]].tolist(), plane["y"][[0, -1]].tolist()
    left, right = st.columns([3, 1])
    caption = t("latent.plane_caption", x_low=number(x_low), x_high=number(x_high),
                y_high=number(y_high), y_low=number(y_low))
    left.image(images.mosaic(plane["images"], columns=size, scale=2, gap=0), caption=caption,
               alt=t("images.plane_alt", size=size))
    with right:  # a collapsed axis (an untrained code) still gets a usable slider
        x_high, y_high = max(x_high, x_low + 1e-3), max(y_high, y_low + 1e-3)
        z1 = st.slider(t("latent.code", index=1), x_low, x_high, (x_low + x_high) / 2)
        z2 = st.slider(t("latent.code", index=2), y_low, y_high, (y_low + y_high) / 2)
        point = analysis.decode_all(run.model, torch.tensor([[z1, z2]]))
        images.show_row(point, t("latent.decoded", z1=number(z1), z2=number(z2)), scale=5)
