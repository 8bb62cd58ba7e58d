"""Analyses of read-only runs, computed once per server and handed to every session.

A zoo example or a saved run has the same weights for everyone, and a registered dataset (MNIST,
Fashion-MNIST, ...) the same images: an analysis of one (its test codes, a projection, a
measure) is the same in every session. Kept per session, a class of thirty opening one page
computed it thirty times and held thirty copies (the Latent page's pixel PCA alone cost 1.3 s
of server CPU per visitor: bench hall). Here each is computed once, by the first session that
asks (the others wait for its result rather than computing it too), kept in a bounded
process-wide memo (`Memo`, which the class board's tables use too) and returned as is:
callers treat the values as read-only. Uses nothing of the app but Python."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

MOST_KEPT = 512  # analyses kept at once; past it the least recently used go


class Memo:
    """A bounded process-wide memo: compute() once per key (concurrent askers of one key wait
    for the first one's result), the least recently used values dropped past `most`."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._guard:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._values:
                    return self._values[key]
            value = compute()
            with self._guard:
                self._values[key] = value
                self._computing.pop(key, None)
                while len(self._values) > self.most:
                    self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        with self._guard:
            return len(self._values)


_ANALYSES = Memo(MOST_KEPT)


def run_version(saved_path: Path | None) -> tuple | None:
    """What names a read-only run's weights: its folder and the folder's time (a saved run saved
    again under the same name is another run). None when there is no folder."""
    if saved_path is None:
        return None
    try:
        return (str(saved_path), saved_path.stat().st_mtime_ns)
    except OSError:
        return None


def memo(key: Hashable, compute: Callable[[], Any]) -> Any:
    """compute(), once per key for the whole server (concurrent askers of one key wait for the
    first one's result)."""
    return _ANALYSES.get(key, compute)


def kept() -> int:
    """How many analyses the server holds (tests, the benchmark's probe)."""
    return len(_ANALYSES)
