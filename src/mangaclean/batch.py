"""Many pages: find inputs (files, folders, .cbz/.zip), plan outputs, process pages in worker
processes, write everything atomically, and keep going past bad pages.

A worker turns one page (a path, or bytes from an archive) into encoded output files; the main
process writes them. Archives are rebuilt member by member, bad members copied unchanged.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mangaclean.errors import ImageReadError, ImageWriteError
from mangaclean.io import is_image_name, output_suffix, write_bytes_atomic

ARCHIVE_SUFFIXES = (".cbz", ".zip")


def natural_key(text: str) -> list:
    """Sort key where ``page2`` comes before ``page10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


@dataclass(frozen=True)
class PageJob:
    """One page to process. source: a file path, or bytes read from an archive member.
    outputs: role (``page``/``mask``/``compare``) -> where it goes (a path, or a member name)."""

    name: str
    source: Path | bytes
    outputs: dict[str, str]


@dataclass(frozen=True)
class ArchiveJob:
    """A .cbz/.zip input rebuilt as ``target``; its image members become PageJobs."""

    name: str
    source: Path
    target: Path


@dataclass
class Outcome:
    """What a worker made of one page: encoded files by role, stage timings, or an error."""

    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def discover(inputs: list[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Every page or archive named by ``inputs`` as ``(path, relative_name)``, and error lines.

    Folders are walked recursively in natural order; their pages keep their path relative to the
    folder. A missing input is reported, not fatal: the rest is still found.
    """
    found, errors = [], []
    for item in inputs:
        if item.is_dir():
            paths = [p for p in item.rglob("*") if (p.is_file() or p.is_symlink()) and _wanted(p)]
            for path in sorted(paths, key=lambda p: natural_key(str(p.relative_to(item)))):
                found.append((path, path.relative_to(item)))
        elif item.exists() or item.is_symlink():
            found.append((item, Path(item.name)))
        else:
            errors.append(f"{item}: no such file or folder")
    return found, errors


def _wanted(path: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.parts[-1:])
    return not hidden and (is_image_name(path) or path.suffix.lower() in ARCHIVE_SUFFIXES)


def is_archive(path: Path) -> bool:
    return path.suffix.lower() in ARCHIVE_SUFFIXES


def output_name(relative: Path, fmt: str, role: str) -> Path:
    """Where a page's output of ``role`` goes, relative to the output folder."""
    if role == "page":
        return relative.with_suffix(output_suffix(relative.name, fmt))
    if role == "mask_only":
        return relative.with_suffix(".png")
    return relative.with_name(f"{relative.stem}_{role}.png")


def check_not_input(output: Path, inputs: set[Path], overwrite: bool) -> None:
    """Refuse to write over an input file unless the user asked for it."""
    if not overwrite and output.resolve() in inputs:
        raise ImageWriteError(f"{output}: would overwrite an input; use another -o or --overwrite")


def archive_members(job: ArchiveJob) -> tuple[list[zipfile.ZipInfo], zipfile.ZipFile]:
    """Open an archive and list its members in natural order (raises ImageReadError if corrupt)."""
    try:
        archive = zipfile.ZipFile(job.source)
        members = sorted(archive.infolist(), key=lambda m: natural_key(m.filename))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImageReadError(f"{job.name}: not a readable zip/cbz archive ({exc})") from exc
    return members, archive


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImageReadError(f"{name}: cannot extract from archive ({exc})") from exc


@contextmanager
def worker_pool(workers: int, initializer, initargs):
    """Yield ``map(function, jobs)`` that runs in ``workers`` processes (1 = this process), in order."""
    if workers <= 1:
        initializer(*initargs)
        yield map
        return
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, initializer, initargs) as pool:
        yield lambda function, jobs: pool.map(function, jobs, chunksize=1)


def write_archive(target: Path, entries: list[tuple[str, bytes]]) -> None:
    """Write a zip of ``(member name, data)`` atomically (temporary file + rename)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            compress = zipfile.ZIP_STORED if is_image_name(name) else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    write_bytes_atomic(target, buffer.getvalue())


def safe_member_path(name: str) -> Path:
    """An archive member's path made safe to write under a folder (no ``..``, not absolute)."""
    return Path(*[part for part in PurePosixPath(name).parts if part not in ("..", "/", "")])


def default_threads(workers: int) -> int:
    """Threads per worker so that workers x threads <= cores."""
    return max(1, (os.cpu_count() or 1) // max(workers, 1))
