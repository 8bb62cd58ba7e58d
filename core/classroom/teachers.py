"""Who holds a class's controls: opening a class, the teacher's browser remembered, and handing
the controls to another device.

A teacher is a browser, as a student is (its owner id, core.runs.identity): the credential
that opens a class's controls is an HMAC of the class code and the owner id under the server's
secret, so the same browser finds its class again after a reload, in a new tab or after a
restart, and no key ever travels in an address, a log line or a Referer. class.json keeps only
the credentials' hashes. To give the controls to another device (the projector's browser, a
colleague's laptop), the teacher makes a handover link: a random token, stored hashed, valid
once and for HANDOVER_MINUTES, then void; the device that opens it becomes a teacher of the
class by its own owner id. A new handover link voids the older unused ones; each device that took
the controls is listed (when, from which browser), and the browser that opened the class can
take them back from any of them (`devices`, `revoke`): a link read off the projector holds the
controls only until the teacher sees it in that list.

Opening classes is bounded: $AE_CLASSES_PER_TEACHER open classes per browser (default 3), and
$AE_MAX_CLASSES (default 20) classes active within the last ACTIVE_HOURS per server (an idle
class stops counting long before it ends); with $AE_TEACHER_PASSWORD set (a server open to the
internet), opening a class asks for it. Under the public profile ($AE_PUBLIC=1) classes are off
unless that password is set, and each client address opens at most $AE_ADDRESS_CLASSES per hour
(core.runs.address_limits). Uses core.classroom.classes, core.runs, core.settings.

Long because: opening a class, the teacher's credential and the devices the controls were handed
to are one question, who holds a class's controls, over one record (class.json)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from core import files
from core.classroom import classes
from core.classroom.classes import CLASSES_ENV, Teacher, max_classes, read_json
from core.messages import Problem
from core.runs import address_limits, identity, store
from core.settings import env_int, env_text, public

PER_TEACHER_ENV, PASSWORD_ENV = "AE_CLASSES_PER_TEACHER", "AE_TEACHER_PASSWORD"
HANDOVER_MINUTES = 10
MOST_DEVICES = 20  # devices holding a class's controls by handover (past it, the oldest loses them)
BROWSER_CHARS = 60
ACTIVE_HOURS = 1.0  # a class idle this long no longer counts against the server's limit


def needs_password() -> bool:
    """Whether opening a class asks for $AE_TEACHER_PASSWORD."""
    return bool(env_text(PASSWORD_ENV))


def classes_open() -> bool:
    """Whether this server opens classes: always, but under the public profile only with the
    teachers' password set (anyone on the internet could open one otherwise)."""
    return needs_password() or not public()


def credential(code: str, owner: str) -> str:
    """The secret that opens `code`'s controls for the browser `owner` (never stored)."""
    secret = identity.server_secret(store.runs_dir())
    return hmac.new(secret, f"teacher|{code}|{owner}".encode(), hashlib.sha256).hexdigest()


def _owned_by(data: dict, owner: str | None) -> bool:
    return bool(owner) and data.get("opened_by") == classes.key_hash(owner)


def _check_limits(owner: str | None, password: str | None) -> None:
    if not classes_open():
        raise Problem(
            "class_off",
            f"This public server opens no classes: its administrator sets {PASSWORD_ENV} "
            "to let teachers open them.",
            setting=PASSWORD_ENV,
        )
    wanted = env_text(PASSWORD_ENV)
    if needs_password() and not hmac.compare_digest(str(password or "").encode(), wanted.encode()):
        raise Problem(
            "class_password", "Opening a class on this server needs the teachers' password."
        )
    mine, active = 0, 0
    for code in classes.open_classes():
        data = read_json(classes.classes_dir() / code / "class.json") or {}
        mine += _owned_by(data, owner)
        active += classes.idle_for(code) < ACTIVE_HOURS * 3600
    most_mine = env_int(PER_TEACHER_ENV, 3)
    if owner and mine >= most_mine:
        raise Problem(
            "class_teacher_limit",
            f"This browser already has {mine} open classes, "
            f"the most one teacher may open ({PER_TEACHER_ENV}). End one first.",
            most=most_mine,
            setting=PER_TEACHER_ENV,
        )
    if active >= max_classes():
        raise Problem(
            "class_limit",
            f"This server already has {max_classes()} active classes, "
            f"its limit ({CLASSES_ENV}). Close a class or try later.",
            most=max_classes(),
            setting=CLASSES_ENV,
        )


def create_class(
    owner: str | None = None, password: str | None = None, address: str | None = None
) -> Teacher:
    """Open a new class for the browser `owner` at the client `address`; returns its code and
    the teacher's key (the browser's credential; without an owner, as on the command line, a
    random key shown once). Every try counts against the address, wrong passwords included."""
    address_limits.take(address, "classes")
    _check_limits(owner, password)
    for _ in range(50):
        code = "".join(secrets.choice(classes.ALPHABET) for _ in range(classes.CODE_LENGTH))
        folder = classes.classes_dir() / code
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        key = credential(code, owner) if owner else secrets.token_urlsafe(32)
        files.write_json(
            folder / "class.json",
            {
                "code": code,
                "created": time.time(),
                "teacher_keys": [classes.key_hash(key)],
                "opener_key": classes.key_hash(key),
                "opened_by": classes.key_hash(owner) if owner else None,
                "handovers": {},
                "devices": [],
                "show_others": False,
                "lesson": None,
                "spotlight": None,
                "challenge": None,
                "locked": False,
                "hide_names": False,
                "runs_shown": classes.RUNS_SHOWN,
            },
        )
        classes.touch(folder)
        return Teacher(code, key)
    raise Problem(
        "class_limit",
        "No free class code was found. Try again.",
        most=max_classes(),
        setting=CLASSES_ENV,
    )


