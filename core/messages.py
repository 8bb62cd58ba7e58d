"""Problems a user can meet, told in words anyone can act on, in any language; and every phase
and error the training engine reports, as a stable key with fields plus its English text.

A `Problem` is a ValueError whose text is the English message (for the command line and logs)
and which also carries a `key` and the `fields` of that message, so the app can say the same
thing in the user's language from its catalogs (`problems.<key>`).

A job's snapshot names its phase by a key of PHASES with `phase_fields`, and a failed job its
error by a key of ENGINE_ERRORS with `error_fields` beside the English `error`: the app
translates `phases.<key>` and `problems.<key>` with those fields (raw numbers, which it formats
for the reader's language); the command line prints the English templates below."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

# Every phase a job passes through, in English. Keys are stable: the app's catalogs translate
# them (phases.<key>), and tests check that both catalogs hold each with the same fields.
PHASES: dict[str, str] = {
    "waiting": "waiting",
    "queued": "queued: {ahead} ahead",
    "queued_next": "queued: next in line",
    "waiting_for_worker": "waiting for a Ray worker",
    "preparing": "preparing",
    "starting": "starting",
    "pretraining": "RBM {stage} of {stages}, epoch {epoch} of {epochs}",
    "training": "training, epoch {epoch} of {epochs}",
    "paused": "paused: waiting for the next step",
    "testing": "testing the final model",
    "done": "done",
    "stopped": "stopped",
    "stopped_while_queued": "stopped while queued",
    "time_budget_reached": "stopped: time budget reached",
    "replaced": "replaced by a newer job of the same session",
    "diverged": "diverged",
    "failed": "failed",
    "interrupted": "interrupted",
    "saved": "saved",
}

_DIVERGED_ADVICE = (
    "Try a lower learning rate (now {lr:g}; e.g. {lower_lr:g}) or a smaller "
    "penalty weight. The weights from the last good step are kept."
)

# Every error the engine reports for a job or a backend, in English (problems.<key> in the
# catalogs). `reason` fields carry an exception's own first line, which no catalog can know.
ENGINE_ERRORS: dict[str, str] = {
    "diverged_non_finite": (
        "Training diverged in epoch {epoch}: the {terms} became infinite or "
        "not a number. " + _DIVERGED_ADVICE
    ),
    "diverged_exploded": (
        "Training diverged in epoch {epoch}: the loss exploded to {loss:.3g}, "
        "over {factor:g} times its starting value {start:.3g}. " + _DIVERGED_ADVICE
    ),
    "out_of_memory": "The device ran out of memory. Try a smaller batch size or a smaller model.",
    "training_failed": "Training failed: {reason}",
    "worker_lost_checkpoint": (
        "The Ray worker training this job was lost at epoch {epoch} of {epochs}. Its last "
        "per-epoch checkpoint (epoch {saved}) is kept and can be loaded from the interrupted "
        "runs."
    ),
    "worker_lost_no_epoch": (
        "The Ray worker training this job was lost at epoch {epoch} of {epochs}. No epoch had "
        "finished, so there is no checkpoint to load."
    ),
    "worker_lost_no_checkpoints": (
        "The Ray worker training this job was lost at epoch {epoch} of {epochs}. This job kept "
        "no per-epoch checkpoints."
    ),
    "ray_unreachable": (
        "The Ray cluster at {address} is not reachable ({reason}); is "
        "`ray start --head` running there, and is the port open?"
    ),
    "ray_join_failed": "Could not join the Ray cluster at {address}: {reason}",
    "ray_join_failed_token": (
        "Could not join the Ray cluster at {address}: {reason} (a cluster with token "
        "authentication, Ray's default, also needs RAY_AUTH_MODE=token and its token in "
        "RAY_AUTH_TOKEN here)"
    ),
    "ray_local_failed": "Could not start a local Ray: {reason}",
}


class Problem(ValueError):
    def __init__(self, key: str, text: str, **fields: Any) -> None:
        super().__init__(text)
        self.key = key
        self.fields = fields

    def __reduce__(self):  # pickled across processes (a Ray worker's refusal) with its key
        return _rebuild, (type(self), self.key, str(self), self.fields)


def _rebuild(cls: type[Problem], key: str, text: str, fields: dict[str, Any]) -> Problem:
    return cls(key, text, **fields)


def without_paths(what: str) -> Callable:
    """Decorate a function whose OSErrors name server paths (a full disk while writing a run):
    the error raised instead says `what` and the system's reason, never the path; the full
    error goes to the server's log. FileExistsError passes as it is (callers expect it)."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except FileExistsError:
                raise
            except OSError as error:
                logging.getLogger(function.__module__).warning("%s: %s", what, error)
                raise OSError(error.errno, f"{what} ({error.strerror or 'error'})") from None

        return wrapper

    return decorate


def engine_problem(key: str, /, kind: type[Problem] = Problem, **fields: Any) -> Problem:
    """An engine error by its key (a `kind` of Problem), its English text filled in from
    ENGINE_ERRORS."""
    return kind(key, ENGINE_ERRORS[key].format(**fields), **fields)


def error_changes(problem: Problem) -> dict[str, Any]:
    """The snapshot fields that record `problem` as a job's error."""
    return {"error": str(problem), "error_key": problem.key, "error_fields": dict(problem.fields)}


def describe_phase(snapshot: Any) -> str:
    """A snapshot's phase in English (the command line); an unknown phase as it is (a run saved
    by an older version may name its phase in words)."""
    template = PHASES.get(snapshot.phase)
    if template is None:
        return snapshot.phase
    try:
        return template.format(**snapshot.phase_fields)
    except (KeyError, IndexError, ValueError):
        return template
