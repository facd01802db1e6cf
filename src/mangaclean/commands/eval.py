"""``mangaclean eval masks|boxes|inpaint``: score the product (and its peers) on real pages.

Every command takes a comma list of backends (``--segmenter classical,ppocr`` or
``--inpainters white,telea,ns,fsr,auto``) and prints one Markdown table row per backend, so
comparisons are side by side in one run. Data folders default to ``--data-root`` (else
``$MANGACLEAN_DATA``, else ``../shared/data`` beside the repository). Heavy imports happen in ``run``.
"""

from __future__ import annotations

import argparse
import copy
import shlex
import sys
from pathlib import Path

from mangaclean.eval.data_paths import OPENMANTRA, TEXTMASKS

DEFAULT_SEGMENTERS = "classical,ppocr"
DEFAULT_INPAINTERS = "white,telea,ns,fsr,auto"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    masks = sub.add_parser("masks", help="pixel scores of text masks against hand-made masks")
    masks.add_argument("--images", type=Path, help=f"page folder (default: <data-root>/{TEXTMASKS}/images)")
    masks.add_argument("--masks", type=Path, help="true masks, same stems, 255 = text (default: .../masks)")
    masks.add_argument(
        "--predictions",
        type=Path,
        metavar="DIR",
        help="score the mask files in DIR (same stems; a missing file = empty) instead of segmenters",
    )
    _segmenter_arguments(masks)
    boxes = sub.add_parser("boxes", help="box recall against OpenMantra-format text boxes")
    boxes.add_argument(
        "--annotations",
        type=Path,
        help=f"annotation.json (default: <data-root>/{OPENMANTRA}/annotation.json)",
    )
    boxes.add_argument(
        "--images-root",
        type=Path,
        help="folder the annotation's image paths start from (default: its folder)",
    )
    _segmenter_arguments(boxes)
    inpaint = sub.add_parser("inpaint", help="inpainters on holes made of real glyph shapes over real art")
    inpaint.add_argument("--images", type=Path, help=f"page folder (default: <data-root>/{TEXTMASKS}/images)")
    inpaint.add_argument("--masks", type=Path, help="true text masks of those pages (default: .../masks)")
    inpaint.add_argument(
        "--inpainters",
        default=DEFAULT_INPAINTERS,
        help="comma list of white, telea, ns, spectral, spectral-fast, auto, .onnx files and the peers fsr "
        "(needs opencv-contrib) and patchmatch (needs patchmatch-cython) "
        f"(default {DEFAULT_INPAINTERS})",
    )
    inpaint.add_argument("--n", type=int, default=100, help="holes over textured background (default 100)")
    inpaint.add_argument("--n-plain", type=int, default=None, help="holes over plain paper (default n/5)")
    inpaint.add_argument("--seed", type=int, default=0, help="seed of the hole placement (default 0)")
    _shared_arguments(inpaint)
    balloons = sub.add_parser("balloons", help="flat-filled text blocks against the paper around them")
    balloons.add_argument(
        "--images", type=Path, help=f"page folder (default: <data-root>/{TEXTMASKS}/images)"
    )
    balloons.add_argument("--segmenter", default="auto", help="segmenter of the cleaning run (default auto)")
    _shared_arguments(balloons)


def _segmenter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--segmenter",
        default=DEFAULT_SEGMENTERS,
        help=f"comma list of auto, classical, ppocr, .onnx files (default {DEFAULT_SEGMENTERS})",
    )
    parser.add_argument("--threshold", type=float, default=0.5, help="text probability cut (default 0.5)")
    parser.add_argument(
        "--scales",
        type=lambda text: [float(v) for v in text.split(",")],
        default=None,
        metavar="S1,S2,...",
        help="score network segmenters at these working scales (x the page's own size) instead of "
        "the runtime's clamp of the long side",
    )
    _shared_arguments(parser)


def _shared_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help="evaluation data root (default: $MANGACLEAN_DATA, else ../shared/data beside the repo)",
    )
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="first N pages only")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write results as JSON")
    parser.add_argument(
        "--overlays",
        type=Path,
        default=None,
        metavar="DIR",
        help="write hit / false-positive / miss pictures here (real data: an ignored folder only)",
    )
    parser.add_argument("--threads", type=int, default=None, metavar="N", help="threads for ONNX backends")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings only on stderr")


def run(args: argparse.Namespace) -> int:
    from mangaclean.eval import reports

    if args.limit is not None and args.limit < 1:
        from mangaclean.errors import UsageError

        raise UsageError("--limit must be at least 1")
    runners = {"masks": _run_masks, "boxes": _run_boxes, "inpaint": _run_inpaint, "balloons": _run_balloons}
    runner = runners[args.eval_command]
    title, header, rows, payload = runner(args)
    print(reports.markdown(title, header, rows, payload.get("notes", [])))
    if args.json is not None:
        reports.write_json(args.json, payload, _command_line(args))
    return 0


def _command_line(args: argparse.Namespace) -> str:
    """The run's full settings (defaults included) as an equivalent command line."""
    words = ["mangaclean", "eval", args.eval_command]
    for key, value in sorted(vars(args).items()):
        if key.startswith("_") or key in ("command", "eval_command") or value in (None, False):
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, list):
            value = ",".join(f"{v:g}" for v in value)
        words += [flag] if value is True else [flag, shlex.quote(str(value))]
    return " ".join(words)


