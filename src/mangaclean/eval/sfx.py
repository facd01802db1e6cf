"""An approximation of "predicted pixels on large stylised lettering (sound effects)".

The hand-made masks leave sound effects (SFX) unmasked and there are no SFX labels, so a segmenter
that (rightly, for the product) finds SFX is charged false positives. The data's README asks for
precision both raw and with those pixels left as they are. Without labels this is approximated:

a predicted component (predicted pixels joined by a 3 px closing) is a *possible SFX* when
  - it is far from any true text: no true pixel within ``FAR`` px of it, and
  - it is large: both sides of its bounding box are at least ``LARGE`` times the page's typical
    glyph size (median longest side of the true components after the same closing; a column of
    dialogue-sized glyphs is too narrow to qualify, a single big stylised character is not).

The constants were fixed a priori (not fitted to any score). It is an approximation in both
directions: big unmasked titles or signs count as SFX, small SFX do not.
"""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.eval.metrics import grow

FAR = 16
LARGE = 2.0
CLOSING = 3
# Typical glyph size when the page has no true text: this share of the page height.
FALLBACK_GLYPH_SHARE = 1.0 / 64


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((CLOSING, CLOSING), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    return count, labels, stats


def glyph_size(truth: np.ndarray) -> float:
    """Typical glyph size (px) of the true text ``(H, W)`` bool (a share of the page height if none)."""
    count, _, stats = _components(truth)
    if count <= 1:
        return truth.shape[0] * FALLBACK_GLYPH_SHARE
    sides = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    return float(np.median(sides))


def possible_sfx(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Predicted pixels that look like unlabelled sound effects.

    predicted, truth: ``(H, W)`` bool. returns: ``(H, W)`` bool, a subset of ``predicted & ~truth``.
    """
    flagged = np.zeros_like(predicted, dtype=bool)
    if not predicted.any():
        return flagged
    count, labels, stats = _components(predicted)
    near_truth = grow(truth, FAR)
    large = LARGE * glyph_size(truth)
    widths, heights = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    keep = (np.minimum(widths, heights) >= large) & (np.arange(count) > 0)
    if not keep.any():
        return flagged
    touched = np.unique(labels[near_truth & (labels > 0)])
    keep[touched] = False
    return keep[labels] & predicted & ~truth