def teacher_of(owner: str | None) -> Teacher | None:
    """The open class whose controls this browser holds (the newest), or None."""
    if not owner:
        return None
    found = []
    for code in classes.open_classes():
        key = credential(code, owner)
        if classes.is_teacher(code, key):
            data = read_json(classes.classes_dir() / code / "class.json") or {}
            found.append((data.get("created", 0.0), Teacher(code, key)))
    return max(found, key=lambda pair: pair[0])[1] if found else None


def handover(code: str, key: str | None) -> str:
    """(teacher only) A token that hands the class's controls to the device that opens it:
    valid once, for HANDOVER_MINUTES. The class's older unused tokens are void from now on."""
    folder = classes.require_teacher(code, key)
    token = secrets.token_urlsafe(24)
    with classes.class_lock(folder):
        data = read_json(folder / "class.json") or {}
        pending = {classes.key_hash(token): time.time() + HANDOVER_MINUTES * 60}  # older: void
        files.write_json(folder / "class.json", {**data, "handovers": pending})
    return token


def redeem(code: str, token: str, owner: str, browser: str = "") -> Teacher:
    """Open the controls on this browser with a handover token; the token is void afterwards
    (and after its minutes); a Problem for a used, expired or unknown one. `browser` names the
    device in the teacher's list (a short description of its browser)."""
    folder = classes.folder_of(code)
    with classes.class_lock(folder):
        data = read_json(folder / "class.json") or {}
        pending = dict(data.get("handovers") or {})
        expiry = pending.pop(classes.key_hash(str(token or "")), 0)
        if expiry <= time.time():
            raise Problem(
                "class_handover_void",
                "This teacher link was used already or has "
                "expired: ask for a new one on the teacher's screen.",
            )
        key = credential(folder.name, owner)
        hashed = classes.key_hash(key)
        keys = [*data.get("teacher_keys", []), hashed]
        device = {"id": secrets.token_hex(6), "key": hashed, "taken": time.time()}
        device["browser"] = " ".join(str(browser or "").split())[:BROWSER_CHARS]
        held = [*(d for d in data.get("devices") or [] if d.get("key") != hashed), device]
        dropped = {d.get("key") for d in held[:-MOST_DEVICES]}  # the oldest: their keys go too
        files.write_json(
            folder / "class.json",
            {
                **data,
                "handovers": pending,
                "teacher_keys": sorted(set(keys) - dropped),
                "devices": held[-MOST_DEVICES:],
            },
        )
    classes.touch(folder)
    return Teacher(folder.name, key)


def _opener(data: dict, key: str | None) -> bool:
    """Whether `key` is the one the class was opened with (the teacher's own browser)."""
    first = data.get("opener_key")
    return bool(key) and hmac.compare_digest(str(first or ""), classes.key_hash(key))


def devices(code: str, key: str | None) -> list[dict]:
    """(teacher only) The devices that took the controls through a handover link, oldest
    first: id, taken (a time), browser (as the device described itself), and whether it is
    this `key`'s own device."""
    folder = classes.require_teacher(code, key)
    data = read_json(folder / "class.json") or {}
    mine = classes.key_hash(key)
    return [
        {
            "id": str(d.get("id")),
            "taken": float(d.get("taken") or 0.0),
            "browser": str(d.get("browser") or ""),
            "this": d.get("key") == mine,
        }
        for d in data.get("devices") or []
    ]


def can_revoke(code: str, key: str | None) -> bool:
    """Whether this key may take the controls back: the browser that opened the class."""
    try:
        folder = classes.require_teacher(code, key)
    except Problem:
        return False
    return _opener(read_json(folder / "class.json") or {}, key)


def revoke(code: str, key: str | None, device: str) -> None:
    """(the opening browser only) Take the controls back from a device that took them: its key
    opens nothing any more, and its browser is no longer this class's teacher."""
    folder = classes.require_teacher(code, key)
    with classes.class_lock(folder):
        data = read_json(folder / "class.json") or {}
        if not _opener(data, key):
            raise Problem(
                "class_not_opener",
                "Only the browser that opened this class can take back controls.",
            )
        held = data.get("devices") or []
        gone = [d for d in held if d.get("id") == device]
        if not gone:
            raise Problem("class_no_device", "This device no longer holds the controls.")
        keys = set(data.get("teacher_keys") or []) - {d.get("key") for d in gone}
        kept = [d for d in held if d.get("id") != device]
        files.write_json(
            folder / "class.json", {**data, "teacher_keys": sorted(keys), "devices": kept}
        )
    classes.touch(folder)
