"""Pictures for people: a before | mask | after strip of a cleaned page."""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.io import as_rgb

MAX_HEIGHT = 1600
MASK_COLOUR = np.array([230, 40, 40], dtype=np.float32)


def side_by_side(before: np.ndarray, mask: np.ndarray, after: np.ndarray) -> np.ndarray:
    """``(H, W[, 3])`` uint8 pages and ``(H, W)`` bool mask -> ``(h, 3w + 16, 3)`` uint8 RGB strip.

    The middle panel shows the erased pixels in red over the dimmed page; tall pages are
    scaled to at most ``MAX_HEIGHT`` px.
    """
    before_rgb, after_rgb = as_rgb(before), as_rgb(after)
    dimmed = before_rgb.astype(np.float32) * 0.45 + 140
    dimmed[mask] = MASK_COLOUR
    panels = [before_rgb, dimmed.astype(np.uint8), after_rgb]
    gap = np.full((before_rgb.shape[0], 8, 3), 255, dtype=np.uint8)
    strip = np.hstack([panels[0], gap, panels[1], gap, panels[2]])
    if strip.shape[0] > MAX_HEIGHT:
        scale = MAX_HEIGHT / strip.shape[0]
        size = (round(strip.shape[1] * scale), MAX_HEIGHT)
        strip = cv2.resize(strip, size, interpolation=cv2.INTER_AREA)
    return strip
