"""The papers' numbers beside this server's runs (a section of the Compare page)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.teaching import reproduce
from ui.i18n import number, t
from ui.kit.phrases import listed
from ui.runs import session

NLL_SAMPLES, NLL_IMAGES = 200, 1000  # a live estimate: about a minute on a 2-core CPU


def show(runs: list[session.Run]) -> None:
    st.header(t("reproduce.title"))
    st.caption(t("reproduce.intro"))
    if not st.toggle(t("reproduce.show"), key="reproduce.show"):  # measuring takes a while
        return
    mnist = [r for r in runs if r.dataset.name == "mnist"]
    if not mnist:
        st.info(t("reproduce.needs_mnist"))
        return
    dataset = mnist[0].dataset
    deep = next(
        ((r.name, r.model) for r in mnist if r.model.pretraining_stages and r.model.code_dim == 30),
        None,
    )
    rows = st.session_state.setdefault("reproduce_rows", {})
    key = ("hinton", deep[0] if deep else None)
    if key not in rows:
        with st.spinner(t("reproduce.measuring")):
            rows[key] = reproduce.hinton_rows(dataset, deep)
    table = list(rows[key])
    # the regularised autoencoders of Rifai et al.'s comparison: a penalty on the code or noise
    regularised = {
        r.name: r.model
        for r in mnist
        if r.is_example and not r.model.has_prior and (r.model.code_penalty or r.model.noisy_input)
    }
    contractive = next(
        (name for name, m in regularised.items() if m.code_penalty == "jacobian"), None
    )
    if contractive:
        norms_key = ("rifai", tuple(sorted(regularised)))
        if norms_key not in rows:
            rows[norms_key] = reproduce.rifai_row(
                reproduce.jacobian_norms(regularised, dataset.x_test), contractive
            )
        table.append(rows[norms_key])
    vaes = {r.name: r for r in mnist if r.model.has_prior and r.finished}
    if ("vae",) in rows:
        table.append(rows[("vae",)])
    st.dataframe(pd.DataFrame([_shown(row) for row in table]), hide_index=True)
    if vaes:
        name = st.selectbox(t("reproduce.vae_run"), list(vaes), key="reproduce.vae")
        if st.button(
            t("reproduce.vae_button", k=NLL_SAMPLES, images=number(NLL_IMAGES, 0)),
            icon=":material/functions:",
        ):
            bar = st.progress(0.0, text=t("reproduce.vae_progress"))
            rows[("vae",)] = reproduce.vae_row(
                name,
                vaes[name].model,
                dataset.x_test,
                NLL_SAMPLES,
                NLL_IMAGES,
                progress=lambda f: bar.progress(min(f, 1.0), text=t("reproduce.vae_progress")),
            )
            st.rerun()
    if deep is None:
        st.info(t("reproduce.no_deep"))


def _shown(row: reproduce.Row) -> dict:
    def value(v: float | None) -> str:
        if v is None:
            return "—"
        if row.unit == "claim":
            return t("reproduce.holds") if v else t("reproduce.fails")
        return number(v, 2)

    return {
        t("reproduce.col_what"): t(f"reproduce.{row.key}"),
        t("reproduce.col_published"): value(row.published)
        if row.unit != "claim"
        else t("reproduce.claim"),
        t("reproduce.col_measured"): value(row.measured),
        t("reproduce.col_unit"): t(f"reproduce.unit_{row.unit}"),
        t("reproduce.col_run"): row.run or "—",
        t("reproduce.col_source"): row.source,
        t("reproduce.col_note"): _note(row),
    }


def _note(row: reproduce.Row) -> str:
    if row.key == "vae_nll" and row.details:
        return t(
            "reproduce.note_vae",
            k=row.details["k"],
            images=number(row.details["images"], 0),
            elbo=number(row.details["neg_elbo"], 1),
        )
    if row.details:
        return listed([f"{name} {number(value, 2)}" for name, value in row.details.items()])
    return "" if row.measured is not None else t("reproduce.not_here")
