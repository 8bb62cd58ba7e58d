"""The server gives freed memory back (core.memory): on glibc, the C library of every machine the
README supports, malloc's mmap threshold is fixed once per process; elsewhere nothing is done."""

from __future__ import annotations

import platform

from core.memory import return_freed_memory


def test_the_threshold_is_set_once_on_glibc():
    first = return_freed_memory()
    assert return_freed_memory() is first  # once per process
    if platform.libc_ver()[0] == "glibc":
        assert first is True
