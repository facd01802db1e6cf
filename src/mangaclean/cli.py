"""The ``mangaclean`` command line.

Each subcommand lives in a module exposing ``add_arguments(parser)`` and ``run(args) -> int``.
Command modules import only light things at module level; heavy imports (torch, onnx,
rapidocr) happen inside ``run``, so every inference command works without torch.
Exit status: 0 all good, 1 some inputs failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from mangaclean import __version__
from mangaclean.errors import MangacleanError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "clean": (
        "mangaclean.commands.clean",
        "remove the lettering from pages, folders or .cbz files",
    ),
    "mask": ("mangaclean.commands.mask", "write text masks only (255 = text)"),
    "inpaint": ("mangaclean.commands.inpaint", "fill a given mask with an inpainter"),
    "review": (
        "mangaclean.commands.review",
        "check and touch up cleaned pages in the browser (review extra)",
    ),
    "eval": ("mangaclean.commands.eval", "score masks, boxes or inpainting on real pages"),
    "bench": ("mangaclean.commands.bench", "time the pipeline per stage (speed and memory)"),
    "synth": ("mangaclean.commands.synth", "render synthetic manga pages with known text masks"),
    "masks-from-pairs": ("mangaclean.commands.masks_from_pairs", "derive text masks from raw/clean pairs"),
    "train": (
        "mangaclean.commands.train",
        "train a segmenter or inpainter (needs the train extra)",
    ),
    "export": ("mangaclean.commands.export", "export a checkpoint to ONNX (needs the train extra)"),
    "learn": (
        "mangaclean.commands.learn",
        "tune the segmenter on your own raw/cleaned pages (needs the train extra)",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mangaclean",
        description="Remove the lettering from comic and manga pages.",
    )
    parser.add_argument("--version", action="version", version=f"mangaclean {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", False)
    quiet = getattr(args, "quiet", False)
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    from mangaclean.io import quiet_pillow_log

    quiet_pillow_log()
    try:
        return int(args._run(args))
    except MangacleanError as exc:
        print(f"mangaclean: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mangaclean: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
