"""Many pages: find the inputs (files, folders, .cbz/.zip) and name every output once, before any
work starts.

The rules a user can rely on (README, "Cleaning pages"):
- folders are mirrored under the output folder; with several inputs, each folder keeps its own
  name there (``~2`` added to a second folder of the same name); the same file given twice is
  processed once; the output folder is never read;
- two outputs never share a name (compared case-insensitively). Pages come first, pages that
  keep their own file name first of all, then input order; a later claimant gets its input's
  whole file name as stem (``a.gif`` -> ``a.gif.png``, the mask of ``x.png`` ->
  ``x.png_mask.png``), then ``~2``, ``~3``;
- with ``--format same`` the output format is the one the file's bytes hold, whatever its name.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath, PurePosixPath

from mangaclean.batch.archives import is_archive, open_archive, safe_member_name, sniff_member
from mangaclean.errors import MangacleanError, UsageError
from mangaclean.io import is_image_name, output_suffix, remove_stale_parts, sniff_format

# How each output other than the page is named after it: ``page.png`` -> ``page_mask.png``...
SIDE_TAILS = {
    "mask_only": ".png",
    "mask": "_mask.png",
    "compare": "_compare.png",
    "psd": ".psd",
    "ora": ".ora",
}


def natural_key(text: str) -> list:
    """Sort key where ``page2`` comes before ``page10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


@dataclass(frozen=True)
class PageJob:
    """One page to process. source: a file path, or bytes read from an archive member.
    outputs: role (``page``, or one of ``SIDE_TAILS``) -> where it goes (a path, or for
    an archive's ``page`` the member name). mask: a removal mask to use instead of finding the
    text (``--mask-dir``), or None. kept: roles whose file exists and is kept (``--skip-existing``
    redoing a page only for the outputs it lacks)."""

    name: str
    source: Path | bytes
    outputs: dict[str, str]
    mask: Path | None = None
    kept: frozenset[str] = frozenset()


@dataclass
class Outcome:
    """What a worker made of one page: encoded files by role, stage timings, notes, or an error."""

    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Discovery:
    """sources: ``(path, name relative to the output folder)`` of every page and archive."""

    sources: list[tuple[Path, Path]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def discover(inputs: list[Path], out_dir: Path | None = None) -> Discovery:
    """Every page or archive named by ``inputs``, in natural order within folders.

    A missing input or a folder with nothing to clean is an error line, not fatal. Hidden files
    and anything under ``out_dir`` are left out (a rerun must not clean its own outputs).
    """
    found, folders = Discovery(), OutputNames()
    seen: set[Path] = set()
    skip = out_dir.resolve() if out_dir is not None else None
    for item in inputs:
        if item.is_dir():
            name = Path(item.resolve().name)
            prefix = Path(folders.claim(name, name)) if len(inputs) > 1 else Path()
            pages = [(path, prefix / rel) for path, rel in _walk(item, skip, found.notes)]
            if not pages:
                found.errors.append(f"{item}: no pages or .cbz/.zip archives in this folder")
        elif item.exists() or item.is_symlink():
            pages = [(item, Path(item.name))]
        else:
            found.errors.append(f"{item}: no such file or folder")
            continue
        for path, rel in pages:
            key = path.resolve()
            if key in seen:
                found.notes.append(f"{path}: given more than once, processed once")
                continue
            seen.add(key)
            found.sources.append((path, rel))
    return found


def _walk(folder: Path, skip: Path | None, notes: list[str]) -> list[tuple[Path, Path]]:
    found = []
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        linked = [d for d in dirs if (base / d).is_symlink()]
        notes.extend(f"{base / d}: a link to a folder, not followed" for d in linked)
        dirs[:] = [
            d for d in dirs if not d.startswith(".") and d not in linked and (base / d).resolve() != skip
        ]
        found += [(base / f, (base / f).relative_to(folder)) for f in files if _wanted(f)]
    return sorted(found, key=lambda pair: (natural_key(str(pair[1])), str(pair[1])))


def _wanted(name: str) -> bool:
    return not name.startswith(".") and (is_image_name(name) or is_archive(name))


def sniff_file(path: Path) -> str | None:
    """The accepted image format a regular file's first bytes announce, else None (a FIFO or a
    device is never opened here: reading it later says what it is)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with open(path, "rb") as handle:
            return sniff_format(handle.read(16))
    except OSError:
        return None


class OutputNames:
    """Output names handed out once each, compared case-insensitively (names that differ only by
    case are one file on Windows and macOS disks)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, wanted: PurePath, fallback: PurePath) -> PurePath:
        """``wanted`` if free, else ``fallback``, else ``fallback`` with ``~2``, ``~3``..."""
        numbered = (fallback.with_name(f"{fallback.stem}~{n}{fallback.suffix}") for n in itertools.count(2))
        for name in itertools.chain((wanted, fallback), numbered):
            key = str(name).casefold()
            if key not in self._taken:
                self._taken.add(key)
                return name
        raise AssertionError("itertools.count never ends")


