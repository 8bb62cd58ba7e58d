"""The Sparsity page's views: the reference of the same code width, sparsity on the live units,
what each unit looks for (weight images, kernels, most exciting digits), the locality verdict
and the unit inspector. Analyses come from core.science (analysis, units)."""

from __future__ import annotations

import streamlit as st
import torch
import torch.nn.functional as F

from core.models import MODELS
from core.science import analysis, units
from core.teaching.zoo import ZOO
from ui.i18n import number, percent, t
from ui.kit import figures, images
from ui.runs import ids, page_run

INSPECTOR_IMAGES = 2000  # test images behind a unit's histogram and its most exciting digits
GALLERY = 64  # weight images shown per run


def same_width_reference(code_dim: int) -> str | None:
    """The first zoo example with `code_dim` code units, no pressure on its code (no penalty
    in its loss) and the defaults otherwise (for 64 units the sparse lesson's like-with-like
    reference, standard-64), by its run id, or None."""
    for entry in ZOO:
        model = MODELS[entry.variant]
        width = entry.hyperparameters.get("code_dim", model.Config().code_dim)
        if (
            model.code_penalty is None
            and set(entry.hyperparameters) <= {"code_dim"}
            and width == code_dim
        ):
            return ids.zoo(entry.name)
    return None


def statistics(runs: list, threshold: float) -> dict[str, dict]:
    """Each run's code statistics (analysis.code_statistics) by name, with its codes."""
    return {
        r.name: {
            **analysis.code_statistics(page_run.test_codes(r), threshold),
            "codes": page_run.test_codes(r),
        }
        for r in runs
    }


def show_statistics(stats: dict[str, dict]) -> None:
    """Per run: the near-zero share among live units, then over all units and the dead ones."""
    for col, (name, s) in zip(st.columns(len(stats)), stats.items(), strict=True):
        col.metric(t("sparsity.near_zero_live", name=name), percent(s["live_near_zero_share"]))
        units_total = s["dead_units"] + s["live_units"]
        col.caption(
            t(
                "sparsity.dead",
                dead=s["dead_units"],
                units=units_total,
                all=percent(s["near_zero_share"]),
                mean=number(s["mean_activation"], 3),
            )
        )


def _localities(runs: list) -> dict[str, float | None]:
    return {
        r.name: r.cached(
            "locality", lambda r=r: units.mean_locality(r.model, page_run.test_codes(r))
        )
        for r in runs
    }


def locality_verdict(run, compare: list) -> None:
    """A sentence per compared run of the same code size: are this run's features more local
    (energy in the strongest 10% of pixels, live units)?"""
    localities = _localities([run, *compare])
    if localities[run.name] is None:
        return
    for other in compare:
        verdict = units.more_local(localities, run.name, other.name)
        if verdict is None or other.model.code_dim != run.model.code_dim:
            continue
        st.markdown(
            t(
                "sparsity.local_" + ("holds" if verdict else "fails"),
                name=run.name,
                other=other.name,
                mine=percent(localities[run.name]),
                theirs=percent(localities[other.name]),
                units=run.model.code_dim,
            )
        )


def _scaled(weights: torch.Tensor) -> torch.Tensor:
    """Signed weight images (N, H, W) -> (N, 1, 28, 28) in [0, 1], each on its own scale,
    zero at mid-grey; small kernels enlarged without blur."""
    w = weights.float().unsqueeze(1)
    if w.shape[-1] != units.SIDE:
        w = F.interpolate(w, size=(units.SIDE, units.SIDE), mode="nearest")
    reach = w.abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)
    return 0.5 + 0.5 * w / reach


def features(run, container) -> None:
    """What each unit of one run looks for: its encoder weights (dense), its kernels and most
    exciting patches (convolutional), or why only digits are shown (deeper models)."""
    model = run.model
    container.markdown(f"**{run.name}**")
    weights = units.encoder_images(model)
    if weights is not None:
        with container:
            images.show_row(
                _scaled(weights[:GALLERY]),
                columns=8,
                scale=1,
                alt=t("images.weights_alt", name=run.name, count=len(weights)),
            )
        container.caption(t("sparsity.weights_caption"))
        dead = analysis.dead_units(page_run.test_codes(run))[:GALLERY].nonzero().flatten()
        if len(dead):  # their weights are what the initialisation left: noise, not features
            container.caption(t("sparsity.weights_dead", units=", ".join(map(str, dead.tolist()))))
        return
    found = units.kernels(model)
    if found is not None:
        x = page_run.test_images(run)[:INSPECTOR_IMAGES]
        patches = run.cached("patches", lambda: units.exciting_patches(model, x, 3))
        with container:
            images.show_row(
                _scaled(found),
                columns=8,
                scale=1,
                alt=t("images.kernels_alt", name=run.name, count=len(found)),
            )
            images.show_row(
                _scaled(patches.flatten(0, 1)),
                columns=12,
                scale=1,
                alt=t("images.patches_alt", name=run.name),
            )
        container.caption(t("sparsity.kernels_caption", count=len(found)))
        return
    container.caption(t("sparsity.deep_caption"))


def pick_unit(run, codes: torch.Tensor) -> int:
    """The inspector's unit: opens on the run's most used live unit (largest mean activation)."""
    if st.session_state.get("sparsity.unit_run") != run.id:
        st.session_state["sparsity.unit_run"] = run.id
        st.session_state["sparsity.unit"] = int(codes.abs().mean(0).argmax())
    return int(
        st.number_input(
            t("sparsity.unit"),
            0,
            run.model.code_dim - 1,
            key="sparsity.unit",
            help=t("sparsity.unit_help"),
        )
    )


def inspect(run, unit: int, container) -> None:
    """One run's unit: its weight image and what it writes, its activation histogram, its nine
    most exciting test digits."""
    codes = page_run.test_codes(run)[:INSPECTOR_IMAGES]
    x = page_run.test_images(run)[:INSPECTOR_IMAGES]
    view = run.cached(("unit_view", unit), lambda: units.unit_view(codes, unit))
    container.markdown(f"**{run.name}**")
    if view["dead"]:
        container.caption(t("sparsity.unit_dead", unit=unit))
    written, read = units.decoder_images(run.model), units.encoder_images(run.model)
    with container:
        if read is not None:
            pair = [read[unit]] + ([written[unit]] if written is not None else [])
            images.show_row(_scaled(torch.stack(pair)), t("sparsity.unit_weights"), scale=3)
        chart = run.figure(
            ("unit_histogram", unit),
            lambda: figures.histograms(
                {run.name: view["values"].numpy()},
                t("sparsity.unit_histogram", unit=unit),
                t("charts.activation"),
                y_title=t("charts.count"),
            ),
        )
        figures.show(
            chart,
            "sparsity",
            "unit",
            run.name,
        )
        images.show_row(
            x[view["exciting"]],
            columns=9,
            scale=2,
            alt=t("images.exciting_alt", name=run.name, unit=unit),
        )
    container.caption(t("sparsity.exciting_caption"))
