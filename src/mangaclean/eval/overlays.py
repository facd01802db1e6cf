"""Pictures for checking a score by eye: hits, false positives and misses over the page.

Written only into folders the user names (``--overlays``); for the real data those must be ignored
folders such as ``out/`` or ``scratch/`` (the data's licence forbids committing anything made from it).
"""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.io import as_gray

HIT = (0, 170, 0)  # green: predicted and true
FALSE_POSITIVE = (230, 0, 0)  # red: predicted, not true
MISS = (0, 90, 255)  # blue: true, not predicted
POSSIBLE_SFX = (255, 150, 0)  # orange: false positive flagged as a possible sound effect
FOUND_BOX = (0, 170, 0)
MISSED_BOX = (0, 90, 255)


def faded(page: np.ndarray) -> np.ndarray:
    """The page as pale grey RGB ``(H, W, 3)`` uint8, so coloured marks stand out."""
    gray = as_gray(page).astype(np.uint16)
    pale = (gray // 2 + 120).astype(np.uint8)
    return np.repeat(pale[..., None], 3, axis=2)


def mask_overlay(
    page: np.ndarray, predicted: np.ndarray, truth: np.ndarray, sfx: np.ndarray | None = None
) -> np.ndarray:
    """``(H, W, 3)`` uint8: hits green, false positives red (possible SFX orange), misses blue.

    page: ``(H, W)`` / ``(H, W, 3)`` uint8; predicted, truth, sfx: ``(H, W)`` bool.
    """
    out = faded(page)
    out[predicted & truth] = HIT
    out[predicted & ~truth] = FALSE_POSITIVE
    if sfx is not None:
        out[sfx & predicted & ~truth] = POSSIBLE_SFX
    out[truth & ~predicted] = MISS
    return out


def boxes_overlay(
    page: np.ndarray,
    predicted: np.ndarray,
    glyphs: np.ndarray,
    boxes: list[tuple[int, int, int, int]],
    found: list[bool],
) -> np.ndarray:
    """``(H, W, 3)`` uint8: mask red, box glyph pixels it covers green / misses blue, boxes outlined
    green (found) or blue (missed). ``boxes``: ``(x, y, w, h)``; ``glyphs``: ``(H, W)`` bool."""
    out = faded(page)
    out[predicted] = FALSE_POSITIVE
    out[predicted & glyphs] = HIT
    out[glyphs & ~predicted] = MISS
    for (x, y, w, h), ok in zip(boxes, found, strict=True):
        cv2.rectangle(out, (x, y), (x + w - 1, y + h - 1), FOUND_BOX if ok else MISSED_BOX, 2)
    return out


def hole_strip(crops: list[np.ndarray], gap: int = 4) -> np.ndarray:
    """Crops ``(h, w)`` / ``(h, w, 3)`` uint8 of equal size side by side, white gaps -> ``(h, W, 3)``."""
    rgb = [np.repeat(c[..., None], 3, axis=2) if c.ndim == 2 else c for c in crops]
    spacer = np.full((rgb[0].shape[0], gap, 3), 255, dtype=np.uint8)
    parts: list[np.ndarray] = []
    for crop in rgb:
        parts += [crop, spacer]
    return np.concatenate(parts[:-1], axis=1)
