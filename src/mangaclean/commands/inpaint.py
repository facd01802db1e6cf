"""``mangaclean inpaint IMAGE... --mask MASK | --masks DIR -o OUT``: fill given masks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mangaclean import batch
from mangaclean.backends import load_inpainter
from mangaclean.commands import common
from mangaclean.errors import MangacleanError, UsageError
from mangaclean.io import read_image, read_mask, write_image
from mangaclean.remove import inpaint_mask


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="IMAGE", help="page files or folders")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--mask", type=Path, help="mask for a single IMAGE (255 = fill)")
    source.add_argument(
        "--masks",
        type=Path,
        metavar="DIR",
        help="folder of masks, found by the page's relative path with .png",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output file (single IMAGE with --mask) or folder",
    )
    common.add_inpainter_argument(parser)
    parser.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    parser.add_argument("--overwrite", action="store_true", help="allow writing over an input file")
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only")


def run(args: argparse.Namespace) -> int:
    pairs = _pairs(args)
    inputs = {path.resolve() for path, _, _ in pairs}
    inpainter = load_inpainter(args.inpainter, args.threads)
    failed = []
    for path, mask_path, target in pairs:
        try:
            batch.check_not_input(target, inputs, args.overwrite)
            page = read_image(path)
            hole = read_mask(mask_path, page.pixels.shape[:2])
            write_image(target, page.with_pixels(inpaint_mask(page.pixels, hole, inpainter)))
        except MangacleanError as exc:
            failed.append(str(exc))
            print(f"error: {exc}", file=sys.stderr)
    if not args.quiet or failed:
        print(f"{len(pairs) - len(failed)} done, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


def _pairs(args: argparse.Namespace) -> list[tuple[Path, Path, Path]]:
    """``(page, mask, output)`` for every input page."""
    found, missing = batch.discover(args.inputs)
    if missing:
        raise UsageError("; ".join(missing))
    if args.mask is not None:
        if len(found) != 1:
            raise UsageError("--mask goes with exactly one IMAGE; use --masks DIR for several")
        path, rel = found[0]
        is_file = args.output.suffix.lower() in (
            ".png",
            ".jpg",
            ".jpeg",
            ".webp",
            ".tif",
            ".tiff",
            ".bmp",
        )
        return [(path, args.mask, args.output if is_file else args.output / rel)]
    return [
        (path, args.masks / rel.with_suffix(".png"), args.output / batch.output_name(rel, "same", "page"))
        for path, rel in found
        if not batch.is_archive(path)
    ]
