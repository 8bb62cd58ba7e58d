"""How the server's process gives freed memory back to the machine.

glibc's malloc serves blocks under its mmap threshold from heaps it keeps: memory a page's
script run freed (a projection's temporary arrays, a figure's lists) stays with the process,
and the threshold itself rises as large blocks are freed, so more and more is kept. Measured on
the app with 30 sessions (bench hall --hall-probe, 2 cores): the heap in use grew 2.9 MB a
session, the freed-but-kept heap 21 MB a session, and 150 s after every tab closed the server
still held +579 MB. A fixed threshold of 256 KiB (blocks from it up are mapped and unmapped
whole) held 3.8 MB a session and +113 MB after close, for no measurable CPU. Uses only the C
library, through ctypes; elsewhere than glibc it does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
MMAP_THRESHOLD = 256 * 1024  # bytes: blocks this large or larger are mapped on their own
_TUNED: list[bool] = []


def return_freed_memory() -> bool:
    """Fix malloc's mmap threshold (once per process; the server's start calls it before the
    pages allocate). False where the C library has no mallopt (not glibc)."""
    if _TUNED:
        return _TUNED[0]
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        tuned = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # no C library by that name, or no mallopt in it
        tuned = False
    _TUNED.append(tuned)
    return tuned
