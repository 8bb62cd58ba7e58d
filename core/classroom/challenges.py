"""A class's challenge: the teacher names a metric and constraints; eligible runs rank live,
ineligible ones say which constraint they break; closing it reveals the winners' settings
beside the defaults, and their curves.

The metrics are the Compare page's (core.science.analysis.comparison_row), measured on each run
when it
finishes by the publisher in the student's own process (core.classroom.publisher); a run's record
carries them under "metrics"."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from core import params
from core.classroom import classes
from core.data.registry import DATASETS
from core.messages import Problem
from core.models import MODELS
from core.models.denoising import NOISE_KINDS
from core.runs import store
from core.teaching.lessons import LESSONS
from core.teaching.zoo import zoo_dir
from core.training.loop import RUN_SETTINGS, TrainConfig

# metric -> (better: "lower" or "higher", the record's "metrics" entry); noise is per kind/level
METRICS = {
    "test_error": ("lower", "sse_per_image"),
    "sparsity": ("higher", "near_zero_share"),
    "jacobian": ("lower", "jacobian_norm"),
    "noise": ("lower", None),
    "probe": ("higher", "probe_accuracy"),
    "parameters": ("lower", "parameters"),
}
NOISE_LEVELS = (0.1, 0.2, 0.3, 0.5)
WINNERS = 3
CONSTRAINTS = ("variants", "max_code", "max_epochs", "max_parameters", "dataset")


def new_challenge(
    metric: str,
    *,
    noise_kind: str = "gaussian",
    noise_level: float = 0.3,
    variants: list[str] | tuple[str, ...] = (),
    max_code: int | None = None,
    max_epochs: int | None = None,
    max_parameters: int | None = None,
    dataset: str = "mnist",
) -> dict[str, Any]:
    """A challenge as plain values, checked: a wrong metric or constraint is a Problem. Runs
    are ranked on `dataset` only (a registered one, fixed now): a run measured on other data
    (an upload of an all-black set scores a tiny error on its own data) is shown, unranked."""
    if metric not in METRICS:
        raise Problem("challenge_metric", f"Unknown metric {metric!r}.", metric=metric)
    unknown = [v for v in variants if v not in MODELS]
    if metric == "noise" and (noise_kind not in NOISE_KINDS or noise_level not in NOISE_LEVELS):
        raise Problem(
            "challenge_noise",
            f"Choose a noise kind and one of the levels {', '.join(map(str, NOISE_LEVELS))}.",
            levels=list(NOISE_LEVELS),
        )  # numbers: the UI writes "0,1; 0,2; ..."
    limits = {"max_code": max_code, "max_epochs": max_epochs, "max_parameters": max_parameters}
    if (
        unknown
        or dataset not in DATASETS
        or any(v is not None and (not isinstance(v, int) or v < 1) for v in limits.values())
    ):
        raise Problem(
            "challenge_constraint",
            "A constraint is not valid: variants must be "
            "known, limits whole numbers of at least 1.",
        )
    return {
        "metric": metric,
        "noise_kind": noise_kind if metric == "noise" else None,
        "noise_level": noise_level if metric == "noise" else None,
        "variants": list(variants),
        **limits,
        "dataset": dataset,
        "closed": False,
        "winners": [],
    }


def set_challenge(code: str, key: str | None, challenge: dict[str, Any]) -> None:
    classes.update(code, key, challenge=challenge)


def measure_of(record: dict[str, Any], challenge: dict[str, Any]) -> float | None:
    """The run's measure for the challenge, or None while it is not measured."""
    metrics = record.get("metrics") or {}
    if challenge["metric"] == "noise":
        curve = (metrics.get("noise") or {}).get(challenge["noise_kind"]) or {}
        found = curve.get(str(challenge["noise_level"]))
    else:
        found = metrics.get(METRICS[challenge["metric"]][1])
    return None if found is None else float(found)


