"""Reading an uploaded archive (.zip, and .npz, which is a zip) in memory, trusting nothing in it.

Every way reading can fail (a damaged central directory, bad deflate data, a checksum that does
not match, a compression method Python cannot read such as Deflate64, an encrypted member, a
truncated stream) ends as one refusal, `upload_archive_corrupt`, never as an exception the app
did not expect. Member names are checked before anything is read: no absolute paths, no '..',
no links, no deep nesting."""

from __future__ import annotations

import contextlib
import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO

from core.messages import Problem
from core.uploads.refusals import MAX_IMAGES, MAX_UNCOMPRESSED_BYTES, refuse

IGNORED_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db"}
# What the zipfile module and the decompressors raise on a damaged or unsupported archive:
# BadZipFile (bad directory, CRC), zlib.error (bad deflate data), NotImplementedError (Deflate64,
# other methods), RuntimeError (an encrypted member), EOFError (a truncated stream), OSError and
# ValueError (a bad header or offset; lzma and bz2 raise these too).
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError)
READ_ERRORS = (*ARCHIVE_ERRORS, EOFError, OSError, ValueError)


@contextlib.contextmanager
def refusing_read_errors(kind: str) -> Iterator[None]:
    """Turn any failure to read the archive inside the block into the one refusal."""
    try:
        yield
    except Problem:  # a refusal already (a ValueError too): kept as it is
        raise
    except READ_ERRORS as error:
        raise _refusal(error, kind) from None


def _refusal(error: BaseException, kind: str) -> Problem:
    """The reason as a key (the UI words it), the library's own words only when unforeseen."""
    if isinstance(error, NotImplementedError):  # first: it is a RuntimeError too
        return refuse("archive_method", kind=kind)
    if isinstance(error, RuntimeError):  # zipfile's only one: a password would be needed
        return refuse("archive_encrypted", kind=kind)
    return refuse("archive_corrupt", kind=kind, error=str(error)[:200] or type(error).__name__)


def open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """The archive, once its member count and declared size are within the limits (the reader
    never returns more than a member's declared size, so the declared total bounds the work)."""
    with refusing_read_errors(kind):
        archive = zipfile.ZipFile(io.BytesIO(data))
    members = archive.infolist()
    if len(members) > MAX_IMAGES + 1000:
        raise refuse("archive_files", kind=kind, count=len(members))
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise refuse("archive_size", kind=kind, size_mb=total / 2**20)
    return archive


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, kind: str) -> bytes:
    """One member's bytes, bounded whatever its header says."""
    limit = MAX_UNCOMPRESSED_BYTES  # LIMITS["max_mb"] in the message
    with refusing_read_errors(kind), archive.open(member) as handle:
        content = handle.read(limit + 1)
    if len(content) > limit:
        raise refuse("member_size", member=member.filename)
    return content


@contextlib.contextmanager
def open_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, kind: str
) -> Iterator[IO[bytes]]:
    """A member as a stream (decompressed only as far as it is read: a picture's header)."""
    with refusing_read_errors(kind), archive.open(member) as handle:
        yield handle


def safe_parts(member: zipfile.ZipInfo) -> tuple[str, ...] | None:
    """A member's path as folder names, or None for a folder or system junk; refuses paths
    that are absolute, climb out, are links or nest too deep."""
    name = member.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise refuse("zip_absolute", member=member.filename)
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise refuse("zip_climbs", member=member.filename)
    if stat.S_ISLNK(member.external_attr >> 16):
        raise refuse("zip_symlink", member=member.filename)
    if member.is_dir() or not parts:
        return None
    if any(part in IGNORED_PARTS or part.startswith(".") for part in parts):
        return None
    if len(parts) > 8:
        raise refuse("zip_too_deep", member=member.filename)
    return parts


def suffix(parts: tuple[str, ...]) -> str:
    return PurePosixPath(parts[-1]).suffix.lower()


def class_folders(paths: list[tuple[str, ...]]) -> list[str] | None:
    """One folder per class: the folder right above each picture, if all pictures have one
    and there are at least two such folders. A single common top folder is skipped."""
    depth = {len(parts) for parts in paths}
    if len(depth) != 1 or depth.pop() < 2:
        return None
    folders = [parts[-2] for parts in paths]
    return folders if len(set(folders)) >= 2 else None
