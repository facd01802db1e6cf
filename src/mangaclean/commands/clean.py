"""``mangaclean clean INPUT... -o OUT_DIR``: remove the lettering from pages, folders and archives."""

from __future__ import annotations

import argparse
from pathlib import Path

from mangaclean.batch.plan import Request
from mangaclean.commands import common
from mangaclean.commands.pages import Settings, run_pages
from mangaclean.io import require_psd_tools


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_io_arguments(parser)
    common.add_model_arguments(parser)
    common.add_fill_arguments(parser)
    parser.add_argument(
        "--mask-dir",
        type=Path,
        metavar="DIR",
        help="use your own removal masks instead of finding the text: <name>_mask.png as --save-mask "
        "writes them (white = erase), e.g. after fixing them in an editor",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("same", "png", "jpg", "webp"),
        default="same",
        help="output format (default: same as the input; GIF becomes PNG)",
    )
    common.add_quality_argument(parser)
    parser.add_argument(
        "--save-mask",
        action="store_true",
        help="also write <name>_mask.png: the erased pixels (255)",
    )
    parser.add_argument(
        "--save-compare", action="store_true", help="also write <name>_compare.png: before | mask | after"
    )
    common.add_layers_argument(parser)


def run(args: argparse.Namespace) -> int:
    workers, threads = common.workers_and_threads(args)
    roles = ("page",) + ("mask",) * args.save_mask + ("compare",) * args.save_compare
    roles += (args.layers,) if args.layers else ()
    if args.layers == "psd":
        require_psd_tools()
    settings = Settings(
        segmenter=args.segmenter,
        inpainter=args.inpainter,
        threads=threads,
        options=common.options_from(args),
        roles=roles,
        fmt=args.fmt,
        max_pixels=int(args.max_megapixels * 1e6),
        quality=args.quality,
    )
    request = Request(args.output, roles, args.fmt, common.existing_policy(args), args.mask_dir)
    return run_pages(args.inputs, request, settings, workers, args.quiet)