def broken_constraints(record: dict[str, Any], challenge: dict[str, Any]) -> list[dict[str, Any]]:
    """The constraints a run breaks: [{"constraint", "value", "most"}], empty when eligible."""
    found = []
    if challenge.get("dataset") and record.get("dataset") != challenge["dataset"]:
        found.append(
            {"constraint": "dataset", "value": record.get("dataset"), "most": challenge["dataset"]}
        )
    if challenge.get("variants") and record.get("variant") not in challenge["variants"]:
        found.append(
            {
                "constraint": "variants",
                "value": record.get("variant"),
                "most": ", ".join(challenge["variants"]),
            }
        )
    for name, field in (
        ("max_code", "code_size"),
        ("max_epochs", "epochs"),
        ("max_parameters", "parameters"),
    ):
        most, actual = challenge.get(name), record.get(field)
        if most is not None and actual is not None and actual > most:
            found.append({"constraint": name, "value": actual, "most": most})
    return found


def leaderboard(records: list[dict[str, Any]], challenge: dict[str, Any]) -> list[dict[str, Any]]:
    """Every run's place: the eligible measured ones ranked (1 = best), then those still
    training or being measured ("waiting"), then the ineligible with what they break."""
    ranked, waiting, ineligible = [], [], []
    for record in records:
        row = {
            "run_id": record.get("run_id"),
            "nickname": record.get("nickname"),
            "variant": record.get("variant"),
            "value": measure_of(record, challenge),
            "broken": broken_constraints(record, challenge),
            "rank": None,
        }
        if row["broken"]:
            ineligible.append({**row, "state": "ineligible"})
        elif row["value"] is None or record.get("status") != "done":
            waiting.append(
                {**row, "state": "failed" if record.get("status") == "failed" else "waiting"}
            )
        else:
            ranked.append({**row, "state": "ranked"})
    higher = METRICS[challenge["metric"]][0] == "higher"
    ranked.sort(key=lambda r: -r["value"] if higher else r["value"])
    for place, row in enumerate(ranked, 1):
        row["rank"] = place
    return ranked + waiting + ineligible


def close_challenge(code: str, key: str | None) -> dict[str, Any]:
    """End the challenge: the best runs are kept as its winners (shown with their settings
    beside the defaults, and their curves)."""
    classes.require_teacher(code, key)
    challenge = classes.info(code).get("challenge")
    if not challenge:
        raise Problem("challenge_none", "There is no challenge to close.")
    rows = leaderboard(classes.records(code), challenge)
    winners = [r["run_id"] for r in rows if r["state"] == "ranked"][:WINNERS]
    closed = {**challenge, "closed": True, "winners": winners}
    classes.update(code, key, challenge=closed)
    return closed


def default_settings(variant: str) -> dict[str, Any]:
    """A variant's default settings, with the training defaults: what winners are set beside."""
    every = {**params.defaults(MODELS[variant].Config), **params.defaults(TrainConfig)}
    return {name: _plain(value) for name, value in every.items()}


def run_settings(record: dict[str, Any]) -> dict[str, Any]:
    """The run's settings that matter for its result: the variant's, then training's."""
    train = record.get("train_config") or {}
    return {
        **(record.get("hyperparameters") or {}),
        **{k: train[k] for k in RUN_SETTINGS if k in train},
    }


def changed(record: dict[str, Any], baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings that differ from `baseline` (default: the variant's defaults)."""
    if record.get("variant") not in MODELS:
        return {}
    baseline = baseline if baseline is not None else default_settings(record["variant"])
    return {
        k: v
        for k, v in run_settings(record).items()
        if k in baseline and _plain(v) != _plain(baseline[k])
    }


def baseline(record: dict[str, Any], lesson_id: str | None) -> dict[str, Any] | None:
    """What a run of the current lesson's subject variant is set beside: the settings of the
    lesson's own run in the pretrained zoo (None for any other run: the defaults then)."""

    lesson = LESSONS.get(lesson_id or "")
    if lesson is None or lesson.roles[0].partition("-")[0] != record.get("variant"):
        return None
    return _zoo_settings(lesson.roles[0], str(zoo_dir()))


@functools.cache
def _zoo_settings(role: str, root: str) -> dict[str, Any] | None:
    try:
        description = store.read_description(Path(root) / role)
    except ValueError:
        return None
    return {**default_settings(description["variant"]), **run_settings(description)}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
