"""Train: pick a variant and its settings, press Train, watch it learn live."""

import streamlit as st

from core.models import MODELS
from core.training import TrainConfig
from ui import live, state
from ui.texts import variant_text
from ui.widgets import config_inputs

st.title("Train")
for notice in st.session_state.pop("train_notices", []):
    st.toast(notice, icon=":material/info:")
dataset = state.current_dataset()
settings, view = st.columns([1, 2], gap="large")

with settings:
    variant = st.selectbox("Variant", list(MODELS), key="train_variant",
                           format_func=lambda name: MODELS[name].title)
    st.caption(variant_text(variant)[0])
    with st.expander("Model settings", expanded=True):
        hyper = config_inputs(MODELS[variant].Config, key=f"hp.{variant}")
    with st.expander("Training settings", expanded=True):
        small = len(dataset.x_train) < 5000
        train_values = config_inputs(TrainConfig, key=f"tc.{'small' if small else 'large'}",
                                     overrides={"epochs": 30 if small else 3},
                                     skip=("device", "preview_size", "report_interval", "seed"))
    go, stop = st.columns(2)
    active = state.active_run()
    if go.button("Train", type="primary", icon=":material/play_arrow:", width="stretch"):
        try:
            config = TrainConfig.from_dict(train_values)
            _, notices = state.start_run(variant, hyper, config, dataset)
            st.session_state["train_notices"] = notices  # shown after the rerun below
            st.rerun()  # redraw with the new run active, in the sidebar too
        except ValueError as error:
            st.error(f"Cannot start: {error}")
    running = active is not None and active.job is not None and not active.finished
    if stop.button("Stop", icon=":material/stop:", width="stretch", disabled=not running):
        active.job.stop()

with view:
    live.panel(active, dataset)

live.runs_table()
