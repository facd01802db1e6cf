"""``mangaclean masks-from-pairs RAW_DIR CLEAN_DIR OUT_DIR``: text masks from page pairs.

Pages are matched by relative path without suffix; each mask is written as
``OUT_DIR/<name>.png`` (mode L, 255 = text) and every pair gets a line in
``OUT_DIR/report.csv``. Exit status 1 when some pairs were refused or unmatched.
"""

from __future__ import annotations

import argparse
import logging

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw_dir", metavar="RAW_DIR", help="folder of original pages")
    parser.add_argument("clean_dir", metavar="CLEAN_DIR", help="folder of cleaned pages")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="folder for masks and report.csv")
    parser.add_argument(
        "--dilate", type=int, default=5, help="max-pool kernel grown around text (odd, 1 = none)"
    )
    parser.add_argument("--max-shift", type=int, default=8, help="largest offset (px) between raw and clean")
    parser.add_argument(
        "--no-align", action="store_true", help="refuse offset pairs instead of aligning them"
    )
    parser.add_argument(
        "--max-share",
        type=float,
        default=0.35,
        help="refuse pairs whose difference covers more of the page than this",
    )
    parser.add_argument(
        "--threshold", type=float, default=24.0, help="lowest difference level counted as text"
    )
    parser.add_argument(
        "--contour",
        type=float,
        default=0.0,
        help="keep only stroke cores: pixels whose difference is at least this share of the largest "
        "around them (0.5 with --dilate 1 gives training masks like the synthetic ones; default 0 = off)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug messages")


def run(args) -> int:
    from pathlib import Path

    from mangaclean.data.pairs import OK_STATUSES, PairOptions, masks_from_pairs

    for folder in (args.raw_dir, args.clean_dir):
        if not Path(folder).is_dir():
            log.error("mangaclean masks-from-pairs: %s is not a folder", folder)
            return 2
    if args.dilate < 1 or args.max_shift < 0 or not 0 < args.max_share <= 1 or not 0 <= args.contour < 1:
        log.error(
            "mangaclean masks-from-pairs: --dilate >= 1, --max-shift >= 0, 0 < --max-share <= 1, "
            "0 <= --contour < 1"
        )
        return 2
    options = PairOptions(
        dilate=args.dilate,
        max_shift=args.max_shift,
        align=not args.no_align,
        max_share=args.max_share,
        min_threshold=args.threshold,
        contour=args.contour,
    )
    reports = masks_from_pairs(args.raw_dir, args.clean_dir, args.out_dir, options)
    failed = [r for r in reports if r.status not in OK_STATUSES]
    log.info(
        "%d pairs: %d masks written, %d refused or unmatched (see %s)",
        len(reports),
        len(reports) - len(failed),
        len(failed),
        Path(args.out_dir) / "report.csv",
    )
    return 1 if failed else 0
