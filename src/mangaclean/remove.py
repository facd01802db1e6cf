"""Erase text blocks: paint flat ones with their background colour, inpaint textured ones on a crop
around the block (with context), then composite so only mask pixels change."""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean import maskops
from mangaclean.backends import Inpainter
from mangaclean.backends.tiling import tiles
from mangaclean.regions import TextRegion

# Context around a textured block handed to the inpainter: the block's size times this, each side,
# and at least MIN_CONTEXT px.
CONTEXT = 0.75
MIN_CONTEXT = 32
# Crops larger than this (px a side) are inpainted in tiles that overlap by TILE_OVERLAP px.
MAX_CROP = 1536
TILE_OVERLAP = 128
COMPOSITE_PIXELS = 1 << 20  # pixels composited at once


def fill_flat(pixels: np.ndarray, region: TextRegion, colour: tuple[int, ...]) -> None:
    """Paint the region's own removal pixels with ``colour``, in place.

    pixels: ``(H, W)`` or ``(H, W, 3)`` uint8 (modified).
    """
    x, y, w, h = region.box
    value = np.array(colour if pixels.ndim == 3 else colour[:1], dtype=np.uint8)
    pixels[y : y + h, x : x + w][region.mask] = value if pixels.ndim == 3 else value[0]


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


def inpaint_blocks(pixels: np.ndarray, regions: list[TextRegion], inpainter: Inpainter) -> None:
    """Inpaint the given blocks' pixels in place, on crops with context around them.

    Blocks whose context windows overlap share one crop, so each hole pixel is inpainted once
    (one crop per block inpainted the dense text of a toned page up to 4 times over); a crop
    over MAX_CROP px a side is inpainted in overlapping tiles, so memory stays bounded on huge
    scans. Every pixel of these blocks in a crop is a hole (text is never context); pixels
    already painted by ``fill_flat_blocks`` are context. pixels: ``(H, W)`` / ``(H, W, 3)``
    uint8 (modified).
    """
    holes = np.zeros(pixels.shape[:2], dtype=bool)
    for region in regions:
        holes[box_slices(region.box)] |= region.mask
    for box in _crops([_context(region.box, pixels.shape) for region in regions], pixels.shape):
        window, (_, _, w, h) = box_slices(box), box
        for read, keep in tiles(h, w, MAX_CROP, TILE_OVERLAP):
            crop = pixels[window][read]
            hole = holes[window][read]
            if hole[keep].any():
                filled = inpainter.inpaint(crop.copy(), hole)
                crop[keep][hole[keep]] = filled[keep][hole[keep]]


def inpaint_mask(pixels: np.ndarray, hole: np.ndarray, inpainter: Inpainter) -> np.ndarray:
    """Inpaint every hole of a given mask on crops with context; returns the composited page.

    pixels: ``(H, W)`` / ``(H, W, 3)`` uint8; hole: ``(H, W)`` bool.
    """
    regions = []
    for (x, y, w, h), _ in maskops.components(hole):
        mine = hole[y : y + h, x : x + w]
        regions.append(TextRegion((x, y, w, h), mine, "textured", None, stroke=0.0, margin=0, dark_text=True))
    out = pixels.copy()
    inpaint_blocks(out, regions, inpainter)
    return composite(pixels, out, hole)


def composite(original: np.ndarray, edited: np.ndarray, removal: np.ndarray) -> np.ndarray:
    """``edited`` with every pixel outside ``removal`` reset to ``original`` (the safety
    invariant: only removal pixels may change), in place, in bands of rows (no page-sized
    temporary); returns ``edited``."""
    rows = max(1, COMPOSITE_PIXELS // max(removal.shape[1], 1))
    for y in range(0, removal.shape[0], rows):
        keep = ~removal[y : y + rows]
        np.copyto(
            edited[y : y + rows], original[y : y + rows], where=keep if edited.ndim == 2 else keep[..., None]
        )
    return edited


def box_slices(box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    """The ``(rows, columns)`` slices of a box ``(x, y, w, h)``."""
    x, y, w, h = box
    return slice(y, y + h), slice(x, x + w)


def _context(box: tuple[int, int, int, int], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The crop box ``(x, y, w, h)`` around a block's box: CONTEXT times its size each side, at
    least MIN_CONTEXT px, clipped to the page of ``shape`` ``(H, W[, 3])``."""
    x, y, w, h = box
    pad_x, pad_y = max(MIN_CONTEXT, int(CONTEXT * w)), max(MIN_CONTEXT, int(CONTEXT * h))
    x0, y0 = max(x - pad_x, 0), max(y - pad_y, 0)
    return x0, y0, min(x + w + pad_x, shape[1]) - x0, min(y + h + pad_y, shape[0]) - y0


def _crops(
    boxes: list[tuple[int, int, int, int]], shape: tuple[int, ...], cell: int = 8
) -> list[tuple[int, int, int, int]]:
    """Merge overlapping boxes ``(x, y, w, h)`` into the bounding box of each overlapping group,
    found as connected components of the boxes drawn on a grid of ``cell`` px."""
    if not boxes:
        return []
    grid = np.zeros((-(-shape[0] // cell), -(-shape[1] // cell)), dtype=np.uint8)
    for x, y, w, h in boxes:
        grid[y // cell : -(-(y + h) // cell), x // cell : -(-(x + w) // cell)] = 1
    _, labels = cv2.connectedComponents(grid, connectivity=4)
    groups: dict[int, list[int]] = {}  # label -> [x0, y0, x1, y1]
    for x, y, w, h in boxes:
        bounds = groups.setdefault(int(labels[y // cell, x // cell]), [x, y, x + w, y + h])
        bounds[:] = [min(bounds[0], x), min(bounds[1], y), max(bounds[2], x + w), max(bounds[3], y + h)]
    return [(x0, y0, x1 - x0, y1 - y0) for x0, y0, x1, y1 in groups.values()]
