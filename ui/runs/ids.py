"""How the run picker names a run that is not one of the session's own: a kind and a name,
written "kind:name". The session's own runs have plain ids (see ui.runs.session), so these three
kinds are the only prefixed ones; build and read them here, never by hand."""

from __future__ import annotations

ZOO, SAVED, INTERRUPTED = "zoo", "saved", "interrupted"
KINDS = (ZOO, SAVED, INTERRUPTED)


def make(kind: str, name: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown run kind {kind!r}")
    return f"{kind}:{name}"


def zoo(name: str) -> str:
    """A pretrained example of the zoo: read-only, shared by everyone."""
    return make(ZOO, name)


def saved(name: str) -> str:
    """A finished run saved on disk."""
    return make(SAVED, name)


def interrupted(name: str) -> str:
    """A saved run whose training stopped before its last epoch: listed to, and opened by,
    its owner's browser alone (ui.runs.library.open_saved_run)."""
    return make(INTERRUPTED, name)


def parse(run_id: str | None) -> tuple[str | None, str]:
    """(kind, name) of a prefixed id; (None, run_id) for a session's own run or anything
    else."""
    kind, separator, name = (run_id or "").partition(":")
    if separator and kind in KINDS:
        return kind, name
    return None, run_id or ""


def is_example(run_id: str | None) -> bool:
    return parse(run_id)[0] == ZOO


def is_shareable(run_id: str | None) -> bool:
    """Ids another browser can open from a link: the zoo's and saved runs (an interrupted run
    is its owner's alone: another browser opening its id finds no such run)."""
    return parse(run_id)[0] in (ZOO, SAVED)
