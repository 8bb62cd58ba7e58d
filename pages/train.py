"""Train: pick a variant and its settings, press Train, watch it learn live."""

import dataclasses

import streamlit as st

from core.models import MODELS
from core.training.loop import TrainConfig
from ui import keys, style, through_app
from ui.i18n import problem, t
from ui.kit import diagrams
from ui.kit.widgets import config_inputs
from ui.runs import active, datasets, live, stepping
from ui.takehome import downloads

through_app()  # a page Streamlit ran on its own reruns through app.py (ui/__init__.py)

st.title(t("train.title"))
for notice in st.session_state.pop(keys.TRAIN_NOTICES, []):
    st.toast(notice, icon=":material/info:")
dataset = datasets.current_dataset()
shown = active.active_run()
running = shown is not None and shown.job is not None and not shown.finished

# The controls first, in one row: on a projector (1280x720) Train, Stop and the live panel's
# chart are all in view together; the settings sit beside the panel, folded in presenter mode.
pick, go, stop = st.columns([2, 1, 1], vertical_alignment="bottom")
variant = pick.selectbox(
    t("train.variant"),
    list(MODELS),
    key=keys.TRAIN_VARIANT,
    format_func=lambda name: t(f"variants.{name}.title"),
)
start = go.button(t("train.train"), type="primary", icon=":material/play_arrow:", width="stretch")
if stop.button(t("train.stop"), icon=":material/stop:", width="stretch", disabled=not running):
    shown.job.stop()


def page_defaults(small: bool) -> dict:
    """The training settings this page starts from (epochs: a quick first run)."""
    return {"epochs": 30 if small else 3}


def apply_preset(variant: str, small: bool) -> None:
    """Put a preset's values into the settings' widgets (they stay editable)."""
    cls = MODELS[variant]
    hyper, train_values = cls.preset(st.session_state[f"preset.{variant}"])
    for name, value in hyper.items():
        st.session_state[f"hp.{variant}.{name}"] = (
            ", ".join(map(str, value)) if isinstance(value, tuple) else value
        )
    touched = {name for chosen in cls.presets.values() for name in chosen["train_config"]}
    defaults = {**dataclasses.asdict(TrainConfig()), **page_defaults(small)}
    for name in touched:  # a preset without a value for it restores the page's default
        st.session_state[f"tc.{name}"] = train_values.get(name, defaults[name])


small = len(dataset.x_train) < 5000
settings, view = st.columns([1, 2], gap="large")
with settings:
    st.caption(t(f"variants.{variant}.what"))
    if MODELS[variant].presets:
        st.selectbox(
            t("train.preset"),
            list(MODELS[variant].presets),
            key=f"preset.{variant}",
            help=t(f"train.preset_{variant}_help"),
            format_func=lambda name: t(f"train.preset_{variant}_{name}"),
            on_change=apply_preset,
            args=(variant, small),
        )
    # open until this session trains: then folded, so that on a phone (where the settings come
    # before the live panel) the chart is close under Train; always folded in presenter mode
    unfolded = not (style.presenting() or (shown is not None and shown.job is not None))
    with st.expander(t("train.model_settings"), expanded=unfolded):
        hyper = config_inputs(MODELS[variant].Config, key=f"hp.{variant}", variant=variant)
    with st.expander(t("train.diagram"), expanded=False):
        diagrams.show(variant, hyper)
    with st.expander(t("train.training_settings"), expanded=unfolded):
        train_values = config_inputs(
            TrainConfig,
            key="tc",
            overrides=page_defaults(small),
            skip=("device", "preview_size", "report_interval"),
        )


def begin(paused: bool = False) -> None:
    try:
        config = TrainConfig.from_dict(train_values)
        run, notices = active.start_run(variant, hyper, config, dataset, paused=paused)
        if paused:
            run.job.step()  # the first step, as pressed
        st.session_state[keys.TRAIN_NOTICES] = notices  # shown after the rerun below
        st.rerun()  # redraw with the new run active, in the sidebar too
    except ValueError as error:
        with settings:
            st.error(t("train.cannot_start", error=problem(error)))


if start:
    begin()
with settings:
    stepping.controls(shown, lambda: begin(paused=True))

with view:
    live.panel(shown, dataset)
    downloads.downloads(shown)  # the run's script, notebook, report and final row

live.runs_table()
