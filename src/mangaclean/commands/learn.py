"""``mangaclean learn RAW_DIR CLEAN_DIR -o MODEL_DIR``: tune the segmenter on your own pages.

Pairs are matched by relative path without suffix (as ``masks-from-pairs`` does); ``--masks IMAGES
MASKS`` adds pages with hand-made masks (255 = text). The tuned model is used with
``mangaclean clean ... --segmenter MODEL_DIR``. Needs the train extra (PyTorch).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mangaclean.errors import BackendUnavailableError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw_dir", nargs="?", metavar="RAW_DIR", help="folder of original pages")
    parser.add_argument("clean_dir", nargs="?", metavar="CLEAN_DIR", help="the same pages, cleaned by hand")
    parser.add_argument(
        "-o", "--output", required=True, metavar="MODEL_DIR", help="folder for the tuned model"
    )
    parser.add_argument(
        "--masks", nargs=2, metavar=("IMAGES", "MASKS"), help="also pages with hand-made masks"
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=20.0,
        help="training time (default 20; export and checks come on top)",
    )
    parser.add_argument(
        "--holdout", type=float, default=0.2, help="share of the pages held out to check on (default 0.2)"
    )
    parser.add_argument(
        "--synth-share",
        type=float,
        default=0.5,
        help="share of training crops from synthetic pages, so other styles are kept (default 0.5)",
    )
    parser.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (default 1e-4)")
    parser.add_argument(
        "--freeze-encoder", action="store_true", help="train the pooling, decoder and head only"
    )
    parser.add_argument(
        "--base", help="fp32 .onnx (with its .json manifest) to start from (default: shipped)"
    )
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--threads", type=int, help="torch threads (default: all cores)")
    parser.add_argument("--workers", type=int, default=2, help="data worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and the crops (default 0)")
    parser.add_argument("--fresh", action="store_true", help="start over instead of resuming MODEL_DIR's run")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    parser.add_argument("-v", "--verbose", action="store_true", help="the training loop's own log too")


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailableError("learn needs the train extra: pip install 'mangaclean[train]'") from exc
    from mangaclean.errors import UsageError
    from mangaclean.train.learn import LearnOptions, format_side_by_side, learn

    if (args.raw_dir is None) != (args.clean_dir is None):
        raise UsageError("give both RAW_DIR and CLEAN_DIR (or neither, with --masks)")
    if not args.verbose:
        logging.getLogger("mangaclean.train.loop").setLevel(logging.WARNING)
    options = LearnOptions(
        minutes=args.minutes,
        holdout=args.holdout,
        synth_share=args.synth_share,
        lr=args.lr,
        base=args.base,
        seed=args.seed,
        device=args.device,
        threads=args.threads,
        workers=args.workers,
        freeze_encoder=args.freeze_encoder,
    )
    pairs = (args.raw_dir, args.clean_dir) if args.raw_dir else None
    show = None if args.quiet else Progress(sys.stderr)
    try:
        report = learn(
            pairs, tuple(args.masks) if args.masks else None, args.output, options, args.fresh, show
        )
    except KeyboardInterrupt:
        print(
            f"\nstopped: the same command resumes from {Path(args.output) / 'work' / 'run'}", file=sys.stderr
        )
        raise
    finally:
        if show is not None:
            show.close()
    pages = report["pages"]
    print(f"{pages['train']} pages learned from, {pages['heldout']} held out, {pages['refused']} refused")
    print(f"held-out pages, the product's text mask before and after ({Path(args.output) / 'learn.json'}):")
    print(format_side_by_side(report["side_by_side"]))
    print(f"use it: mangaclean clean PAGES -o OUT --segmenter {args.output}")
    return 0


class Progress:
    """One status line: time spent and left of the budget, step, loss, held-out F1 (latest and
    best). Rewritten in place on a terminal; one line per validation otherwise."""

    def __init__(self, stream):
        self.stream, self.tty, self.shown = stream, stream.isatty(), None

    def __call__(self, report: dict) -> None:
        val, best = report["val"], report["best"]
        if not self.tty and val is self.shown:
            return
        self.shown = val
        spent, budget, nan = report["seconds"], report["budget"] or 0.0, float("nan")
        line = (
            f"learn {_clock(spent)} of {_clock(budget)} (ETA {_clock(max(0.0, budget - spent))})  "
            f"step {report['step']}  loss {report['loss']:.3f}  held-out F1 {val.get('f1', nan):.3f} "
            f"(best {best.get('f1', nan):.3f} at step {best.get('step', '-')})"
        )
        self.stream.write(f"\r{line}\033[K" if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
