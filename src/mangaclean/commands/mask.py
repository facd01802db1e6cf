"""``mangaclean mask INPUT... -o OUT_DIR``: write text masks only.

Contract (evaluation tools rely on it): ``<stem>.png``, mode L, page size, 255 = text; by default
the tight mask (glyph pixels), with ``--removal`` the grown mask that ``clean`` erases.
"""

from __future__ import annotations

import argparse

from mangaclean.batch.plan import Request
from mangaclean.commands import common
from mangaclean.commands.pages import Settings, run_pages


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_io_arguments(parser)
    common.add_model_arguments(parser, inpainter=False)
    parser.add_argument(
        "--removal", action="store_true", help="write the grown removal mask instead of the tight glyph mask"
    )


def run(args: argparse.Namespace) -> int:
    workers, threads = common.workers_and_threads(args)
    settings = Settings(
        segmenter=args.segmenter,
        inpainter="telea",
        threads=threads,
        options=common.options_from(args),
        roles=("mask_only",),
        removal_mask=args.removal,
        max_pixels=int(args.max_megapixels * 1e6),
    )
    request = Request(args.output, ("mask_only",), getattr(args, "fmt", "same"), common.existing_policy(args))
    return run_pages(args.inputs, request, settings, workers, args.quiet)
