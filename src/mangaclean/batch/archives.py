""".cbz/.zip archives read with guards and rebuilt as a stream.

Reading: only a regular file; members that overlap one another, inflate past the page size
limit or at a bomb's ratio are refused; a member is read whole only when it is a page, with a
byte cap, and any decoder failure (bad CRC, corrupt deflate, encryption, an unknown compression)
becomes an ``ImageReadError`` naming ``archive:member``. Writing: members go one at a time into a
temporary file beside the target (``io.atomic_output``), renamed over it only when the whole
archive is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mangaclean.errors import ImageReadError, ImageTooLargeError, ImageWriteError, MangacleanError
from mangaclean.io import atomic_output, error_reason, is_image_name

ARCHIVE_SUFFIXES = (".cbz", ".zip")
BOMB_RATIO = 200  # inflated / compressed size refused above this (for members over BOMB_MIN_BYTES)
BOMB_MIN_BYTES = 32 << 20
_LOCAL_HEADER = 30  # bytes before a member's data, at least
_DRIVE = re.compile(r"^[A-Za-z]:$")


def is_archive(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in ARCHIVE_SUFFIXES


def safe_member_name(name: str) -> str | None:
    """A member name made safe to write anywhere (no ``..``, no root, no drive letter, ``/``
    separators), or None when nothing is left of it."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and _DRIVE.match(parts[0]):
        parts = parts[1:]
    return str(PurePosixPath(*parts)) if parts else None


def open_archive(path: Path, name: str) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open an archive and list its members (in directory order).

    Raises ``ImageReadError`` naming the archive if it is not a regular file, not a readable
    zip, or its members overlap (several directory entries pointing at the same bytes: a bomb).
    """
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ImageReadError(f"{name}: not a regular file (a device, FIFO or socket): not read")
        archive = zipfile.ZipFile(path)
    except MangacleanError:
        raise
    except Exception as exc:  # zipfile raises many types on damaged central directories
        raise ImageReadError(f"{name}: not a readable zip/cbz archive ({error_reason(exc)})") from exc
    members = archive.infolist()
    spans = sorted((m.header_offset, m.header_offset + _LOCAL_HEADER + m.compress_size) for m in members)
    if any(start < end for (_, end), (start, _) in zip(spans, spans[1:], strict=False)):
        archive.close()
        raise ImageReadError(f"{name}: members overlap one another (a zip bomb?): not processed")
    return archive, members


def check_member_size(member: zipfile.ZipInfo, name: str, max_bytes: int) -> None:
    """Refuse a member that would inflate past ``max_bytes`` or at a bomb's ratio."""
    if member.file_size > max_bytes:
        raise ImageTooLargeError(
            f"{name}: inflates to {member.file_size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB "
            "limit for a page; raise --max-megapixels if it is genuine"
        )
    ratio = member.file_size / max(member.compress_size, 1)
    if member.file_size > BOMB_MIN_BYTES and ratio > BOMB_RATIO:
        raise ImageTooLargeError(
            f"{name}: compressed {ratio:.0f}:1 to {member.file_size / 1e6:.0f} MB "
            "(a zip bomb?): not extracted"
        )


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, max_bytes: int) -> bytes:
    """The member's bytes, at most ``max_bytes``; any failure is an ``ImageReadError``."""
    check_member_size(member, name, max_bytes)
    try:
        with archive.open(member) as handle:
            data = handle.read(max_bytes + 1)
    except Exception as exc:  # bad CRC, zlib.error, encryption, unknown compression, ...
        raise _extract_error(name, exc) from exc
    if len(data) > max_bytes:
        raise ImageTooLargeError(f"{name}: inflates past the {max_bytes / 1e6:.0f} MB limit")
    return data


def sniff_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The first 16 bytes of a member (empty if they cannot be read: the full read will say why)."""
    try:
        with archive.open(member) as handle:
            return handle.read(16)
    except Exception:
        return b""


@contextlib.contextmanager
def archive_writer(target: Path) -> Iterator[ArchiveWriter]:
    """An ``ArchiveWriter`` whose zip becomes ``target`` only when the block ends cleanly (written
    through ``io.atomic_output``: nothing is left of it after an error)."""
    with atomic_output(target) as handle:
        writer = ArchiveWriter(zipfile.ZipFile(handle, "w"), target)
        try:
            yield writer
            writer._guard(writer.zip.close)  # the central directory
        finally:
            with contextlib.suppress(Exception):
                writer.zip.close()  # after an error too: never left to the garbage collector


class ArchiveWriter:
    """A zip written member by member. Pages are stored (already compressed), the rest deflated."""

    def __init__(self, zip_file: zipfile.ZipFile, target: Path):
        self.zip, self.target = zip_file, target

    def add(self, name: str, data: bytes, like: zipfile.ZipInfo) -> None:
        """Add ``data`` as ``name``, dated like the source member ``like`` (so a rebuilt archive
        is the same bytes from one run to the next)."""
        info = zipfile.ZipInfo(name, like.date_time)
        info.compress_type = zipfile.ZIP_STORED if is_image_name(name) else zipfile.ZIP_DEFLATED
        info.external_attr = like.external_attr
        self._guard(lambda: self.zip.writestr(info, data))

    def copy(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, label: str) -> None:
        """Stream ``member`` of ``archive`` into this one as ``name``; ``label`` names it in errors."""
        info = zipfile.ZipInfo(name, member.date_time)
        info.compress_type = zipfile.ZIP_STORED if member.is_dir() else zipfile.ZIP_DEFLATED
        info.external_attr = member.external_attr
        if member.is_dir():
            return self._guard(lambda: self.zip.writestr(info, b""))
        try:
            source = archive.open(member)
        except Exception as exc:
            raise _extract_error(label, exc) from exc
        large = member.file_size >= zipfile.ZIP64_LIMIT
        with source, self.zip.open(info, "w", force_zip64=large) as sink:
            while True:
                try:
                    chunk = source.read(1 << 20)
                except Exception as exc:  # bad CRC, corrupt deflate stream, ...
                    raise _extract_error(label, exc) from exc
                if not chunk:
                    return
                self._guard(lambda chunk=chunk: sink.write(chunk))

    def _guard(self, write) -> None:
        try:
            write()
        except OSError as exc:
            raise ImageWriteError(f"{self.target}: cannot write ({exc.strerror or exc})") from exc


def _extract_error(name: str, exc: BaseException) -> ImageReadError:
    return ImageReadError(f"{name}: cannot extract from the archive ({error_reason(exc)})")
