"""Scores for the evaluation commands: pixel counts of a predicted text mask against a hand-made one,
and image quality (PSNR, SSIM) of an inpainted hole.

Pixel scores are micro-averaged: a page gives ``MaskCounts``, counts are summed over the pages, and
the ratios are taken once at the end. A missing prediction (``None``) counts as an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import cv2
import numpy as np

# Tolerant scoring: how far (px) a predicted pixel may be from the truth and still count.
TOLERANCE = 2


def grow(mask: np.ndarray, radius: int) -> np.ndarray:
    """``(H, W)`` bool dilated by a disk of ``radius`` px (a copy when ``radius <= 0``)."""
    if radius <= 0:
        return mask.copy()
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def ratio(numerator: float, denominator: float, empty: float = 0.0) -> float:
    """``numerator / denominator``, or ``empty`` when the denominator is 0."""
    return float(numerator) / float(denominator) if denominator else float(empty)


def harmonic(a: float, b: float) -> float:
    """F1 of a precision and a recall (0 when both are 0)."""
    return 2.0 * a * b / (a + b) if a + b > 0 else 0.0


@dataclass(frozen=True)
class MaskCounts:
    """Pixel counts of one page (or a sum of pages).

    tp / fp / fn: exact hits, false positives, misses of the predicted mask.
    near_truth: predicted pixels within ``TOLERANCE`` px of a true pixel (tolerant precision).
    near_prediction: true pixels within ``TOLERANCE`` px of a predicted pixel (tolerant recall).
    sfx: false-positive pixels flagged as possible sound effects (see ``sfx.possible_sfx``).
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    near_truth: int = 0
    near_prediction: int = 0
    sfx: int = 0

    def __add__(self, other: MaskCounts) -> MaskCounts:
        return MaskCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def truth(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        """Exact pixel precision; 1 when nothing is predicted on a page without text, else 0."""
        return ratio(self.tp, self.predicted, empty=1.0 if self.truth == 0 else 0.0)

    @property
    def precision_without_sfx(self) -> float:
        """Precision with the possible-SFX pixels left out (neither right nor wrong)."""
        return ratio(self.tp, self.predicted - self.sfx, empty=1.0 if self.truth == 0 else 0.0)

    @property
    def recall(self) -> float:
        """Exact pixel recall; 1 on a page without text (nothing to find)."""
        return ratio(self.tp, self.truth, empty=1.0)

    @property
    def f1(self) -> float:
        return harmonic(self.precision, self.recall)

    @property
    def iou(self) -> float:
        return ratio(self.tp, self.tp + self.fp + self.fn, empty=1.0)

    @property
    def tolerant_precision(self) -> float:
        return ratio(self.near_truth, self.predicted, empty=1.0 if self.truth == 0 else 0.0)

    @property
    def tolerant_recall(self) -> float:
        return ratio(self.near_prediction, self.truth, empty=1.0)

    @property
    def tolerant_f1(self) -> float:
        return harmonic(self.tolerant_precision, self.tolerant_recall)


def score_mask(
    predicted: np.ndarray | None,
    truth: np.ndarray,
    sfx: np.ndarray | None = None,
    tolerance: int = TOLERANCE,
) -> MaskCounts:
    """Count one page.

    predicted: ``(H, W)`` bool or None (= empty); truth: ``(H, W)`` bool;
    sfx: ``(H, W)`` bool predicted pixels flagged as possible sound effects, or None.
    """
    truth = truth.astype(bool)
    predicted = np.zeros_like(truth) if predicted is None else predicted.astype(bool)
    if predicted.shape != truth.shape:
        raise ValueError(f"prediction {predicted.shape} and truth {truth.shape} differ in size")
    tp = int(np.count_nonzero(predicted & truth))
    fp = int(np.count_nonzero(predicted & ~truth))
    fn = int(np.count_nonzero(~predicted & truth))
    near_truth = int(np.count_nonzero(predicted & grow(truth, tolerance)))
    near_prediction = int(np.count_nonzero(truth & grow(predicted, tolerance)))
    flagged = 0 if sfx is None else int(np.count_nonzero(sfx & predicted & ~truth))
    return MaskCounts(tp, fp, fn, near_truth, near_prediction, flagged)


def psnr(result: np.ndarray, truth: np.ndarray, where: np.ndarray, cap: float = 100.0) -> float:
    """PSNR (dB) of ``result`` against ``truth`` over the ``where`` pixels.

    result, truth: ``(H, W)`` or ``(H, W, 3)`` uint8; where: ``(H, W)`` bool. Identical -> ``cap``.
    """
    diff = result[where].astype(np.float64) - truth[where].astype(np.float64)
    mse = float(np.mean(diff**2)) if diff.size else 0.0
    return cap if mse <= 0 else min(cap, 10.0 * np.log10(255.0**2 / mse))


def ssim_map(a: np.ndarray, b: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Per-pixel SSIM (Wang et al. 2004, Gaussian window) of two ``(H, W)`` uint8 images -> float64."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(image, (11, 11), sigma, borderType=cv2.BORDER_REFLECT)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    return ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))


def mean_ssim(result: np.ndarray, truth: np.ndarray, where: np.ndarray) -> float:
    """Mean SSIM over the ``where`` pixels ``(H, W)`` bool; images ``(H, W)`` uint8 (1.0 if empty)."""
    if not where.any():
        return 1.0
    return float(ssim_map(result, truth)[where].mean())
