"""Arguments shared by the page commands (``clean``, ``mask``, ``inpaint``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from mangaclean.batch.workers import default_threads
from mangaclean.errors import UsageError
from mangaclean.io import DEFAULT_MAX_PIXELS
from mangaclean.pipeline import CleanOptions


def add_io_arguments(parser: argparse.ArgumentParser) -> None:
    """Inputs, output folder, parallelism, safety and verbosity options."""
    parser.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help="page files, folders (searched recursively) or .cbz/.zip archives",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT_DIR",
        help="output folder (created if needed); folder inputs are mirrored in it",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="pages processed in parallel worker processes (default 1)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="threads per worker (default: cores / jobs)",
    )
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument(
        "--skip-existing",
        action="store_true",
        help="skip pages whose output already exists (resume an interrupted batch)",
    )
    existing.add_argument(
        "--overwrite",
        action="store_true",
        help="replace outputs that already exist, even an input file (replaces the original!); "
        "without this or --skip-existing, existing outputs stop the run before any work",
    )
    add_max_megapixels_argument(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="per-page stage timings")


def add_max_megapixels_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-megapixels",
        type=float,
        default=DEFAULT_MAX_PIXELS / 1e6,
        metavar="MP",
        help="refuse images larger than this (decompression-bomb guard; default 100)",
    )


def add_quality_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quality",
        type=int,
        default=95,
        choices=range(1, 101),
        metavar="1-100",
        help="JPEG/WebP quality of written pages (default 95)",
    )


def add_inpainter_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inpainter",
        default="auto",
        help="auto (shipped network, else telea), spectral-fast (keeps screentone and hatching, about 2x "
        "a telea clean), spectral (the same, a little better, slower), telea, ns, white, or an .onnx file",
    )


def add_model_arguments(parser: argparse.ArgumentParser, inpainter: bool = True) -> None:
    parser.add_argument(
        "--segmenter",
        default="auto",
        help="auto (shipped network, else classical), net-int8, net-fp32, classical, ppocr, an .onnx "
        "file, or a model folder written by mangaclean learn",
    )
    if inpainter:
        add_inpainter_argument(parser)
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="text probability above which a pixel is text (default 0.5)",
    )
    parser.add_argument(
        "--dilate",
        type=int,
        default=0,
        metavar="PX",
        help="px added to the removal margin of glyphs (negative shrinks it)",
    )


def add_fill_arguments(parser: argparse.ArgumentParser) -> None:
    """``--fill`` and ``--scope`` (``CleanOptions``)."""
    parser.add_argument(
        "--fill",
        choices=("auto", "white", "inpaint"),
        default="auto",
        help="auto: flat colour in balloons, inpainting over art; white: paint every "
        "text block white; inpaint: inpaint every block",
    )
    parser.add_argument(
        "--scope",
        choices=("all", "balloons"),
        default="all",
        help="all: every text; balloons: only text lettered on flat paper (balloons, captions), each "
        "block whole; sound effects and text drawn over the art stay",
    )


def add_layers_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--layers",
        choices=("psd", "ora"),
        help="also write <name>.psd (Photoshop, Krita, GIMP, Clip Studio; needs mangaclean[layers]) or "
        "<name>.ora (OpenRaster): the original (locked), the cleaned pixels and the removal mask as layers",
    )


def options_from(args: argparse.Namespace) -> CleanOptions:
    return CleanOptions(
        threshold=args.threshold,
        dilate=args.dilate,
        fill=getattr(args, "fill", "auto"),
        scope=getattr(args, "scope", "all"),
    )


def existing_policy(args: argparse.Namespace) -> str:
    """What to do with outputs already on disk (``batch.Request.existing``)."""
    return "overwrite" if args.overwrite else "skip" if args.skip_existing else "refuse"


def workers_and_threads(args: argparse.Namespace) -> tuple[int, int]:
    """``--jobs`` and ``--threads`` checked; threads default to cores / jobs (no oversubscription)."""
    if args.jobs < 1 or (args.threads is not None and args.threads < 1):
        raise UsageError("--jobs and --threads must be at least 1")
    return args.jobs, args.threads or default_threads(args.jobs)
