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


def fill_flat(pixels: np.ndarray, region: TextRegion, colour: tuple[int, ...]) -> None:
    """Paint the region's own removal pixels with ``colour``, in place.

    pixels: ``(H, W)`` or ``(H, W, 3)`` uint8 (modified).
    """
    x, y, w, h = region.box
    value = np.array(colour if pixels.ndim == 3 else colour[:1], dtype=np.uint8)
    pixels[y : y + h, x : x + w][region.mask] = value if pixels.ndim == 3 else value[0]


def inpaint_block(pixels: np.ndarray, removal: np.ndarray, region: TextRegion, inpainter: Inpainter) -> None:
    """Inpaint the region's own removal pixels in place, on a crop with context around the block.

    Every removal pixel in the crop is a hole for the inpainter (text is never context), but
    only the region's own pixels are written back.
    """
    x, y, w, h = region.box
    pad_x, pad_y = max(MIN_CONTEXT, int(CONTEXT * w)), max(MIN_CONTEXT, int(CONTEXT * h))
    y0, y1 = max(y - pad_y, 0), min(y + h + pad_y, pixels.shape[0])
    x0, x1 = max(x - pad_x, 0), min(x + w + pad_x, pixels.shape[1])
    crop = pixels[y0:y1, x0:x1]
    filled = inpainter.inpaint(crop.copy(), removal[y0:y1, x0:x1])
    box = (slice(y - y0, y - y0 + h), slice(x - x0, x - x0 + w))
    crop[box][region.mask] = filled[box][region.mask]


def fill_flat_blocks(pixels: np.ndarray, regions: list[TextRegion], fill: str = "auto") -> list[TextRegion]:
    """Paint the blocks that get a flat colour, in place; return the blocks left to inpaint.

    fill: ``auto`` (flat colour where the background is flat), ``white`` (every block painted
    white) or ``inpaint`` (none painted).
    """
    rest = []
    for region in regions:
        if fill == "white":
            fill_flat(pixels, region, (255, 255, 255))
        elif fill == "auto" and region.fill is not None:
            fill_flat(pixels, region, region.fill)
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
    count, labels, stats, _ = cv2.connectedComponentsWithStats(groups, connectivity=8)
    for index in range(1, count):
        x, y, w, h = (int(v) for v in stats[index, :4])
        mine = hole[y : y + h, x : x + w] & (labels[y : y + h, x : x + w] == index)
        region = TextRegion((x, y, w, h), mine, "textured", None, stroke=0.0, margin=0, dark_text=True)
        inpaint_block(out, hole, region, inpainter)
    return composite(pixels, out, hole)


def composite(original: np.ndarray, edited: np.ndarray, removal: np.ndarray) -> np.ndarray:
    """``original`` with only the ``removal`` pixels taken from ``edited`` (the safety invariant)."""
    out = original.copy()
    out[removal] = edited[removal]
    return out
