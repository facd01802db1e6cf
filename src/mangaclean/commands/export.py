"""``mangaclean export``: a checkpoint (or a fresh variant) to ONNX + manifest, optionally int8.

Examples::

    mangaclean export runs/seg/best.safetensors --out weights/
    mangaclean export runs/seg/best.safetensors --out weights/ --int8 --calibration pages/
    mangaclean export --variant seg_mnv2_light --out /tmp/x    # random weights: for benchmarks
    mangaclean export --list

torch is imported only inside ``run``.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from mangaclean.errors import ImageReadError, ModelError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", nargs="?", type=Path, help="a .safetensors checkpoint")
    parser.add_argument("--variant", help="export a freshly initialised variant instead")
    parser.add_argument("--list", action="store_true", help="list the variant names and exit")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder (default: .)")
    parser.add_argument("--name", help="file name stem (default: the variant name)")
    parser.add_argument("--opset", type=int, default=18, help="ONNX opset (>= 17; default 18)")
    parser.add_argument(
        "--exporter",
        choices=("dynamo", "torchscript"),
        default="dynamo",
        help="torch.onnx exporter (default dynamo; torchscript is much faster to run)",
    )
    parser.add_argument("--no-check", action="store_true", help="skip the ONNX-vs-eager check")
    parser.add_argument(
        "--extra", type=Path, help="JSON object merged into the manifest (e.g. measured dev metrics)"
    )
    parser.add_argument("--int8", action="store_true", help="also write a static int8 model")
    parser.add_argument(
        "--calibration",
        nargs="+",
        type=Path,
        default=[],
        help="pages or folders of pages to calibrate int8 on (not evaluation pages)",
    )
    parser.add_argument("--calibration-size", type=int, default=512, help="crop side (px)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the calibration crops")


def calibration_pages(paths: list[Path]) -> list[np.ndarray]:
    """Decode the images under ``paths`` as ``(H, W)`` or ``(H, W, 3)`` uint8 RGB arrays."""
    from PIL import Image

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            files.append(path)
    pages = []
    for file in files:
        try:
            with Image.open(file) as image:
                mode = "L" if image.mode in ("1", "L", "I;16", "I", "LA") else "RGB"
                pages.append(np.asarray(image.convert(mode)))
        except (OSError, ValueError) as exc:
            raise ImageReadError(f"{file}: cannot read calibration image ({exc})") from exc
    return pages


def _load_model(args: argparse.Namespace):
    from mangaclean.backends.checkpoint import load_checkpoint
    from mangaclean.models.registry import build_model

    if args.checkpoint is not None:
        model, manifest = load_checkpoint(args.checkpoint)
        return model, {k: manifest[k] for k in ("training", "synthetic_validation") if k in manifest}
    if not args.variant:
        raise ModelError("give a checkpoint (.safetensors) or --variant NAME (see --list)")
    try:
        model = build_model(args.variant)
    except KeyError as exc:
        raise ModelError(str(exc.args[0])) from exc
    log.warning("exporting %s with random weights (no checkpoint given)", args.variant)
    return model, {}


def run(args: argparse.Namespace) -> int:
    from mangaclean.models.registry import list_variants

    if args.list:
        for kind in ("segmenter", "inpainter"):
            print(f"{kind}s: " + ", ".join(list_variants(kind)))
        return 0
    if args.opset < 17:
        raise ModelError(f"--opset {args.opset}: use 17 or later")
    if args.int8 and not args.calibration:
        raise ModelError("--int8 needs --calibration PAGES (images or folders of images)")
    from mangaclean.export.onnx import check_parity, export_with_manifest

    model, extra = _load_model(args)
    if args.extra is not None:
        extra.update(json.loads(args.extra.read_text()))
    stem = args.name or model.variant
    onnx_path = args.out / f"{stem}.onnx"
    dynamo = args.exporter == "dynamo"
    manifest = export_with_manifest(model, onnx_path, opset=args.opset, dynamo=dynamo, extra=extra)
    print(f"wrote {onnx_path} and {manifest}")
    if not args.no_check:
        worst = check_parity(model, onnx_path, sizes=((3, 5), (2, 2)))
        print(f"ONNX Runtime matches eager PyTorch (max |diff| {worst:.1e})")
    if args.int8:
        _write_int8(args, onnx_path)
    return 0


def _write_int8(args: argparse.Namespace, onnx_path: Path) -> None:
    from mangaclean.backends.manifest import manifest_path
    from mangaclean.export.quantize import int8_twin

    pages = calibration_pages(args.calibration)
    if not pages:
        raise ModelError(f"no images found in {[str(p) for p in args.calibration]}")
    int8_path = int8_twin(onnx_path, pages, np.random.default_rng(args.seed), size=args.calibration_size)
    print(f"wrote {int8_path} and {manifest_path(int8_path)} (calibrated on {len(pages)} pages)")