def output_name(
    relative: PurePath, fmt: str, role: str, content: str | None = None
) -> tuple[PurePath, PurePath]:
    """Where a page's output of ``role`` goes, relative to the output folder, and the fallback
    name used when another output took it first (the input's whole file name as stem)."""
    tail = output_suffix(relative.name, fmt, content) if role == "page" else SIDE_TAILS[role]
    stem = relative.name[: -len(relative.suffix)] if relative.suffix else relative.name
    return relative.with_name(stem + tail), relative.with_name(relative.name + tail)


@dataclass(frozen=True)
class MemberPlan:
    """One member of an archive. label: ``archive:member`` for messages. page: an image member,
    to clean. out_name: its name in the rebuilt archive (None: no archive is made); keep_name:
    where it goes if it fails to decode (copied as it is). outputs: the page's other outputs by
    role, as in ``PageJob``."""

    member: zipfile.ZipInfo
    label: str
    page: bool
    out_name: str | None
    keep_name: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    mask: Path | None = None


@dataclass(frozen=True)
class ArchiveJob:
    """A .cbz/.zip input, rebuilt as ``target`` (None when only masks are made)."""

    name: str
    source: Path
    target: Path | None
    members: list[MemberPlan]


@dataclass
class Plan:
    pages: list[PageJob] = field(default_factory=list)
    archives: list[ArchiveJob] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """What a batch makes. roles: outputs per page, the first one primary (``page`` or
    ``mask_only``). existing: what to do with outputs already on disk: ``refuse``, ``skip``
    (skip a page whose primary output exists, replace its other outputs) or ``overwrite``.
    mask_dir: where each page's removal mask is, named as ``--save-mask`` writes it (a user's
    edited masks, used instead of finding the text), or None."""

    out_dir: Path
    roles: tuple[str, ...]
    fmt: str = "same"
    existing: str = "refuse"
    mask_dir: Path | None = None

    def mask_for(self, rel: PurePath, page: PurePath) -> Path | None:
        """Where the mask of the input ``rel`` written as ``page`` is, as ``--save-mask`` named it."""
        return earlier_output(self.mask_dir, rel, page, "mask") if self.mask_dir else None


def earlier_output(folder: Path, rel: PurePath, page: PurePath, role: str) -> Path:
    """Where an earlier run put the ``role`` output of input ``rel`` written as ``page`` (both
    relative to ``folder``): under the name a clash gave it (``p.webp_mask.png``) if that exists,
    else the usual one (``p_mask.png``)."""
    clashed = folder / rel.with_name(rel.name + SIDE_TAILS[role])
    return clashed if clashed.exists() else folder / page.with_name(page.stem + SIDE_TAILS[role])


def make_plan(inputs: list[Path], request: Request) -> Plan:
    """Every job of a batch with every output named, before any work starts.

    Raises ``UsageError`` if the output folder is a file, or if outputs already exist (or would
    replace an input) and ``request.existing`` does not say what to do with them.
    """
    out_dir = request.out_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: -o must be a folder, and this is an existing file")
    found = discover(inputs, out_dir)
    plan = Plan(errors=found.errors, notes=found.notes)
    names, primary = OutputNames(), request.roles[0]
    wanted = []
    for path, rel in found.sources:
        if is_archive(path):
            wanted.append((path, rel, None, (rel, rel) if "page" in request.roles else None))
            continue
        content = sniff_file(path) if request.fmt == "same" and primary == "page" else None
        wanted.append((path, rel, content, output_name(rel, request.fmt, primary, content)))
    firsts: dict[Path, PurePath | None] = {}
    for keeps_its_name in (True, False):  # an output named as its input outranks a renamed one
        for path, rel, _, want in wanted:
            if (want is not None and want[0] == rel) == keeps_its_name:
                firsts[path] = names.claim(*want) if want is not None else None
    for path, rel, content, _ in wanted:
        first = firsts[path]
        if content is not None and first.suffix.lower() != output_suffix(rel.name, request.fmt):
            plan.notes.append(f"{path}: holds a {content} image, written as {first.name}")
        if is_archive(path):
            _plan_archive(path, rel, first, request, names, plan)
        else:
            outputs = {primary: first, **_side_outputs(rel, first, request, names)}
            paths = {k: str(out_dir / v) for k, v in outputs.items()}
            plan.pages.append(PageJob(str(path), path, paths, request.mask_for(rel, first)))
    masks = [job.mask for job in plan.pages] + [m.mask for job in plan.archives for m in job.members]
    inputs = {path.resolve() for path, _ in found.sources}
    _check_existing(plan, request, inputs, {m.resolve() for m in masks if m})
    remove_stale_parts(_all_outputs(plan))
    return plan


