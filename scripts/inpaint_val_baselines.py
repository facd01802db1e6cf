"""Classical baselines on an inpainting recipe's fixed synthetic validation set.

Scores Telea (OpenCV) and the untrained push-pull fill (``pyramid_fill``) with the training loop's
own PSNR on the very batches the run validates on, so a checkpoint's ``val_psnr`` has something to
beat. ``python scripts/inpaint_val_baselines.py [RECIPE]`` (default recipes/inpaint_fill_cpu.yaml;
needs the train extra).
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from mangaclean.backends.opencv import OpenCVInpainter
from mangaclean.models.inpaint.unet import pyramid_fill
from mangaclean.models.registry import model_config
from mangaclean.train.config import load_config
from mangaclean.train.data import validation_batches
from mangaclean.train.validate import psnr


def telea(clean: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """``(B, 1, H, W)`` in [0, 1] and hole ``(B, 1, H, W)`` -> the product's Telea fill, same shape."""
    inpainter = OpenCVInpainter("telea")
    pixels = (clean[:, 0].numpy() * 255 + 0.5).astype(np.uint8)
    out = [inpainter.inpaint(p, h > 0.5) for p, h in zip(pixels, hole[:, 0].numpy(), strict=True)]
    return torch.tensor(np.stack(out)[:, None] / 255.0, dtype=torch.float32)


def main(recipe: str) -> None:
    config = load_config(recipe, {"workers": 0})
    levels = len(model_config(config.model).channels)  # as the recipe's network would fill
    scores: dict[str, list[float]] = {"telea": [], "pyramid fill": []}
    for batch in validation_batches(config):
        clean, hole = batch["clean"], batch["hole"]
        scores["telea"].append(psnr(telea(clean, hole), clean, hole))
        scores["pyramid fill"].append(psnr(pyramid_fill(clean, 1 - hole, levels), clean, hole))
    for name, values in scores.items():
        print(f"{name}: val PSNR {sum(values) / len(values):.2f} dB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "recipes/inpaint_fill_cpu.yaml")
