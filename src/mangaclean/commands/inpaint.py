"""``mangaclean inpaint IMAGE... --mask MASK | --masks DIR -o OUT``: fill given masks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mangaclean.backends import Models, load_inpainter
from mangaclean.batch.archives import is_archive
from mangaclean.batch.plan import OutputNames, discover, earlier_output, output_name, sniff_file
from mangaclean.commands import common
from mangaclean.errors import MangacleanError, UsageError
from mangaclean.io import (
    LOSSY_FORMATS,
    format_for,
    is_image_name,
    read_image,
    read_mask,
    write_image,
)
from mangaclean.pipeline import CleanOptions, clean_page
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
    parser.add_argument(
        "--grow",
        action="store_true",
        help="the mask marks glyphs (e.g. `mangaclean mask` output): grow it as `clean` does, paint "
        "balloons with their paper colour and inpaint the rest, so no grey outline is left",
    )
    parser.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace outputs that already exist, even an input file"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only")


def run(args: argparse.Namespace) -> int:
    pairs = _pairs(args)
    inpainter = load_inpainter(args.inpainter, args.threads)
    if not args.quiet and any(format_for(target) in LOSSY_FORMATS for _, _, target in pairs):
        print("note: JPEG/WebP outputs are re-encoded at quality 95 (lossy)", file=sys.stderr)
    models = Models(segmenter=None, inpainter=inpainter)  # --grow: the mask replaces the segmenter
    failed = []
    for path, mask_path, target in pairs:
        try:
            page = read_image(path)
            hole = read_mask(mask_path, page.pixels.shape[:2])
            if args.grow:
                page = page.with_pixels(clean_page(page.pixels, models, CleanOptions(), tight=hole).page)
            else:
                page = page.with_pixels(inpaint_mask(page.pixels, hole, inpainter))
            write_image(target, page)
        except MangacleanError as exc:
            failed.append(str(exc))
            print(f"error: {exc}", file=sys.stderr)
    if not args.quiet or failed:
        print(f"{len(pairs) - len(failed)} done, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


def _pairs(args: argparse.Namespace) -> list[tuple[Path, Path, Path]]:
    """``(page, mask, output)`` for every input page, outputs checked against the files on disk
    before any work (an input is never replaced, nor an existing file without --overwrite)."""
    single_file = args.mask is not None and is_image_name(args.output)
    found = discover(args.inputs, None if single_file else args.output)
    archives = [str(path) for path, _ in found.sources if is_archive(path)]
    if found.errors or archives:
        unsupported = [f"{name}: inpaint reads pages, not archives: extract it first" for name in archives]
        raise UsageError("; ".join(found.errors + unsupported))
    sources = found.sources
    if args.mask is not None:
        if len(sources) != 1:
            raise UsageError("--mask goes with exactly one IMAGE; use --masks DIR for several")
        path, rel = sources[0]
        pairs = [(path, args.mask, args.output if single_file else args.output / rel)]
    else:
        names = OutputNames()
        pairs = [
            (
                path,
                earlier_output(args.masks, rel, rel, "mask_only"),
                args.output / names.claim(*_output(path, rel)),
            )
            for path, rel in sources
        ]
    inputs = {path.resolve() for path, _ in found.sources} | {mask.resolve() for _, mask, _ in pairs}
    for _, _, target in pairs:
        if target.resolve() in inputs and not args.overwrite:
            raise UsageError(f"{target}: would overwrite an input; use another -o or --overwrite")
        if target.exists() and not args.overwrite:
            raise UsageError(f"{target}: already exists; pass --overwrite to replace it")
    return pairs


def _mask_of(folder: Path, rel: Path) -> Path:
    """The mask of page ``rel`` as ``mangaclean mask`` named it (``p.png``, or ``p.jpg.png`` where
    that name clashed with another page's)."""
    return earlier_output(folder, rel, rel, "mask_only")


def _output(path: Path, rel: Path):
    return output_name(rel, "same", "page", sniff_file(path))