def _side_outputs(rel: PurePath, page: PurePath, request: Request, names: OutputNames) -> dict:
    """The other outputs of the page ``rel`` written as ``page``: named after the page's output,
    so they follow it when it was renamed."""
    tails = {role: SIDE_TAILS[role] for role in request.roles[1:]}
    return {
        role: names.claim(rel.with_name(page.stem + tail), rel.with_name(rel.name + tail))
        for role, tail in tails.items()
    }


def _plan_archive(
    path: Path, rel: PurePath, target: PurePath | None, request: Request, names: OutputNames, plan: Plan
) -> None:
    try:
        archive, members = open_archive(path, str(path))
    except MangacleanError as exc:
        plan.errors.append(str(exc))
        return
    inner, planned = OutputNames(), []
    with archive:
        for member in sorted(members, key=lambda m: natural_key(m.filename)):
            label, safe = f"{path}:{member.filename}", safe_member_name(member.filename)
            if safe is None:
                plan.notes.append(f"{label}: a member without a usable name, left out")
                continue
            safe = PurePosixPath(safe)
            if member.is_dir() or not is_image_name(safe.name) or _metadata_member(safe):
                kept = str(inner.claim(safe, safe)) + "/" * member.is_dir()
                planned.append(MemberPlan(member, label, False, kept if target else None))
                continue
            side = rel.with_suffix("") / safe
            planned.append(_plan_page_member(archive, member, label, side, target, request, names, inner))
    target_path = request.out_dir / target if target is not None else None
    plan.archives.append(ArchiveJob(str(path), path, target_path, planned))


def _metadata_member(name: PurePosixPath) -> bool:
    """A member that only looks like a page: macOS resource forks (``__MACOSX/``, ``._p1.png``) and
    other hidden files; copied as they are."""
    return name.parts[0] == "__MACOSX" or any(part.startswith(".") for part in name.parts)


def _plan_page_member(archive, member, label, side, target, request, names, inner) -> MemberPlan:
    """A page member: its other outputs under ``side`` (claimed from ``names``), its names in the
    rebuilt archive (claimed from ``inner``, the archive's own)."""
    content = sniff_format(sniff_member(archive, member)) if request.fmt == "same" else None
    if target is None:  # masks only
        mask = names.claim(*output_name(side, request.fmt, request.roles[0], content))
        return MemberPlan(member, label, True, None, None, {request.roles[0]: str(request.out_dir / mask)})
    own = PurePosixPath(safe_member_name(member.filename))
    out_name = inner.claim(*output_name(own, request.fmt, "page", content))
    keep_name = out_name if out_name.suffix == own.suffix else inner.claim(own, own)
    outputs = _side_outputs(side, side.with_name(out_name.name), request, names)
    outputs = {role: str(request.out_dir / path) for role, path in outputs.items()}
    mask = request.mask_for(side, side.with_name(out_name.name))
    return MemberPlan(member, label, True, str(out_name), str(keep_name), outputs, mask)


def _check_existing(plan: Plan, request: Request, inputs: set[Path], masks: set[Path]) -> None:
    """Apply ``request.existing`` to the outputs already on disk; never write over an input
    unless told to overwrite, nor over a ``--mask-dir`` mask in use at all."""
    primary, existing = request.roles[0], []

    def keep(outputs: dict[str, str], extra: list[Path]) -> bool:
        paths = [Path(p) for p in outputs.values()] + extra
        for path in paths:
            if path.resolve() in masks:
                raise UsageError(f"{path}: would overwrite a mask given with --mask-dir; use another -o")
            if request.existing != "overwrite" and path.resolve() in inputs:
                raise UsageError(f"{path}: would overwrite an input; use another -o or --overwrite")
        if request.existing == "skip" and primary in outputs and all(path.exists() for path in paths):
            plan.skipped += 1
            return False
        if request.existing == "refuse":
            existing.extend(path for path in paths if path.exists())
        return True

    plan.pages = [
        _kept(job) if request.existing == "skip" else job for job in plan.pages if keep(job.outputs, [])
    ]
    archives = []
    for job in plan.archives:  # a rebuilt archive is its pages' primary output
        if job.target is None or keep({primary: str(job.target)}, []):
            archives.append(replace(job, members=[m for m in job.members if keep(m.outputs, [])]))
    plan.archives = archives
    if existing:
        raise UsageError(
            f"{len(existing)} output file(s) already exist, e.g. {existing[0]}: pass --skip-existing "
            "to keep them and clean only what is missing, or --overwrite to replace them"
        )


def _kept(job: PageJob) -> PageJob:
    """``job`` with the outputs already on disk marked as kept."""
    return replace(job, kept=frozenset(role for role, path in job.outputs.items() if Path(path).exists()))


def _all_outputs(plan: Plan) -> list[Path]:
    paths = [Path(p) for job in plan.pages for p in job.outputs.values()]
    for job in plan.archives:
        paths += [job.target] if job.target is not None else []
        paths += [Path(p) for member in job.members for p in member.outputs.values()]
    return paths
