"""Shared driver of ``clean`` and ``mask``: plan jobs, run them in workers, write, summarise."""

from __future__ import annotations

import io as _bytesio
import logging
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mangaclean import batch
from mangaclean.batch import ArchiveJob, Outcome, PageJob
from mangaclean.errors import MangacleanError
from mangaclean.io import (
    LOSSY_FORMATS,
    as_gray,
    decode_image,
    encode_image,
    format_for,
    read_image,
    write_bytes_atomic,
)
from mangaclean.pipeline import CleanOptions, clean_page, text_mask
from mangaclean.preview import side_by_side
from mangaclean.regions import find_regions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """What each worker needs. roles: outputs to make, among ``page``, ``mask`` (erased pixels),
    ``compare`` (before|mask|after), ``mask_only`` (the ``mask`` command's file)."""

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
            mask = text_mask(page.pixels, models, settings.options)
            if settings.removal_mask:
                gray = as_gray(page.pixels)
                _, mask = find_regions(page.pixels, gray, mask, settings.options.dilate)
            outcome.files["mask_only"] = _png(np.where(mask, 255, 0).astype(np.uint8))
            return outcome
        result = clean_page(page.pixels, models, settings.options)
        outcome.timings.update(result.timings)
        start = time.perf_counter()
        if "mask" in settings.roles:
            outcome.files["mask"] = _png(np.where(result.mask, 255, 0).astype(np.uint8))
        if "compare" in settings.roles:
            outcome.files["compare"] = _png(side_by_side(page.pixels, result.mask, result.page))
        page = page.with_pixels(result.page)  # frees the input pixels and masks before encoding:
        del result  # a 6000x8000 colour scan is 144 MB each
        outcome.files["page"] = encode_image(page, format_for(job.outputs["page"]), settings.quality)
        outcome.timings["encode"] = time.perf_counter() - start
    except MangacleanError as exc:
        outcome.error = str(exc)
    except Exception as exc:  # a bug must not stop the batch; the traceback goes to --verbose
        log.debug(traceback.format_exc())
        outcome.error = f"{job.name}: internal error ({type(exc).__name__}: {exc})"
    return outcome


def _png(array: np.ndarray) -> bytes:
    from PIL import Image

    buffer = _bytesio.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Tally:
    done: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def run_pages(
    inputs: list[Path],
    out_dir: Path,
    settings: Settings,
    workers: int,
    skip_existing: bool = False,
    overwrite: bool = False,
    quiet: bool = False,
) -> int:
    """Process every page under ``inputs`` into ``out_dir``. Returns 0 if all succeeded, else 1."""
    primary = settings.roles[0]
    loose, archives, tally = _plan(inputs, out_dir, settings, primary, skip_existing, overwrite)
    total = len(loose) + len(archives)
    if (
        settings.fmt != "same"
        and format_for(f"x.{settings.fmt}") in LOSSY_FORMATS
        or any(format_for(job.outputs[primary]) in LOSSY_FORMATS for job in loose if primary == "page")
    ):
        if not quiet:
            _echo(
                f"note: JPEG/WebP outputs are re-encoded at quality {settings.quality} (lossy); "
                "--format png keeps them lossless"
            )
    start = time.perf_counter()
    bar = _progress(total, quiet)
    with batch.worker_pool(workers, init_worker, (settings,)) as pool_map:
        for outcome, job in zip(pool_map(process, loose), loose, strict=True):
            _finish_page(outcome, job, tally, settings)
            bar.update(1)
        for job in archives:
            _run_archive(job, pool_map, out_dir, settings, tally)
            bar.update(1)
    bar.close()
    _summary(tally, time.perf_counter() - start, quiet)
    return 1 if tally.failed else 0


def _plan(inputs, out_dir, settings, primary, skip_existing, overwrite):
    tally = Tally()
    sources, missing = batch.discover(inputs)
    for message in missing:
        _fail(tally, message)
    input_paths = {path.resolve() for path, _ in sources}
    loose, archives = [], []
    for path, rel in sources:
        if batch.is_archive(path):
            target = out_dir / rel
            batch.check_not_input(target, input_paths, overwrite)
            if skip_existing and target.exists():
                tally.skipped += 1
            else:
                archives.append(ArchiveJob(str(path), path, target))
            continue
        outputs = {role: str(out_dir / batch.output_name(rel, settings.fmt, role)) for role in settings.roles}
        for output in outputs.values():
            batch.check_not_input(Path(output), input_paths, overwrite)
        if skip_existing and Path(outputs[primary]).exists():
            tally.skipped += 1
        else:
            loose.append(PageJob(str(path), path, outputs))
    return loose, archives, tally


def _finish_page(outcome: Outcome, job: PageJob, tally: Tally, settings: Settings) -> None:
    if outcome.error:
        _fail(tally, outcome.error)
        return
    try:
        for role, data in outcome.files.items():
            write_bytes_atomic(job.outputs[role], data)
    except MangacleanError as exc:
        _fail(tally, str(exc))
        return
    tally.done += 1
    if outcome.timings:
        log.debug(
            "%s: %s",
            job.name,
            "  ".join(f"{k} {v * 1000:.0f} ms" for k, v in outcome.timings.items()),
        )


def _run_archive(job: ArchiveJob, pool_map, out_dir: Path, settings: Settings, tally: Tally) -> None:
    """Clean every image member of an archive and rebuild it atomically as ``job.target``."""
    try:
        members, archive = batch.archive_members(job)
    except MangacleanError as exc:
        _fail(tally, str(exc))
        return
    with archive:
        side = job.target.with_suffix("")  # masks and comparisons of the members go beside it
        page_jobs, entries = [], []
        for member in members:
            name = f"{job.name}:{member.filename}"
            if member.is_dir() or not batch.is_image_name(member.filename):
                entries.append((member, None))
                continue
            try:
                data = batch.read_member(archive, member, name)
            except MangacleanError as exc:
                _fail(tally, str(exc))
                continue
            rel = batch.safe_member_path(member.filename)
            outputs = {
                role: str(side / batch.output_name(rel, settings.fmt, role)) for role in settings.roles
            }
            outputs["page"] = str(batch.output_name(Path(member.filename), settings.fmt, "page"))
            page_jobs.append(PageJob(name, data, outputs))
            entries.append((member, len(page_jobs) - 1))
        outcomes = list(pool_map(process, page_jobs))
        rebuilt = []
        for member, index in entries:
            if index is None:
                rebuilt.append((member.filename, archive.read(member) if not member.is_dir() else b""))
                continue
            outcome, page_job = outcomes[index], page_jobs[index]
            if outcome.error:
                _fail(tally, outcome.error + " (copied unchanged into the output archive)")
                rebuilt.append((member.filename, page_job.source))
                continue
            if "page" in outcome.files:  # the cleaned page goes into the archive, the rest beside it
                rebuilt.append((page_job.outputs["page"], outcome.files.pop("page")))
            _finish_page(outcome, page_job, tally, settings)
    if "page" in settings.roles:
        batch.write_archive(job.target, rebuilt)


def _fail(tally: Tally, message: str) -> None:
    tally.failed.append(message)
    _echo(f"error: {message}")


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
