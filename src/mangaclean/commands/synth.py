"""``mangaclean synth``: render synthetic manga pages with their clean pages and text masks.

Writes ``DIR/raw``, ``DIR/clean``, ``DIR/mask`` and ``DIR/blocks`` (see docs/data.md), or with
``--preview`` a single contact sheet ``DIR/contact_sheet.png`` to look at.
"""

from __future__ import annotations

import argparse
import logging
import time

log = logging.getLogger(__name__)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 512x512, got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size {text} out of range (16..8192 per side)")
    return w, h


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    parser.add_argument("-n", "--count", type=int, default=100, help="number of samples")
    parser.add_argument("--seed", type=int, default=0, help="stream seed (sample i = f(seed, i))")
    parser.add_argument("--start", type=int, default=0, help="index of the first sample")
    parser.add_argument(
        "--size",
        type=_size,
        metavar="WxH",
        help="fixed page size (default: random page sizes around 827x1170 to 1190x1700)",
    )
    parser.add_argument(
        "--crop",
        action="store_true",
        help="render SIZE windows of pages at page scale, as training sees them",
    )
    parser.add_argument("--preview", action="store_true", help="write only DIR/contact_sheet.png (a grid)")
    parser.add_argument("--columns", type=int, default=4, help="contact sheet columns")
    parser.add_argument("--tile", type=int, default=320, help="contact sheet tile size (pixels)")
    parser.add_argument("--art", metavar="DIR", help="folder of text-free images used as art")
    parser.add_argument("--font-dir", action="append", default=[], metavar="DIR", help="extra font folder")
    parser.add_argument("--grayscale-share", type=float, default=None, help="share of grey pages")
    parser.add_argument("--no-degrade", action="store_true", help="skip scan/print degradation")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug messages")


def _spec(args):
    from dataclasses import replace

    from mangaclean.data.synth.page import SynthConfig
    from mangaclean.data.synth.stream import SampleSpec

    config = SynthConfig(font_dirs=tuple(args.font_dir), art_dir=args.art, degrade=not args.no_degrade)
    if args.grayscale_share is not None:
        config = replace(config, grayscale_share=args.grayscale_share)
    if args.crop and args.size is None:
        args.size = (512, 512)
    return SampleSpec(config=config, size=args.size, crop=args.crop)


def _write_job(job) -> int:
    from mangaclean.data.synth.store import write_sample
    from mangaclean.data.synth.stream import render_sample

    spec, seed, index, out_dir = job
    sample = render_sample(spec, seed, index)
    write_sample(sample, out_dir, index)
    return len(sample.blocks)


def _preview(args, spec) -> int:
    from pathlib import Path

    from mangaclean.data.synth.preview import contact_sheet
    from mangaclean.data.synth.store import write_palette_png
    from mangaclean.data.synth.stream import iter_samples

    indices = range(args.start, args.start + args.count)
    samples = [s for _, s in iter_samples(spec, args.seed, indices, args.jobs)]
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "contact_sheet.png"
    sheet = contact_sheet(samples, columns=args.columns, tile=args.tile)
    write_palette_png(path, sheet)
    log.info("wrote %s (%d samples)", path, len(samples))
    return 0


def run(args) -> int:
    import concurrent.futures
    import multiprocessing

    from mangaclean.data.synth.fonts import font_library

    if args.count < 1 or args.jobs < 1:
        log.error("mangaclean synth: -n and --jobs must be at least 1")
        return 2
    spec = _spec(args)
    font_library(spec.config.font_dirs, spec.config.system_fonts)  # fail early without fonts
    if args.preview:
        return _preview(args, spec)
    jobs = [(spec, args.seed, i, args.output) for i in range(args.start, args.start + args.count)]
    started = time.perf_counter()
    if args.jobs == 1:
        blocks = [_write_job(job) for job in jobs]
    else:
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=context) as pool:
            blocks = list(pool.map(_write_job, jobs, chunksize=4))
    elapsed = time.perf_counter() - started
    log.info(
        "wrote %d samples (%d text blocks) to %s in %.1f s (%.2f samples/s)",
        len(blocks),
        sum(blocks),
        args.output,
        elapsed,
        len(blocks) / max(elapsed, 1e-9),
    )
    return 0
