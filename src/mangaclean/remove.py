"""Erase text blocks: paint flat ones with their background colour, inpaint textured ones on a crop
around the block (with context), then composite so only mask pixels change."""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean import masks
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
        holes[_box_slices(region.box)] |= region.mask
    for y0, y1, x0, x1 in _crops([_context(region.box, pixels.shape) for region in regions], pixels.shape):
        for read, keep in tiles(y1 - y0, x1 - x0, MAX_CROP, TILE_OVERLAP):
            crop = pixels[y0:y1, x0:x1][read]
            hole = holes[y0:y1, x0:x1][read]
            if hole[keep].any():
                filled = inpainter.inpaint(crop.copy(), hole)
                crop[keep][hole[keep]] = filled[keep][hole[keep]]


def inpaint_mask(pixels: np.ndarray, hole: np.ndarray, inpainter: Inpainter) -> np.ndarray:
    """Inpaint every hole of a given mask on crops with context; returns the composited page.

    pixels: ``(H, W)`` / ``(H, W, 3)`` uint8; hole: ``(H, W)`` bool.
    """
    regions = []
    for (x, y, w, h), _ in masks.components(hole):
        mine = hole[y : y + h, x : x + w]
        regions.append(TextRegion((x, y, w, h), mine, "textured", None, stroke=0.0, margin=0, dark_text=True))
    out = pixels.copy()
    inpaint_blocks(out, regions, inpainter)
    return composite(pixels, out, hole)


def composite(original: np.ndarray, edited: np.ndarray, removal: np.ndarray) -> np.ndarray:
    """``edited`` with every pixel outside ``removal`` reset to ``original`` (the safety
    invariant: only removal pixels may change), in place; returns ``edited``."""
    keep = ~removal if edited.ndim == 2 else ~removal[..., None]
    np.copyto(edited, original, where=keep)
    return edited


def _box_slices(box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    x, y, w, h = box
    return slice(y, y + h), slice(x, x + w)


def _context(box: tuple[int, int, int, int], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The crop ``(y0, y1, x0, x1)`` around a block: CONTEXT times its size each side, at least
    MIN_CONTEXT px, clipped to the page."""
    x, y, w, h = box
    pad_x, pad_y = max(MIN_CONTEXT, int(CONTEXT * w)), max(MIN_CONTEXT, int(CONTEXT * h))
    return max(y - pad_y, 0), min(y + h + pad_y, shape[0]), max(x - pad_x, 0), min(x + w + pad_x, shape[1])


def _crops(windows: list[tuple[int, int, int, int]], shape: tuple[int, ...], cell: int = 8) -> list[tuple]:
    """Merge overlapping windows ``(y0, y1, x0, x1)`` into the bounding windows of each overlapping
    group, found as connected components of the windows drawn on a grid of ``cell`` px."""
    if not windows:
        return []
    grid = np.zeros((-(-shape[0] // cell), -(-shape[1] // cell)), dtype=np.uint8)
    for y0, y1, x0, x1 in windows:
        grid[y0 // cell : -(-y1 // cell), x0 // cell : -(-x1 // cell)] = 1
    _, labels = cv2.connectedComponents(grid, connectivity=4)
    groups: dict[int, list[int]] = {}
    for y0, y1, x0, x1 in windows:
        bounds = groups.setdefault(int(labels[y0 // cell, x0 // cell]), [y0, y1, x0, x1])
        bounds[:] = [min(bounds[0], y0), max(bounds[1], y1), min(bounds[2], x0), max(bounds[3], x1)]
    return [tuple(bounds) for bounds in groups.values()]
