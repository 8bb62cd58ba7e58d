"""Latent space: the test codes in 2-D (PCA, UMAP, t-SNE) beside PCA of the pixels, each with
how well it keeps the digits apart; select points to see their images, ask one digit for its
neighbours, do arithmetic with codes (ui.latent), decode any place of a 2-D code."""

import streamlit as st
import torch

from core.science import analysis, embedding, projection, separation
from ui import through_app
from ui.i18n import number, problem, t
from ui.kit import figures, images
from ui.latent import arithmetic, ask, class_drawings, picking
from ui.pages_table import page_of
from ui.runs import digit_reader, page_run, session

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

TRUST_POINTS = 2000  # trustworthiness on the first points shown: about a second on a busy CPU

st.title(t("latent.title"))
run = page_run.require_run(page_of(__file__).example)  # its row in ui/pages_table.py
codes_all = page_run.test_codes(run)
labels_all = page_run.test_labels(run)
method = st.segmented_control(
    t("latent.projection"),
    list(projection.METHODS),
    default="pca",
    required=True,
    key="latent.method",
    format_func=lambda m: t(f"latent.method_{m}"),
)
upper = len(codes_all)
count = (
    st.slider(
        t("latent.count"), min(100, upper), upper, min(2000, upper), step=100, key="latent.count"
    )
    if upper > 100
    else upper
)
codes = codes_all[:count]
labels = None if labels_all is None else labels_all[:count].numpy()
name = t(f"latent.method_{method}")

points = run.cached(("code_pca", count), lambda: projection.pca_2d(codes))  # 2-D: centred
shown = "pca"
title = t("latent.codes_2d") if codes.shape[1] == 2 else t("latent.of_codes", method="PCA")
if method != "pca":
    key = (run.id, len(run.snapshot().loss_steps), method, count)
    future = projection.service().submit(key, codes, method, slot=(session.owner(), "latent"))
    if future.done() and future.exception() is None:
        points, title, shown = future.result(), t("latent.of_codes", method=name), method
    elif future.done():
        st.error(t("latent.failed", method=name, error=problem(future.exception())))
    else:
        st.info(
            t(
                "latent.computing" if projection.service().is_warm() else "latent.computing_cold",
                method=name,
                count=number(count, 0),
            )
        )

        @st.fragment(run_every=1.0)
        def _wait() -> None:
            if future.done():
                st.rerun(scope="app")
            st.caption(t("latent.running", method=name))

        _wait()


def _accuracy(kind: str, map_points) -> float:
    """5-NN accuracy of a map of the first `count` images, once per run, map and count."""
    return run.cached(
        ("neighbours", kind, count),
        lambda: separation.neighbour_accuracy(torch.as_tensor(map_points), labels_all[:count]),
    )


maps, pixels = st.columns(2)
with maps:

    def _code_map():
        figure = figures.scatter_by_class(points, labels, page_run.class_names(run), title)
        return figure.update_layout(dragmode="pan")  # a click picks; box, lasso in the toolbar

    scatter = run.figure(("code_map", shown, count), _code_map)  # shared: never changed here
    scatter = class_drawings.overlay(run, scatter, codes, shown)  # "where did my 7 land?": a copy
    event = figures.show(
        scatter,
        "latent",
        method,
        run.name,
        on_select="rerun",
        selection_mode=("points", "box", "lasso"),
        key=f"latent.{run.id}.{method}.{count}",
    )
    if labels is not None:
        st.caption(t("latent.accuracy", accuracy=number(_accuracy(shown, points), 2)))
    if shown != "pca":
        trust = run.cached(
            ("trust", shown, count),
            lambda: embedding.trustworthiness(codes[:TRUST_POINTS].numpy(), points[:TRUST_POINTS]),
        )
        st.caption(
            t(
                "latent.trustworthiness",
                method=name,
                value=number(trust, 2),
                count=number(min(count, TRUST_POINTS), 0),
            )
        )
with pixels:
    flat = page_run.test_images(run)[:count].flatten(1)
    plain = run.cached(("pixel_pca", count), lambda: projection.pca_2d(flat))
    picture = run.figure(
        ("pixel_map", count),
        lambda: figures.scatter_by_class(
            plain, labels, page_run.class_names(run), t("latent.of_pixels")
        ),
    )
    figures.show(picture, "latent", "pixels", run.name, key=f"latent.pixels.{run.id}.{count}")
    if labels is not None:
        st.caption(t("latent.accuracy", accuracy=number(_accuracy("pixels", plain), 2)))
st.caption(t("latent.accuracy_help", count=number(count, 0)))
if method != "pca":
    st.caption(t("latent.not_distances"))

chosen = picking.picked_ids(event)
if chosen:
    st.markdown(t("latent.selected", count=len(chosen)))
    images.show_row(
        page_run.test_images(run)[chosen[:48]],
        columns=min(16, len(chosen)),  # one clicked digit: one picture, not a dark strip
        scale=2,
        alt=t("images.digits_alt", count=min(48, len(chosen))),
    )
else:
    st.caption(t("latent.select_hint"))

index = ask.section(run, chosen, event if shown == "pca" else None, codes.mean(0))
arithmetic.section(run, chosen, index)

if run.model.code_dim == 2:
    st.subheader(t("latent.plane"))
    size = 15
    plane = run.cached(("plane", size), lambda: analysis.decoded_plane(run.model, codes_all, size))
    (x_low, x_high), (y_high, y_low) = plane["x"][[0, -1]].tolist(), plane["y"][[0, -1]].tolist()
    left, right = st.columns([3, 1])
    caption = t(
        "latent.plane_caption",
        x_low=number(x_low),
        x_high=number(x_high),
        y_high=number(y_high),
        y_low=number(y_low),
    )
    left.image(
        images.mosaic(plane["images"], columns=size, scale=2, gap=0),
        caption=caption,
        alt=t("images.plane_alt", size=size),
    )
    digit_reader.plane_share_caption(run, plane["images"], size, left)
    with right:  # an empty box on the PCA map of the codes moves the sliders there
        ask.decode_place(run, codes_all, event if shown == "pca" else None, codes.mean(0))
