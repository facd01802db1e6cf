"""Validation on the fixed synthetic set: F1 and average precision (segmentation), PSNR (inpainting)."""

from __future__ import annotations

import numpy as np
import torch

BINS = 1000


class SegmentationScore:
    """Accumulates pixel counts per probability bin, so F1 at any threshold and AP come out exactly
    (to 1/BINS) without keeping every pixel."""

    def __init__(self):
        self.positives = np.zeros(BINS, dtype=np.int64)
        self.negatives = np.zeros(BINS, dtype=np.int64)

    def add(self, probability: torch.Tensor, target: torch.Tensor) -> None:
        """probability, target: ``(B, 1, H, W)``; target 1 = text."""
        bins = (probability.float().clamp(0, 1) * (BINS - 1)).round().long().flatten().cpu().numpy()
        truth = target.flatten().cpu().numpy() > 0.5
        self.positives += np.bincount(bins[truth], minlength=BINS)
        self.negatives += np.bincount(bins[~truth], minlength=BINS)

    def result(self) -> dict[str, float]:
        tp = np.cumsum(self.positives[::-1])  # predicted positive at threshold >= bin
        fp = np.cumsum(self.negatives[::-1])
        total = max(int(self.positives.sum()), 1)
        precision = tp / np.maximum(tp + fp, 1)
        recall = tp / total
        ap = float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))
        at_half = BINS // 2  # index from the top for threshold 0.5
        p, r = precision[at_half - 1], recall[at_half - 1]
        f1 = 2 * p * r / max(p + r, 1e-9)
        return {"f1": float(f1), "precision": float(p), "recall": float(r), "ap": ap}


def psnr(output: torch.Tensor, target: torch.Tensor, hole: torch.Tensor) -> float:
    """PSNR (dB) of ``output`` vs ``target`` inside ``hole``; tensors in [0, 1]."""
    error = ((output - target) ** 2 * hole).sum() / hole.sum().clamp(min=1.0) / output.shape[1]
    return float(10.0 * torch.log10(1.0 / error.clamp(min=1e-10)))
