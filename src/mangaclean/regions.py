"""Text blocks: glyph pixels grouped into a balloon's worth, each with its removal mask and the
kind of background around it (flat paper or balloon -> fill; art or screentone -> inpaint)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mangaclean import masks

# The ring just outside a block's removal pixels that decides flat (``masks.is_flat``) or not.
RING_WIDTH = 3
# A flat block also repaints the paper-coloured pixels up to this many px beyond its removal
# pixels (within FLAT_TOLERANCE of the fill): JPEG ringing around the erased glyphs would
# otherwise stay as a faint outline of the text on the flat fill.
HALO = 4
# Dark areas outside a flat block that a disk of this radius fits in are art masses (hair, a black
# panel), not lines (outlines, hatching): text lettered over them is inpainted, not painted.
ART_LINE = 3


@dataclass(frozen=True)
class TextRegion:
    """One text block.

    box: ``(x, y, w, h)`` of its removal pixels in page coordinates.
    mask: ``(h, w)`` bool, its own removal pixels inside ``box`` (neighbours' excluded).
    background: ``"flat"`` or ``"textured"``; fill: the flat colour (1 or 3 values) or None.
    stroke: typical glyph stroke width in px; margin: removal margin in px (offset included).
    dark_text: glyphs darker than their background (False: white text on dark).
    """

    box: tuple[int, int, int, int]
    mask: np.ndarray
    background: str
    fill: tuple[int, ...] | None
    stroke: float
    margin: int
    dark_text: bool


def find_regions(
    pixels: np.ndarray, gray: np.ndarray, tight: np.ndarray, offset: int = 0
) -> tuple[list[TextRegion], np.ndarray]:
    """Group the tight mask into blocks and build the page's removal mask.

    pixels: ``(H, W)`` or ``(H, W, 3)`` uint8 page; gray: ``(H, W)`` uint8; tight: ``(H, W)`` bool.
    offset: user margin offset in px (``--dilate``), may be negative.
    returns: the regions and the removal mask ``(H, W)`` bool.
    """
    removal = np.zeros_like(tight)
    grouped = []
    for window, block in _blocks(tight):
        rule = _block_rule(gray[window], block)
        stroke = masks.stroke_width(block)
        margin = masks.margin_for(stroke, offset)
        mine = masks.removal_mask(gray[window], block, margin, rule)
        removal[window] |= mine
        if mine.any():
            grouped.append((window, mine, stroke, margin, rule))
    regions = []
    for window, mine, stroke, margin, rule in grouped:
        fill = _flat_colour(pixels[window], mine, removal[window])
        parts = [(mine, None)]
        if fill:
            off = _off_fill(pixels[window], fill)
            on_art = _on_art(off, mine, removal[window])
            paper = mine & ~on_art
            paper |= _paper_halo(off, paper, removal[window] | on_art)
            removal[window] |= paper | on_art
            parts = [(paper, fill), (on_art, None)]
        for part, colour in parts:
            if not part.any():
                continue
            ys, xs = np.nonzero(part)
            y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
            regions.append(
                TextRegion(
                    box=(window[1].start + x0, window[0].start + y0, x1 - x0, y1 - y0),
                    mask=part[y0:y1, x0:x1],
                    background="flat" if colour else "textured",
                    fill=colour,
                    stroke=stroke,
                    margin=margin,
                    dark_text=rule.dark_text if rule else True,
                )
            )
    return regions, removal


def _blocks(tight: np.ndarray):
    """Yield ``(window, block_mask)`` per group of glyphs; the window has room for the margins."""
    height = _glyph_height(tight)
    link = int(np.clip(0.6 * height, 3, 40))
    groups = masks.grow(tight, link)
    pad = 8 + RING_WIDTH + 2
    for (x, y, w, h), (px, py) in masks.components(groups):
        y0, x0 = max(y - pad, 0), max(x - pad, 0)
        window = (
            slice(y0, min(y + h + pad, tight.shape[0])),
            slice(x0, min(x + w + pad, tight.shape[1])),
        )
        _, labels = cv2.connectedComponents(groups[window].view(np.uint8), connectivity=8)
        block = tight[window] & (labels == labels[py - y0, px - x0])
        if block.any():
            yield window, block


def _glyph_height(tight: np.ndarray) -> float:
    heights = [box[3] for box, _ in masks.components(tight)]
    return float(np.median(heights)) if heights else 0.0


def _block_rule(gray: np.ndarray, block: np.ndarray) -> masks.Binarisation | None:
    return masks.binarise_block(gray, block, masks.grow(block, 4) & ~masks.grow(block, 1))


def _flat_colour(pixels: np.ndarray, mine: np.ndarray, removal: np.ndarray) -> tuple[int, ...] | None:
    """The block's background colour if the ring just outside its removal pixels is uniform.

    pixels: the block's window of the page; mine: its own removal pixels; removal: every
    block's removal pixels in the window (never part of the ring).
    """
    values = pixels[masks.grow(mine, RING_WIDTH) & ~removal]
    if not masks.is_flat(values):
        return None
    return tuple(int(round(v)) for v in np.median(values.reshape(values.shape[0], -1), axis=0))


def _off_fill(pixels: np.ndarray, fill: tuple[int, ...]) -> np.ndarray:
    """How far each pixel of ``pixels`` ``(h, w)`` / ``(h, w, 3)`` is from ``fill``: ``(h, w)``
    int16, the largest channel difference."""
    values = pixels.reshape(*pixels.shape[:2], -1).astype(np.int16)
    return np.abs(values - np.array(fill, np.int16)[: values.shape[2]]).max(axis=2)


def _on_art(off: np.ndarray, mine: np.ndarray, removal: np.ndarray) -> np.ndarray:
    """The removal pixels of a flat block that lie over art: nearer to a dark mass outside the
    removal mask (hair, a black panel: a disk of radius ART_LINE fits in it; outlines and
    hatching are thinner) than to a paper mass (the same; a white border around lettering over
    the art is thinner), with the thin light pixels within HALO px of them (that white border).
    Text lettered across a balloon's edge onto the art gets those inpainted instead of painted
    with the paper colour. off: ``_off_fill`` of the window; all ``(h, w)``; returns bool."""
    art = masks.grow(masks.grow((off > masks.FLAT_TOLERANCE) & ~removal, -ART_LINE), ART_LINE)
    if not art.any():
        return np.zeros_like(mine)
    light = (off <= masks.FLAT_TOLERANCE) & ~removal
    paper = masks.grow(masks.grow(light, -ART_LINE), ART_LINE)
    to_art = cv2.distanceTransform((~art).view(np.uint8), cv2.DIST_L2, 3)
    to_paper = cv2.distanceTransform((~paper).view(np.uint8), cv2.DIST_L2, 3)
    border = masks.grow(mine, HALO) & light & ~paper  # the lettering's white border over the art
    return (mine | border) & (to_art < to_paper)


def _paper_halo(off: np.ndarray, mine: np.ndarray, removal: np.ndarray) -> np.ndarray:
    """Pixels within HALO px of a flat block's removal pixels, outside every block's, that are
    within FLAT_TOLERANCE of its fill colour in every channel (paper with compression noise) and
    more than RING_WIDTH px from any ink left on the page (a balloon outline keeps its
    anti-aliased edge). off: ``_off_fill`` of the window; all ``(h, w)``; returns bool."""
    ink = (off >= masks.MIN_CONTRAST) & ~removal
    return masks.grow(mine, HALO) & ~removal & (off <= masks.FLAT_TOLERANCE) & ~masks.grow(ink, RING_WIDTH)
