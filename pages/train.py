"""Train: pick a variant and its settings, press Train, watch it learn live."""

import streamlit as st

from core.models import MODELS
from core.training import TrainConfig
from ui import diagrams, live, state, style
from ui.i18n import problem, t
from ui.widgets import config_inputs

st.title(t("train.title"))
for notice in st.session_state.pop("train_notices", []):
    st.toast(notice, icon=":material/info:")
dataset = state.current_dataset()
active = state.active_run()
running = active is not None and active.job is not None and not active.finished

# The controls first, in one row: on a projector (1280x720) Train, Stop and the live panel's
# chart are all in view together; the settings sit beside the panel, folded in presenter mode.
pick, go, stop = st.columns([2, 1, 1], vertical_alignment="bottom")
variant = pick.selectbox(t("train.variant"), list(MODELS), key="train_variant",
                         format_func=lambda name: t(f"variants.{name}.title"))
start = go.button(t("train.train"), type="primary", icon=":material/play_arrow:",
                  width="stretch")
if stop.button(t("train.stop"), icon=":material/stop:", width="stretch", disabled=not running):
    active.job.stop()

settings, view = st.columns([1, 2], gap="large")
with settings:
    st.caption(t(f"variants.{variant}.what"))
    # open until this session trains: then folded, so that on a phone (where the settings come
    # before the live panel) the chart is close under Train; always folded in presenter mode
    unfolded = not (style.presenting() or (active is not None and active.job is not None))
    with st.expander(t("train.model_settings"), expanded=unfolded):
        hyper = config_inputs(MODELS[variant].Config, key=f"hp.{variant}")
    with st.expander(t("train.diagram"), expanded=False):
        diagrams.show(variant, hyper)
    with st.expander(t("train.training_settings"), expanded=unfolded):
        small = len(dataset.x_train) < 5000
        train_values = config_inputs(TrainConfig, key="tc",
                                     overrides={"epochs": 30 if small else 3},
                                     skip=("device", "preview_size", "report_interval", "seed"))
if start:
    try:
        config = TrainConfig.from_dict(train_values)
        _, notices = state.start_run(variant, hyper, config, dataset)
        st.session_state["train_notices"] = notices  # shown after the rerun below
        st.rerun()  # redraw with the new run active, in the sidebar too
    except ValueError as error:
        with settings:
            st.error(t("train.cannot_start", error=problem(error)))

with view:
    live.panel(active, dataset)

live.runs_table()
