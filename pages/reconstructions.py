"""Reconstructions: originals beside reconstructions, error per class, the worst cases."""

import streamlit as st
import torch

from core.science import analysis
from ui import through_app
from ui.i18n import number, t
from ui.kit import figures, images
from ui.pages_table import page_of
from ui.runs import page_run

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("recon.title"))
run = page_run.require_run(page_of(__file__).example)  # its row in ui/pages_table.py
x = page_run.test_images(run)

st.subheader(t("recon.pairs"))
left, right = st.columns([3, 1], vertical_alignment="bottom")
chosen = left.text_input(
    t("recon.numbers"), key="recon.numbers", help=t("recon.numbers_help", last=len(x) - 1)
)
seed = right.number_input(t("recon.seed"), 0, 1_000_000, 0, key="seed")
try:
    indices = [int(i) for i in chosen.replace(" ", "").split(",") if i] if chosen else []
    if any(not 0 <= i < len(x) for i in indices):
        raise ValueError
except ValueError:
    st.error(t("recon.numbers_bad", last=len(x) - 1))
    indices = []
if not indices:
    indices = torch.randperm(len(x), generator=torch.Generator().manual_seed(int(seed)))[:16]
picked = x[torch.as_tensor(indices)]
rebuilt = analysis.reconstruct_all(run.model, picked)
mean_error = float(analysis.sse_per_image(rebuilt, picked).mean())
images.show_row(
    picked, t("recon.originals"), columns=16, alt=t("images.digits_alt", count=len(picked))
)
images.show_row(
    rebuilt,
    t("recon.reconstructions"),
    columns=16,
    alt=t("images.recon_row_alt", name=run.name, error=number(mean_error, 1)),
    download=figures.file_stem("reconstructions", run.name),
    download_images=torch.cat([picked, rebuilt]),
)

errors = page_run.test_errors(run)
labels = page_run.test_labels(run)
st.metric(t("recon.mean_error"), number(float(errors.mean()), 2))
if labels is not None:
    classes = sorted(set(labels.tolist()))
    means = [float(errors[labels == c].mean()) for c in classes]
    chart = figures.bars(
        [page_run.class_name(run, c) for c in classes],
        means,
        t("recon.per_class"),
        t("charts.class"),
        t("charts.sse_per_image"),
    )
    figures.show(chart, "reconstructions", "error-per-class", run.name)

st.subheader(t("recon.worst"))
worst = errors.argsort(descending=True)[:12]
worst_errors = ", ".join(number(float(errors[i]), 0) for i in worst)
images.show_row(
    x[worst], t("recon.originals"), columns=12, alt=t("images.digits_alt", count=len(worst))
)
worst_rebuilt = analysis.reconstruct_all(run.model, x[worst])
images.show_row(
    worst_rebuilt,
    t("recon.worst_caption", errors=worst_errors),
    columns=12,
    alt=t("images.worst_row_alt", name=run.name, errors=worst_errors),
    download=figures.file_stem("reconstructions-worst", run.name),
    download_images=torch.cat([x[worst], worst_rebuilt]),
)
