"""The Generate page's views: what share of the samples read as digits, which code dimensions a
VAE uses (Burda et al.'s active units; the traversal opens on the most informative one), and
the VAE's own 2-D manifold. Analyses come from core.science.latents."""

from __future__ import annotations

import streamlit as st

from core.science import analysis, latents, separation
from ui.i18n import number, percent, t
from ui.kit import figures, images
from ui.runs import digit_reader, library, page_run

PLANE = 20  # cells a side of the decoded 2-D manifold
MEASURED = 2000  # test images behind the dimensions' KL and the real digits' share


def samples_share(run, codes) -> None:
    """Under the samples: the share of MEASURED draws the digit classifier reads as a digit,
    beside real test digits' (nothing when this server has no classifier)."""
    classifier = digit_reader.classifier()
    if classifier is None:
        return
    share = run.cached(
        ("sample_share", latents.SAMPLE_DRAWS),
        lambda: latents.sample_share(run.model, classifier, codes),
    )
    x = page_run.test_images(run)[:MEASURED]
    real = run.cached(
        ("real_share", MEASURED),
        lambda: separation.confident_share(classifier, x, latents.CONFIDENT),
    )
    source = t("generate.from_prior" if run.model.has_prior else "generate.from_fitted")
    st.caption(
        t(
            "generate.samples_share",
            draws=number(latents.SAMPLE_DRAWS, 0),
            source=source,
            share=percent(share),
            confidence=percent(latents.CONFIDENT),
            real=percent(real),
        )
    )


def _dimensions(run, codes) -> dict:
    x = page_run.test_images(run)[:MEASURED]
    return run.cached(
        ("dimensions", MEASURED), lambda: latents.dimensions(run.model, x, codes[:MEASURED])
    )


def pick_dimension(run, codes) -> int:
    """The traversal's dimension: opens on the most informative one (largest mean KL), each
    labelled with its KL, inactive ones marked as unused; says how many are active."""
    dims = _dimensions(run, codes)
    kl, active = dims["kl"], dims["active"]
    if st.session_state.get("generate.dimension_run") != run.id:
        st.session_state["generate.dimension_run"] = run.id
        st.session_state["generate.dimension"] = dims["informative"]

    def label(dim: int) -> str:
        if kl is None:
            return str(dim)
        if not active[dim]:
            return t("generate.dimension_unused", dim=dim)
        return t("generate.dimension_kl", dim=dim, kl=number(float(kl[dim]), 2))

    dim = st.selectbox(
        t("generate.dimension"),
        list(range(run.model.code_dim)),
        format_func=label,
        key="generate.dimension",
        help=t("generate.dimension_help"),
    )
    if kl is not None:
        unused = [str(d) for d in range(len(active)) if not active[d]]
        st.caption(
            t(
                "generate.active",
                active=int(active.sum()),
                dims=len(active),
                threshold=number(latents.ACTIVE_VARIANCE, 2),
                best=dims["informative"],
                kl=number(float(kl[dims["informative"]]), 2),
            )
        )
        if unused:
            st.caption(t("generate.collapse", unused=", ".join(unused)))
    return int(dim)


def manifold(run) -> None:
    """The VAE's own 2-D manifold: this run's when its code is 2-D, else the 2-D VAE
    example's (deep-2d's plane is the Latent page's subject), with its confident cells."""
    plane_run = run if run.model.code_dim == 2 else library.example_run("vae-2d")
    if plane_run is None:
        return
    st.subheader(t("generate.manifold"))
    if plane_run is not run:
        st.caption(t("generate.manifold_example", name=plane_run.name, dim=run.model.code_dim))
    model = plane_run.model
    if model.has_prior:
        plane = plane_run.cached(("manifold", PLANE), lambda: latents.manifold(model, PLANE))
        st.caption(t("generate.manifold_grid"))
    else:  # a 2-D plain code: its own plane, over the codes' range
        plane = analysis.decoded_plane(model, page_run.test_codes(plane_run), size=PLANE)
    images.show_row(
        plane["images"],
        columns=PLANE,
        scale=1,
        alt=t("images.manifold_alt", size=PLANE, name=plane_run.name),
        download=figures.file_stem("generate-manifold", plane_run.name),
    )
    digit_reader.plane_share_caption(plane_run, plane["images"], PLANE)
