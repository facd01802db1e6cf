"""Eager PyTorch segmenters, for ``bench --compare``: what our ONNX Runtime path is measured against.

Needs the train extra; ``registry`` imports this module only when a ``torch:`` name is asked for.
``torch:seg_mnv2_light`` runs a registry variant with random weights (its speed is all that is
measured: the original design is ``torch:seg_mnv2_x2_original``); ``torch:runs/x/best.safetensors``
runs trained weights, so its masks can be scored too. Same working resolution and tiling as the
shipped runtime (``TiledSegmenter``), so only the engine differs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from mangaclean.backends.checkpoint import load_checkpoint
from mangaclean.backends.tiling import TiledSegmenter
from mangaclean.models.registry import build_model

log = logging.getLogger(__name__)


class EagerSegmenter(TiledSegmenter):
    """spec: a variant name (random weights) or a ``.safetensors`` checkpoint."""

    def __init__(self, spec: str, threads: int | None = None):
        if threads:
            torch.set_num_threads(threads)
        if spec.endswith(".safetensors"):
            self.model, _ = load_checkpoint(Path(spec))
        else:
            log.warning("torch:%s has random weights: time it, do not score it", spec)
            self.model = build_model(spec).eval()
        self.name = f"torch {spec}"
        self.channels = self.model.in_channels

    def _logits(self, image: np.ndarray, release: bool = False) -> np.ndarray:
        config = self.model.config
        x = (torch.from_numpy(image).float()[None] / 255.0 - config.mean) / config.std
        probability = self.model.predict(x)[0, 0].clamp(1e-6, 1 - 1e-6)
        return torch.logit(probability).numpy()
