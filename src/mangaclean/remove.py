"""Erase text blocks: paint flat ones with their background colour, inpaint textured ones on a crop
around the block (with context), then composite so only mask pixels change."""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.backends import Inpainter
from mangaclean.regions import TextRegion

# Context around a textured block handed to the inpainter: the block's size times this, each side,
# and at least MIN_CONTEXT px.
CONTEXT = 0.75
MIN_CONTEXT = 32


def fill_flat(pixels: np.ndarray, removal: np.ndarray, region: TextRegion, colour: tuple[int, ...]) -> None:
    """Paint the region's removal pixels with ``colour`` in place.

    pixels: ``(H, W)`` or ``(H, W, 3)`` uint8 (modified); removal: ``(H, W)`` bool.
    """
    x, y, w, h = region.box
    window = (slice(y, y + h), slice(x, x + w))
    hole = removal[window]
    value = np.array(colour if pixels.ndim == 3 else colour[:1], dtype=np.uint8)
    pixels[window][hole] = value if pixels.ndim == 3 else value[0]


def inpaint_block(pixels: np.ndarray, removal: np.ndarray, region: TextRegion, inpainter: Inpainter) -> None:
    """Inpaint the region's removal pixels in place, on a crop with context around the block."""
    x, y, w, h = region.box
    pad_x, pad_y = max(MIN_CONTEXT, int(CONTEXT * w)), max(MIN_CONTEXT, int(CONTEXT * h))
    y0, y1 = max(y - pad_y, 0), min(y + h + pad_y, pixels.shape[0])
    x0, x1 = max(x - pad_x, 0), min(x + w + pad_x, pixels.shape[1])
    crop, hole = pixels[y0:y1, x0:x1], removal[y0:y1, x0:x1]
    filled = inpainter.inpaint(crop.copy(), hole)
    own = np.zeros_like(hole)
    own[y - y0 : y - y0 + h, x - x0 : x - x0 + w] = hole[y - y0 : y - y0 + h, x - x0 : x - x0 + w]
    crop[own] = filled[own]


def fill_flat_blocks(
    pixels: np.ndarray, removal: np.ndarray, regions: list[TextRegion], fill: str = "auto"
) -> list[TextRegion]:
    """Paint the blocks that get a flat colour, in place; return the blocks left to inpaint.

    fill: ``auto`` (flat colour where the background is flat), ``white`` (every block painted
    white) or ``inpaint`` (none painted).
    """
    rest = []
    for region in regions:
        if fill == "white":
            fill_flat(pixels, removal, region, (255, 255, 255))
        elif fill == "auto" and region.fill is not None:
            fill_flat(pixels, removal, region, region.fill)
        else:
            rest.append(region)
    return rest


def inpaint_blocks(
    pixels: np.ndarray, removal: np.ndarray, regions: list[TextRegion], inpainter: Inpainter
) -> None:
    """Inpaint each block in place, on a crop with context around it."""
    for region in regions:
        inpaint_block(pixels, removal, region, inpainter)


def inpaint_mask(pixels: np.ndarray, hole: np.ndarray, inpainter: Inpainter, link: int = 12) -> np.ndarray:
    """Inpaint every hole of a given mask, block by block on crops with context.

    pixels: ``(H, W)`` / ``(H, W, 3)`` uint8; hole: ``(H, W)`` bool; holes closer than ``link`` px
    are inpainted together. Returns the composited page.
    """
    out = pixels.copy()
    groups = cv2.dilate(hole.astype(np.uint8), np.ones((2 * link + 1, 2 * link + 1), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(groups, connectivity=8)
    for x, y, w, h, _area in stats[1:count]:
        box = (int(x), int(y), int(w), int(h))
        region = TextRegion(box=box, background="textured", fill=None, stroke=0.0, margin=0, dark_text=True)
        inpaint_block(out, hole, region, inpainter)
    return composite(pixels, out, hole)


def composite(original: np.ndarray, edited: np.ndarray, removal: np.ndarray) -> np.ndarray:
    """``original`` with only the ``removal`` pixels taken from ``edited`` (the safety invariant)."""
    out = original.copy()
    out[removal] = edited[removal]
    return out
