"""``mangaclean train seg|inpaint --config recipes/....yaml``: train a network (needs the train extra)."""

from __future__ import annotations

import argparse
from pathlib import Path

from mangaclean.errors import BackendUnavailableError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", choices=("seg", "inpaint"), help="what to train")
    parser.add_argument("--config", type=Path, help="recipe YAML (see recipes/); flags below override it")
    parser.add_argument(
        "--out", dest="out_dir", help="run folder: checkpoints, logs, plot (resumed if present)"
    )
    parser.add_argument("--model", help="network variant, e.g. seg_mnv2_light")
    parser.add_argument("--steps", type=int, help="total optimiser steps")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--crop", type=int, help="training crop size (px)")
    parser.add_argument("--lr", type=float)
    parser.add_argument("--workers", type=int, help="data-generation worker processes")
    parser.add_argument("--device", help="cpu or cuda")
    parser.add_argument("--threads", type=int, help="torch threads (CPU)")
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--init",
        help="start from these weights: a best.safetensors of an earlier run, or a shipped fp32 .onnx "
        "(e.g. src/mangaclean/weights/seg_mnv2_light.onnx; needs --freeze-bn)",
    )
    parser.add_argument(
        "--freeze-bn", dest="freeze_bn", action="store_true", default=None, help="keep BatchNorm statistics"
    )
    parser.add_argument("--warmup-steps", type=int, help="linear warm-up steps (AdamW)")
    parser.add_argument("--pairs", nargs=2, metavar=("RAW_DIR", "CLEAN_DIR"), help="also train on page pairs")
    parser.add_argument("--mask-folders", nargs=2, metavar=("IMAGES", "MASKS"), help="also train on masks")
    parser.add_argument("--art", dest="art_dir", help="folder of text-free art for the synthetic pages")
    parser.add_argument("--short-share", type=float, help="share of dialogue that is one short utterance")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false", default=None, help="fp32 only")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in --out")
    parser.add_argument("-v", "--verbose", action="store_true")


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailableError(
            "training needs the train extra: pip install 'mangaclean[train]'"
        ) from exc
    from mangaclean.train.config import load_config
    from mangaclean.train.loop import train

    keys = (
        "out_dir",
        "model",
        "steps",
        "batch_size",
        "crop",
        "lr",
        "workers",
        "device",
        "threads",
        "seed",
        "init",
        "freeze_bn",
        "warmup_steps",
        "pairs",
        "mask_folders",
        "art_dir",
        "short_share",
        "bf16",
    )
    overrides = {key: getattr(args, key) for key in keys}
    config = load_config(args.config, {**overrides, "task": args.task})
    best = train(config, resume=not args.fresh)
    if best:  # only the rank that validates has one
        print(
            "best:",
            ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in best.items()),
        )
    return 0
