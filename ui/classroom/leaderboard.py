"""The class's challenge on the Class page: its title, the leaderboard (every student sees
their place; ranked on the class's data set only), the teacher's form to set one and, once
closed, its winners' settings beside the defaults and their curves."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.classroom import challenges, classes, moderation
from core.data.registry import DATASETS
from core.messages import Problem
from core.models import MODELS
from core.models.denoising import NOISE_KINDS
from ui.classroom import board
from ui.i18n import number, t
from ui.kit import figures, phrases, spreadsheets
from ui.runs import datasets

LIMITS = ("max_code", "max_epochs", "max_parameters")  # the challenge's numeric constraints


def _constraint_fields(broken: dict[str, Any]) -> dict[str, Any]:
    """A broken constraint's values in words: variants and data sets by their names."""

    def named(value: Any) -> Any:
        if broken["constraint"] == "variants":
            return ", ".join(
                t(f"variants.{v.strip()}.title") if v.strip() in MODELS else v
                for v in str(value).split(",")
            )
        if broken["constraint"] == "dataset":
            return phrases.dataset_name(str(value or ""))
        return number(value, 0) if isinstance(value, int) else value

    return {"value": named(broken["value"]), "most": named(broken["most"])}


def constraint_text(broken: list[dict[str, Any]]) -> str:
    return "; ".join(t(f"class.breaks_{b['constraint']}", **_constraint_fields(b)) for b in broken)


def leaderboard_frame(
    rows: list[dict[str, Any]],
    challenge: dict[str, Any],
    settings: dict[str, Any],
    nickname: str | None = None,
) -> pd.DataFrame:
    digits = 3 if challenge["metric"] in ("sparsity", "probe") else 2
    return pd.DataFrame(
        [
            {
                "rank": r["rank"],
                "nickname": board.who(r, settings, nickname),
                "variant": board.variant_title(r),
                "value": number(r["value"], 0 if challenge["metric"] == "parameters" else digits)
                if r["value"] is not None
                else "",
                "note": constraint_text(r["broken"])
                if r["broken"]
                else t(f"class.state_{r['state']}"),
            }
            for r in rows
        ],
        columns=["rank", "nickname", "variant", "value", "note"],
    )


def challenge_title(challenge: dict[str, Any]) -> str:
    metric = t(f"class.metric_{challenge['metric']}")
    if challenge["metric"] == "noise":
        metric = t(
            "class.metric_noise_at",
            kind=t(f"noise.named_{challenge['noise_kind']}"),
            level=number(challenge["noise_level"], 1),
        )
    better = t(
        "class.lower" if challenges.METRICS[challenge["metric"]][0] == "lower" else "class.higher"
    )
    return t("class.challenge_title", metric=metric, better=better)


def show_leaderboard(code: str, nickname: str | None, key: str | None) -> None:
    @st.fragment(run_every=board.REFRESH)
    def _leaderboard() -> None:
        try:
            settings = classes.info(code)
            rows = moderation.leaderboard(code, nickname, key)
        except Problem as error:
            st.warning(board.say(error))
            return
        challenge = settings.get("challenge")
        if not challenge:
            return
        st.subheader(challenge_title(challenge))
        mine = [r for r in rows if r["nickname"] == nickname and r["rank"]]
        if mine:
            ranked = sum(
                r["state"] == "ranked"
                for r in challenges.leaderboard(classes.records(code), challenge)
            )
            st.markdown(t("class.your_place", rank=mine[0]["rank"], count=ranked))
        if rows:
            st.dataframe(
                leaderboard_frame(rows, challenge, settings, nickname),
                hide_index=True,
                column_config={
                    "rank": t("class.col_rank"),
                    "nickname": t("class.col_nickname"),
                    "variant": t("class.col_variant"),
                    "value": t("class.col_value"),
                    "note": t("class.col_note"),
                },
            )

    _leaderboard()


def leaderboard_csv(code: str, key: str) -> bytes:
    """The leaderboard as a spreadsheet in the session's language."""
    settings = classes.info(code)
    frame = leaderboard_frame(
        moderation.leaderboard(code, None, key), settings["challenge"], settings
    )
    return spreadsheets.csv_bytes(frame.rename(columns=lambda c: t(f"class.col_{c}")))


