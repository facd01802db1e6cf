"""The classical text segmenter: dark glyph components inside bright, balloon-shaped interiors.

A baseline and the fallback when no network is shipped. It finds dialogue in white balloons and
misses text over art; the learned segmenter (``onnx_runtime.OnnxSegmenter``) does both.
"""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.io import as_gray

# Balloon interiors: paper-white components with this share of the page area and this solidity.
PAPER = 200
MIN_BALLOON_SHARE = 2e-4
MAX_BALLOON_SHARE = 0.2
MIN_SOLIDITY = 0.8
# Glyphs: dark holes inside a balloon, at most this share of the balloon's size and of the page
# height, at least MIN_GLYPHS of them, together covering this range of the balloon's filled area.
MAX_GLYPH_SHARE = 0.5
MAX_GLYPH_PAGE_SHARE = 0.06
MIN_GLYPH_PX = 4
MIN_GLYPHS = 3
INK_SHARE = (0.02, 0.45)


class ClassicalSegmenter:
    """probability: page ``(H, W)`` or ``(H, W, 3)`` uint8 -> ``(H, W)`` uint8 in {0, 255}."""

    name = "classical"

    def probability(self, page: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray:
        gray = as_gray(page)  # plain luma, as measured (the text grey is not used)
        bright = (gray > PAPER).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
        text = np.zeros(gray.shape, dtype=bool)
        page_area = gray.size
        for index in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[index])
            if not MIN_BALLOON_SHARE * page_area <= area <= MAX_BALLOON_SHARE * page_area:
                continue
            window = (slice(y, y + h), slice(x, x + w))
            glyphs = _glyphs_in_balloon(labels[window] == index, MAX_GLYPH_PAGE_SHARE * gray.shape[0])
            if glyphs is not None:
                text[window] |= glyphs
        return text.astype(np.uint8) * 255


def _glyphs_in_balloon(interior: np.ndarray, max_glyph: float) -> np.ndarray | None:
    """Dark holes of one bright component that look like lettering, or None if it is not a balloon.

    interior: ``(h, w)`` bool, the bright component in its bounding box; max_glyph: px.
    """
    filled = _fill_holes(interior)
    contours, _ = cv2.findContours(filled.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull_area = sum(cv2.contourArea(cv2.convexHull(c)) for c in contours)
    if hull_area <= 0 or filled.sum() / hull_area < MIN_SOLIDITY:
        return None
    holes = (filled & ~interior).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
    h, w = interior.shape
    keep = np.zeros(count, dtype=bool)
    for index in range(1, count):
        gh, gw = stats[index, cv2.CC_STAT_HEIGHT], stats[index, cv2.CC_STAT_WIDTH]
        limit = min(MAX_GLYPH_SHARE * h, MAX_GLYPH_SHARE * w, max_glyph)
        keep[index] = gh <= limit and gw <= limit
    big = keep & (np.maximum(stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]) >= MIN_GLYPH_PX)
    glyphs = keep[labels]
    share = glyphs.sum() / max(int(filled.sum()), 1)
    if big.sum() < MIN_GLYPHS or not INK_SHARE[0] <= share <= INK_SHARE[1]:
        return None
    return glyphs


def _fill_holes(region: np.ndarray) -> np.ndarray:
    """``(h, w)`` bool -> the region with every enclosed hole filled."""
    padded = np.pad(region.astype(np.uint8), 1)
    flood = padded.copy()
    mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), dtype=np.uint8)
    cv2.floodFill(flood, mask, (0, 0), 2)  # everything reachable from the border
    return (flood != 2)[1:-1, 1:-1]
