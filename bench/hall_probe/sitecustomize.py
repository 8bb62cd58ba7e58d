"""The hall benchmark's look inside a server (python -m bench --only hall --hall-probe): Python
imports this file at the start of every process that has this folder on its PYTHONPATH, and
with AE_HALL_PROBE set to a folder it starts one daemon thread that answers the benchmark's
requests. Nothing of the app changes; the thread sleeps until asked.

The benchmark writes <folder>/request (a number, then " gc" to collect garbage first); the
process that runs a Streamlit Runtime answers with <folder>/reply-<number>.json: glibc's heap
(mallinfo2: bytes in use, free but kept, mmapped), Python's (allocated blocks, objects the gc
tracks, AppSession objects alive, script namespaces), threads, Streamlit's sessions (active, kept
after their tab closed), the buffers (arrays, tensors, bytes, strings) their session_state
reaches, and the arrays of 1 MB or more with what holds them. Other processes never answer."""

import gc
import os
import sys
import threading

FOLDER = os.environ.get("AE_HALL_PROBE")
POLL = 0.25  # seconds between looks at the request file
LIFETIME = 6 * 3600  # seconds: the thread ends after this even if never asked


def _heap() -> dict:
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                "arena",
                "ordblks",
                "smblks",
                "hblks",
                "hblkhd",
                "usmblks",
                "fsmblks",
                "uordblks",
                "fordblks",
                "keepcost",
            )
        ]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    mb = 2**20
    return {
        "malloc_in_use_mb": (info.uordblks + info.hblkhd) / mb,
        "malloc_free_kept_mb": info.fordblks / mb,
        "malloc_mmapped_mb": info.hblkhd / mb,
        "malloc_arena_mb": info.arena / mb,
    }


def _buffer(value) -> tuple[int, int] | None:
    """(address, bytes) of a numpy array's or a torch tensor's data, else None: by type, never
    by getattr (some objects answer any attribute: ctypes.cdll loads a library by that name)."""
    numpy, torch = sys.modules.get("numpy"), sys.modules.get("torch")
    if numpy is not None and isinstance(value, numpy.ndarray):
        return value.__array_interface__["data"][0], value.nbytes
    if torch is not None and isinstance(value, torch.Tensor):
        storage = value.untyped_storage()
        return storage.data_ptr(), storage.nbytes()
    return None


def _state_mb(app_sessions: list, budget: int = 200_000) -> float:
    """MB of the arrays, tensors, bytes and strings the sessions' session_state reaches (six
    levels deep, `budget` objects at most), each buffer counted once however many hold it."""
    buffers: dict[int, int] = {}
    seen: set[int] = set()
    todo = [(value, 0) for s in app_sessions for value in _state_values(s)]
    while todo and budget > 0:
        value, depth = todo.pop()
        budget -= 1
        if id(value) in seen or depth > 6:
            continue
        seen.add(id(value))
        buffer = _buffer(value)
        if buffer:
            buffers[buffer[0]] = buffer[1]
        elif isinstance(value, (bytes, bytearray, str)):
            buffers[id(value)] = len(value)
        elif isinstance(value, dict):
            todo += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, (list, tuple, set, frozenset)):
            todo += [(v, depth + 1) for v in value]
        else:
            try:
                attributes = vars(value)
            except TypeError:  # no instance attributes
                continue
            todo += [(v, depth + 1) for v in attributes.values()]
    return sum(buffers.values()) / 2**20


def _large_buffers(objects: list, least: int = 2**20) -> dict:
    """Arrays and tensors of `least` bytes or more that a gc-tracked object refers to (arrays are
    not tracked themselves): their MB and count, and the types of what holds them."""
    found: dict[int, int] = {}
    holders: dict[str, int] = {}
    for holder in objects:
        for value in gc.get_referents(holder):
            buffer = _buffer(value)
            if buffer is None or buffer[1] < least:
                continue
            found[buffer[0]] = buffer[1]
            name = _describe(holder)
            holders[name] = holders.get(name, 0) + 1
    top = dict(sorted(holders.items(), key=lambda item: -item[1])[:6])
    return {
        "large_arrays": len(found),
        "large_arrays_mb": sum(found.values()) / 2**20,
        "large_array_holders": top,
    }


def _describe(holder) -> str:
    """A holder's type; for a dict that is a script's namespace, whose it is and what refers to
    that namespace (functions by name: a function keeps its script run's globals alive)."""
    if not isinstance(holder, dict) or "__file__" not in holder:
        return type(holder).__name__
    keepers = sorted(
        {
            getattr(r, "__qualname__", type(r).__name__)
            for r in gc.get_referrers(holder)
            if r is not holder and type(r).__name__ != "frame"
        }
    )
    name = os.path.basename(str(holder.get("__file__")))
    return f"globals of {name}, held by {', '.join(keepers[:5])}"


def _state_values(app_session) -> list:
    state = app_session.session_state
    parts = (getattr(state, "_new_session_state", {}), getattr(state, "_old_state", {}))
    return [value for part in parts for value in part.values()]


def _python_and_streamlit() -> dict:
    import types

    from streamlit.runtime import Runtime

    objects = gc.get_objects()
    sessions = Runtime.instance()._session_mgr  # a probe reads private state
    stored = getattr(getattr(sessions._session_storage, "_cache", None), "_data", {})
    held = [info.session for info in sessions._active_session_info_by_id.values()]
    held += [info.session for info in stored.values()]
    try:
        state_mb = _state_mb(held)
    except Exception:  # an object that refuses to be looked at: the rest still counts
        state_mb = None
    return {
        **_large_buffers(objects),
        "session_state_mb": state_mb,
        "python_blocks": sys.getallocatedblocks(),
        "gc_objects": len(objects),
        "app_sessions_alive": sum(type(o).__name__ == "AppSession" for o in objects),
        "script_modules_alive": sum(
            isinstance(o, types.ModuleType) and o.__name__ == "__main__" for o in objects
        ),
        "threads": threading.active_count(),
        "sessions_active": len(sessions._active_session_info_by_id),
        "sessions_kept": len(stored),
    }


def _answer(request: str) -> None:
    """Answer request "<number>", or "<number> gc": a full collection first (what it freed is
    garbage that only waited for the collector, not memory something still holds)."""
    import json

    number, *rest = request.split()
    reply = {"pid": os.getpid()}
    if rest == ["gc"]:
        reply["gc_collected"] = gc.collect()
    reply.update(_heap())
    try:
        reply.update(_python_and_streamlit())
    except Exception as error:  # the reply says what could not be read
        reply["error"] = repr(error)
    path = os.path.join(FOLDER, f"reply-{number}.json")
    with open(path + ".part", "w") as file:
        json.dump(reply, file)
    os.replace(path + ".part", path)


def _serve() -> None:
    import time

    request, answered = os.path.join(FOLDER, "request"), None
    for _ in range(int(LIFETIME / POLL)):
        time.sleep(POLL)
        try:
            with open(request) as file:
                number = file.read().strip()
        except OSError:
            continue
        if number and number != answered and _has_runtime():
            answered = number
            _answer(number)


def _has_runtime() -> bool:
    import sys

    module = sys.modules.get("streamlit.runtime")
    return bool(module and module.Runtime.exists())


if FOLDER:
    threading.Thread(target=_serve, daemon=True, name="hall-probe").start()