def _usual_dataset(code: str) -> str:
    """What a new challenge ranks on by default: the registered data set most of the board's
    runs trained on, else the teacher's own, else MNIST."""
    used = [r.get("dataset") for r in classes.records(code) if r.get("dataset") in DATASETS]
    if used:
        return max(set(used), key=used.count)
    own = datasets.current_dataset().name
    return own if own in DATASETS else "mnist"


def challenge_form(code: str, key: str) -> None:
    challenge = classes.info(code).get("challenge")
    if challenge and not challenge.get("closed"):
        if st.button(t("class.challenge_close"), key="class.challenge_close"):
            challenges.close_challenge(code, key)
            st.rerun()
        return
    with st.expander(t("class.challenge_new")), st.form("class.challenge_form"):
        metric = st.selectbox(
            t("class.metric"),
            list(challenges.METRICS),
            format_func=lambda m: t(f"class.metric_{m}"),
        )
        kind = st.selectbox(
            t("class.noise_kind"), NOISE_KINDS, format_func=lambda k: t(f"choices.{k}")
        )
        level = st.selectbox(
            t("class.noise_level"), challenges.NOISE_LEVELS, format_func=lambda v: number(v, 1)
        )
        names = list(DATASETS)
        dataset = st.selectbox(
            t("class.challenge_dataset"),
            names,
            key="class.challenge_data",
            index=names.index(_usual_dataset(code)),
            format_func=lambda n: t(f"datasets.{n}"),
            help=t("class.challenge_dataset_help"),
        )
        variants = st.multiselect(
            t("class.variants"), list(MODELS), format_func=lambda v: t(f"variants.{v}.title")
        )
        columns = st.columns(3)
        limits = [
            column.number_input(
                t(f"class.{name}"), min_value=0, step=1, value=0, help=t("class.zero_no_limit")
            )
            for column, name in zip(columns, LIMITS, strict=True)
        ]
        if st.form_submit_button(t("class.challenge_set"), type="primary"):
            try:
                challenges.set_challenge(
                    code,
                    key,
                    challenges.new_challenge(
                        metric,
                        noise_kind=kind,
                        noise_level=level,
                        variants=variants,
                        dataset=dataset,
                        **{name: int(v) or None for name, v in zip(LIMITS, limits, strict=True)},
                    ),
                )
                st.rerun()
            except Problem as error:
                st.error(board.say(error))


def winners(code: str) -> None:
    """A closed challenge: the winners' settings beside the defaults, their curves overlaid."""
    challenge = classes.info(code).get("challenge")
    if not challenge or not challenge.get("closed"):
        return
    st.subheader(t("class.winners", title=challenge_title(challenge)))
    found = {r["run_id"]: r for r in classes.records(code)}
    chosen = [found[i] for i in challenge.get("winners", []) if i in found]
    if not chosen:
        st.info(t("class.no_winners"))
        return
    settings = classes.info(code)
    names = [f"{index}. {board.who(r, settings)}" for index, r in enumerate(chosen, 1)]
    rows = {}
    for name, record in zip(names, chosen, strict=True):
        for setting, value in challenges.run_settings(record).items():
            rows.setdefault(phrases.label(setting), {})[name] = phrases.value_text(value)
            default = challenges.default_settings(record["variant"]).get(setting)
            rows[phrases.label(setting)][t("class.default")] = phrases.value_text(default)
    st.dataframe(pd.DataFrame.from_dict(rows, orient="index"), key="class.winner_settings")
    series = {
        name: r.get("curve", {}).get("val_error", []) for name, r in zip(names, chosen, strict=True)
    }
    epochs = max((len(v) for v in series.values()), default=0)
    chart = figures.lines(
        list(range(1, epochs + 1)),
        series,
        t("class.winner_curves"),
        t("class.epoch"),
        t("class.col_val"),
    )
    figures.show(chart, "class", "winners", None, key="class.winner_chart")