def _root(args):
    from mangaclean.eval.data_paths import default_data_root

    return args.data_root if args.data_root is not None else default_data_root()


def _segmenters(args) -> list[tuple[str, object]]:
    from mangaclean.backends import load_segmenter
    from mangaclean.backends.tiling import TiledSegmenter

    out = []
    for name in [n.strip() for n in args.segmenter.split(",") if n.strip()]:
        segmenter = load_segmenter(name, args.threads)
        label = f"auto ({segmenter.name})" if name == "auto" else segmenter.name
        if args.scales and isinstance(segmenter, TiledSegmenter):
            for scale in args.scales:
                scaled = copy.copy(segmenter)  # shares the session
                scaled.fixed_scale = scale
                out.append((f"{label} @{scale:g}x", scaled))
        else:
            out.append((label, segmenter))
    return out


def _overlay_dir(args, label: str) -> Path | None:
    if args.overlays is None:
        return None
    return args.overlays / "".join(c if c.isalnum() or c in "-_." else "_" for c in label)


def _run_masks(args):
    from mangaclean.eval import masks_eval, reports
    from mangaclean.eval.data_paths import data_path, mask_pairs

    root = _root(args)
    images = data_path(args.images, root, TEXTMASKS / "images", "--images")
    truths = data_path(args.masks, root, TEXTMASKS / "masks", "--masks")
    pairs = mask_pairs(images, truths, args.limit)
    if args.predictions is not None:
        label = f"files: {args.predictions.name}"
        backends = [(label, masks_eval.folder_predictor(args.predictions))]
    else:
        backends = [
            (label, masks_eval.segmenter_predictor(segmenter, args.threshold))
            for label, segmenter in _segmenters(args)
        ]
    results = [
        masks_eval.evaluate_masks(pairs, predict, label, _overlay_dir(args, label))
        for label, predict in backends
    ]
    header, rows = reports.mask_rows(results)
    return f"eval masks: {images}", header, rows, {"masks": [r.as_dict() for r in results], "notes": []}


def _run_boxes(args):
    from mangaclean.eval import boxes_eval, masks_eval, reports
    from mangaclean.eval.data_paths import data_path

    annotations = data_path(args.annotations, _root(args), OPENMANTRA / "annotation.json", "--annotations")
    images_root = args.images_root if args.images_root is not None else annotations.parent
    pages = boxes_eval.load_annotations(annotations, images_root, args.limit)
    results = []
    for label, segmenter in _segmenters(args):
        predict = masks_eval.segmenter_predictor(segmenter, args.threshold)
        results.append(boxes_eval.evaluate_boxes(pages, predict, label, _overlay_dir(args, label)))
    header, rows = reports.box_rows(results)
    return f"eval boxes: {annotations}", header, rows, {"boxes": [r.as_dict() for r in results], "notes": []}


def _run_inpaint(args):
    import numpy as np

    from mangaclean.errors import UsageError
    from mangaclean.eval import holes, inpaint_eval, reports
    from mangaclean.eval.data_paths import data_path, mask_pairs

    root = _root(args)
    images = data_path(args.images, root, TEXTMASKS / "images", "--images")
    truths = data_path(args.masks, root, TEXTMASKS / "masks", "--masks")
    pairs = [(page, mask) for page, mask in mask_pairs(images, truths, args.limit) if mask is not None]
    n_plain = max(1, args.n // 5) if args.n_plain is None else args.n_plain
    if args.n < 0 or n_plain < 0:
        raise UsageError("--n and --n-plain must not be negative")
    names = [n.strip() for n in args.inpainters.split(",") if n.strip()]
    inpainters, notes = inpaint_eval.load_inpainters(names)
    cases = holes.build_cases(pairs, {"textured": args.n, "plain": n_plain}, np.random.default_rng(args.seed))
    report = inpaint_eval.run_benchmark(cases, inpainters, args.overlays)
    header, rows = reports.inpaint_rows(report, [label for label, _ in inpainters])
    payload = {"inpaint": report.as_dict(), "notes": notes, "seed": args.seed}
    return f"eval inpaint: {images} (seed {args.seed})", header, rows, payload


def _run_balloons(args):
    from mangaclean.backends import load_models
    from mangaclean.eval import reports
    from mangaclean.eval.balloons_eval import evaluate_balloons
    from mangaclean.eval.data_paths import data_path
    from mangaclean.io import is_image_name

    images = data_path(args.images, _root(args), TEXTMASKS / "images", "--images")
    paths = sorted(p for p in images.iterdir() if is_image_name(p))[: args.limit]
    models = load_models(args.segmenter, "white", args.threads)  # textured blocks are not scored
    masks = images.parent / "masks"  # the hand masks beside the pages, when there are any
    report = evaluate_balloons(
        paths, models, models.segmenter.name, args.overlays, masks if masks.is_dir() else None
    )
    header, rows = reports.balloon_rows(report.as_dict())
    return f"eval balloons: {images}", header, rows, {"balloons": report.as_dict(), "notes": []}


def main(argv: list[str] | None = None) -> int:
    """``python -m mangaclean.commands.eval WHAT ...``: the eval commands without the rest of the CLI
    (e.g. from a separate environment with opencv-contrib for ``fsr``, where torch is absent)."""
    import logging

    from mangaclean.errors import MangacleanError

    parser = argparse.ArgumentParser(prog="mangaclean eval", description="score masks, boxes or inpainting")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    try:
        return run(args)
    except MangacleanError as exc:
        print(f"mangaclean: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
