"""Shared driver of ``clean`` and ``mask``: plan jobs, run them in workers, write, summarise."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from mangaclean.batch.archives import archive_writer, open_archive, read_member
from mangaclean.batch.plan import (
    ArchiveJob,
    MemberPlan,
    Outcome,
    PageJob,
    Plan,
    Request,
    make_plan,
)
from mangaclean.batch.preview import side_by_side
from mangaclean.batch.workers import worker_pool
from mangaclean.contrast import text_gray
from mangaclean.errors import MangacleanError
from mangaclean.io import (
    LOSSY_FORMATS,
    Page,
    decode_image,
    drops_alpha,
    encode_checked,
    encode_image,
    encode_mask,
    format_for,
    layered_ora,
    layered_psd,
    max_file_bytes,
    quiet_pillow_log,
    read_image,
    read_mask,
    write_bytes_atomic,
)
from mangaclean.pipeline import CleanOptions, clean_page, text_mask
from mangaclean.regions import find_regions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """What each worker needs. roles: outputs to make, among ``page``, ``mask`` (erased pixels),
    ``compare`` (before|mask|after), ``psd`` / ``ora`` (layered files), ``mask_only`` (the ``mask``
    command's file)."""

    segmenter: str
    inpainter: str
    threads: int
    options: CleanOptions
    roles: tuple[str, ...]
    fmt: str = "same"
    removal_mask: bool = False
    max_pixels: int = 100_000_000
    quality: int = 95


_WORKER: dict = {}  # per-process: settings and loaded models


def init_worker(settings: Settings) -> None:
    import cv2

    from mangaclean.backends import load_models

    cv2.setNumThreads(settings.threads)
    quiet_pillow_log()  # as the CLI does, in worker processes
    _WORKER["settings"] = settings
    _WORKER["models"] = load_models(settings.segmenter, settings.inpainter, settings.threads)


def process(job: PageJob) -> Outcome:
    """Clean (or mask) one page; never raises for a bad page."""
    settings, models = _WORKER["settings"], _WORKER["models"]
    outcome = Outcome(job.name)
    try:
        start = time.perf_counter()
        if isinstance(job.source, bytes):
            page = decode_image(job.source, job.name, settings.max_pixels)
        else:
            page = read_image(job.source, settings.max_pixels)
        outcome.timings["read"] = time.perf_counter() - start
        if settings.roles == ("mask_only",):
            gray = text_gray(page.pixels)  # once, for the segmenter and the removal mask
            mask = text_mask(page.pixels, models, settings.options, gray)
            if settings.removal_mask:
                _, mask = find_regions(page.pixels, gray, mask, settings.options.dilate)
            outcome.files["mask_only"] = encode_mask(mask)
            return outcome
        removal = read_mask(job.mask, page.pixels.shape[:2], settings.max_pixels) if job.mask else None
        result = clean_page(page.pixels, models, settings.options, removal=removal)
        outcome.timings.update(result.timings)
        start = time.perf_counter()
        if "mask" in settings.roles:
            outcome.files["mask"] = encode_mask(result.mask)
        if "compare" in settings.roles:
            strip = Page(side_by_side(page.pixels, result.mask, result.page))
            outcome.files["compare"] = encode_image(strip, "PNG")
        for role, write in (("psd", layered_psd), ("ora", layered_ora)):
            if role in settings.roles:
                outcome.files[role] = write(page, result.page, result.mask)
        page = page.with_pixels(result.page)  # frees the input pixels and masks before encoding:
        del result  # a 6000x8000 colour scan is 144 MB each
        fmt = format_for(job.outputs["page"])
        if drops_alpha(page, fmt):
            outcome.notes.append(f"{job.name}: {fmt} has no alpha channel: transparency is dropped")
        # last: a page on disk means its other outputs are too
        outcome.files["page"] = encode_checked(page, fmt, job.outputs["page"], settings.quality)
        outcome.timings["encode"] = time.perf_counter() - start
    except MangacleanError as exc:
        outcome.error = str(exc)
    except MemoryError:
        outcome.error = f"{job.name}: not enough memory to process this page"
    except Exception as exc:  # a bug must not stop the batch; the traceback goes to --verbose
        log.debug(traceback.format_exc())
        outcome.error = f"{job.name}: internal error ({type(exc).__name__}: {exc})"
    return outcome


def died(job: PageJob) -> Outcome:
    """The outcome of a page whose worker process died on it, twice."""
    return Outcome(job.name, error=f"{job.name}: the worker process died on this page (out of memory?)")


@dataclass
class Tally:
    done: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def run_pages(inputs: list[Path], request: Request, settings: Settings, workers: int, quiet: bool) -> int:
    """Process every page under ``inputs`` as ``request`` says. Returns 0 if all succeeded, else 1.

    Raises ``UsageError`` before any work if outputs clash with files on disk (``make_plan``)."""
    plan = make_plan(inputs, request)
    tally = Tally(skipped=plan.skipped)
    for message in plan.errors:
        _fail(tally, message)
    for note in plan.notes:
        _note(note, quiet)
    if not plan.pages and not plan.archives and not plan.skipped and not plan.errors:
        _fail(tally, "no pages to process")
    if _lossy(plan, request):
        _note(
            f"JPEG/WebP outputs are re-encoded at quality {settings.quality} (lossy); "
            "--format png keeps them lossless",
            quiet,
        )
    if workers > 1:  # a model that does not load is one usage error here, not one per page there
        from mangaclean.backends import load_models

        load_models(settings.segmenter, settings.inpainter, 1)
    start = time.perf_counter()
    bar = _progress(len(plan.pages) + len(plan.archives), quiet)
    with worker_pool(workers, init_worker, (settings,)) as pool_map:
        for outcome, job in zip(pool_map(process, plan.pages, died), plan.pages, strict=True):
            tally.done += _finish_page(outcome, job, tally, quiet)
            bar.update(1)
        for job in plan.archives:
            _run_archive(job, pool_map, settings, tally, chunk=2 * workers, quiet=quiet)
            bar.update(1)
    bar.close()
    _summary(tally, time.perf_counter() - start, quiet)
    return 1 if tally.failed else 0


def _lossy(plan: Plan, request: Request) -> bool:
    if "page" not in request.roles:
        return False
    names = [job.outputs["page"] for job in plan.pages]
    names += [m.out_name for job in plan.archives for m in job.members if m.page and m.out_name]
    return any(format_for(name) in LOSSY_FORMATS for name in names)


def _finish_page(outcome: Outcome, job: PageJob, tally: Tally, quiet: bool) -> int:
    """Write a page's outputs (the page last); 1 if it is done, 0 if it failed."""
    for note in outcome.notes:
        _note(note, quiet)
    if outcome.error:
        _fail(tally, outcome.error)
        return 0
    try:
        for role in sorted(outcome.files, key=lambda role: role == "page"):
            if role not in job.kept:
                write_bytes_atomic(job.outputs[role], outcome.files[role])
    except MangacleanError as exc:
        _fail(tally, str(exc))
        return 0
    if outcome.timings:
        log.debug("%s: %s", job.name, "  ".join(f"{k} {v * 1000:.0f} ms" for k, v in outcome.timings.items()))
    return 1


def _run_archive(job: ArchiveJob, pool_map, settings: Settings, tally: Tally, chunk: int, quiet: bool):
    """Clean every page member of an archive and rebuild it as ``job.target``, ``chunk`` members
    at a time (memory stays bounded whatever the archive holds). A member that cannot be
    extracted fails the whole archive: it is not written, nor are its pages' other outputs (those
    already written are removed), so a rerun starts it afresh. A page that does not decode is
    copied into it unchanged, and reported."""
    max_bytes = max_file_bytes(settings.max_pixels)
    written: list[PageJob] = []
    try:
        archive, _ = open_archive(job.source, job.name)
        writer = archive_writer(job.target) if job.target else contextlib.nullcontext()
        with archive, writer as out:
            for start in range(0, len(job.members), chunk):
                members = job.members[start : start + chunk]
                pages = [_member_job(archive, m, max_bytes) for m in members if m.page]
                outcomes = zip(pool_map(process, pages, died), pages, strict=True)
                for member in members:
                    if member.page:
                        outcome, page = next(outcomes)
                        if _finish_member(outcome, page, member, out, tally, quiet):
                            written.append(page)
                    elif out is not None:
                        out.copy(archive, member.member, member.out_name, member.label)
    except MangacleanError as exc:
        if job.target is not None:
            for page in written:
                for role, path in page.outputs.items():
                    if role != "page":
                        Path(path).unlink(missing_ok=True)
        _fail(tally, f"{exc} ({job.target} is not written)" if job.target else str(exc))
        return
    tally.done += len(written)


def _member_job(archive, member: MemberPlan, max_bytes: int) -> PageJob:
    outputs = {**member.outputs, **({"page": member.out_name} if member.out_name else {})}
    data = read_member(archive, member.member, member.label, max_bytes)
    return PageJob(member.label, data, outputs, member.mask)


def _finish_member(outcome: Outcome, page: PageJob, member: MemberPlan, out, tally, quiet) -> int:
    """Put a cleaned member into the rebuilt archive ``out`` (None: none is made), its other
    outputs beside it; a member that failed goes in byte for byte under its own name."""
    if outcome.error and out is not None:
        outcome.error += " (copied unchanged into the output archive)"
        out.add(member.keep_name, page.source, member.member)
    elif out is not None:
        out.add(member.out_name, outcome.files.pop("page"), member.member)
    return _finish_page(outcome, page, tally, quiet)


def _fail(tally: Tally, message: str) -> None:
    tally.failed.append(message)
    _echo(f"error: {message}")


def _note(message: str, quiet: bool) -> None:
    if not quiet:
        _echo(f"note: {message}")


def _echo(line: str) -> None:
    from tqdm import tqdm

    tqdm.write(line, file=sys.stderr)


def _progress(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="page",
        disable=quiet or not sys.stderr.isatty(),
        file=sys.stderr,
        dynamic_ncols=True,
    )


def _summary(tally: Tally, seconds: float, quiet: bool) -> None:
    rate = tally.done / seconds if seconds > 0 else 0.0
    if not quiet or tally.failed:
        _echo(
            f"{tally.done} done, {tally.skipped} skipped, {len(tally.failed)} failed "
            f"in {seconds:.1f} s ({rate:.2f} pages/s)"
        )
    if tally.failed:
        _echo("failed:\n  " + "\n  ".join(tally.failed))
