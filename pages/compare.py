"""Compare: every run of the session, the saved runs and the examples, side by side."""

import pandas as pd
import streamlit as st

from core.science import analysis, latents
from ui import locale_numbers, through_app
from ui.i18n import t
from ui.kit import figures
from ui.kit.phrases import dataset_name
from ui.runs import library, page_run, session
from ui.takehome import overlay
from ui.teaching import reproduce

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("compare.title"))
runs = [r for r in library.all_runs() if r.finished]
if not runs:
    page_run.require_run()
    st.info(t("compare.none"))
    st.stop()
by_id = {r.id: r for r in runs}
mine = [r.id for r in runs if not r.is_example]
default = mine[:6] or [r.id for r in runs if r.is_example][:4]  # each row costs seconds
MOST = 12  # runs measured at once: each costs seconds, and a saved run's weights a load
chosen = library.loadable(
    [
        by_id[i]
        for i in st.multiselect(
            t("compare.runs"),
            list(by_id),
            default=default,
            key="compare.runs",
            max_selections=MOST,
            format_func=lambda i: by_id[i].label,
        )
        if i in by_id
    ]
)
COLUMNS = (
    "run",
    "variant",
    "dataset",
    "code_size",
    "active",
    "sse",
    "near_zero",
    "jacobian",
    "noisy",
    "probe",
    "seconds",
    "parameters",
)


def metrics(run: session.Run) -> dict:
    """The run's row in the session's language; its measures computed once per run (once per
    server for an example or a saved run)."""
    row = run.cached("comparison_row", lambda: analysis.comparison_row(run.model, run.dataset))
    return {
        "run": run.name,
        "variant": t(f"variants.{run.variant}.title"),
        "dataset": dataset_name(run.dataset.name),
        "code_size": run.model.code_dim,
        # a VAE's active dimensions (Burda et al. 2015): how many of its code it uses
        "active": int(latents.active_units(page_run.test_codes(run)).sum())
        if run.model.has_prior
        else None,
        "sse": row["sse_per_image"],
        "near_zero": row["near_zero_share"],
        "jacobian": row["jacobian_norm"],
        "noisy": row["noisy_sse_per_image"],
        "probe": row["probe_accuracy"],
        "seconds": round(run.snapshot().elapsed, 1),
        "parameters": row["parameters"],
    }


bar = st.progress(0.0, text=t("compare.measuring"))
rows = []
for index, run in enumerate(chosen):
    bar.progress(index / max(len(chosen), 1), text=t("compare.measuring_run", name=run.name))
    rows.append(metrics(run))
bar.empty()
if not rows:
    st.stop()
table = pd.DataFrame(rows, columns=COLUMNS)
# a run without a prior has no active dimensions: a dash (the grid writes a missing number "None")
table["active"] = ["—" if pd.isna(value) else str(int(value)) for value in table["active"]]
shown = locale_numbers.table(  # in the session's language
    table,
    decimals={"sse": 2, "jacobian": 2, "noisy": 2, "seconds": 1},
    percents={"near_zero": 1, "probe": 1},
)
NumberColumn = st.column_config.NumberColumn  # no format of its own: it would win over `shown`
st.dataframe(
    shown,
    hide_index=True,
    column_config={
        "run": t("compare.col_run"),
        "variant": t("compare.col_variant"),
        "dataset": t("compare.col_dataset"),
        "code_size": t("compare.col_code_size"),
        "active": st.column_config.TextColumn(
            t("compare.col_active"), help=t("compare.col_active_help")
        ),
        "sse": NumberColumn(t("compare.col_sse"), help=t("compare.col_sse_help")),
        "near_zero": NumberColumn(t("compare.col_near_zero")),
        "jacobian": NumberColumn(t("compare.col_jacobian"), help=t("compare.col_jacobian_help")),
        "noisy": NumberColumn(t("compare.col_noisy")),
        "probe": NumberColumn(t("compare.col_probe"), help=t("compare.col_probe_help")),
        "seconds": t("compare.col_seconds"),
        "parameters": t("compare.col_parameters"),
    },
)
names = table["run"].tolist()
left, right = st.columns(2)
errors_chart = session.figure_of(  # charts of the examples: built once per server
    chosen,
    "compare_errors",
    lambda: figures.bars(
        names,
        table["sse"].tolist(),
        t("compare.chart_error"),
        t("charts.run"),
        t("charts.sse_per_image"),
    ),
)
figures.show(errors_chart, "compare", "test-error", container=left)
jacobian_chart = session.figure_of(
    chosen,
    "compare_jacobian",
    lambda: figures.bars(
        names,
        table["jacobian"].tolist(),
        t("compare.chart_jacobian"),
        t("charts.run"),
        t("charts.jacobian"),
    ),
)
figures.show(jacobian_chart, "compare", "jacobian", container=right)
JACOBIAN_HISTOGRAM = 500  # images per run in the histogram: enough for its shape


def _jacobian_histogram():
    norms = {
        r.name: r.cached(
            "jacobians",
            lambda r=r: analysis.jacobian_frobenius(
                r.model, page_run.test_images(r)[:JACOBIAN_HISTOGRAM]
            ).numpy(),
        )
        for r in chosen
    }
    return figures.histograms(
        norms,
        t("compare.chart_jacobian_hist"),
        t("charts.frobenius"),
        log_y=False,
        y_title=t("charts.count"),
    )


histogram = session.figure_of(chosen, "compare_jacobian_histogram", _jacobian_histogram)
figures.show(histogram, "compare", "jacobian-histogram")
figures.format_control()  # what the charts' camera buttons download: PNG or SVG

overlay.show(chosen)  # the chosen runs' curves, reconstructions and settings, side by side
# the papers' numbers: from runs already in memory (this session's and the examples) and the
# chosen ones, never by loading every saved run on the server
reproduce.show([r for r in runs if r.loaded])
