"""Text blocks: glyph pixels grouped into a balloon's worth, each with its removal mask and the
kind of background around it (flat paper or balloon -> fill; art or screentone -> inpaint)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from mangaclean import maskops

# The ring just outside a block's removal pixels that decides flat (``maskops.is_flat``) or not.
RING_WIDTH = 3
# A flat block also repaints the paper-coloured pixels up to this many px beyond its removal
# pixels (within FLAT_TOLERANCE of the fill): JPEG ringing around the erased glyphs would
# otherwise stay as a faint outline of the text on the flat fill.
HALO = 4
# Dark areas outside a flat block that a disk of this radius fits in are art masses (hair, a black
# panel), not lines (outlines, hatching): text lettered over them is inpainted, not painted.
ART_LINE = 3
# Printed colour paper (old comics: halftone dots, paper grain) is not flat pixel by pixel. A ring
# whose median has at least MIN_CHROMA levels between its channels (grey pages keep the strict
# test: screentone and hatching are art), at most MAX_INK_SHARE of it ink (MIN_CONTRAST darker
# than the median: a balloon outline) and the rest within MAX_GRAIN levels of spread (a median
# absolute deviation) is paper when, averaged over GRAIN px, PRINTED_FLAT_SHARE of its non-ink
# pixels are flat; off-colour masses nearby (a caption box, art) are still inpainted (``_on_art``).
GRAIN = 5
MAX_GRAIN = 12
MIN_CHROMA = 12
MAX_INK_SHARE = 0.25
PRINTED_FLAT_SHARE = 0.75
# With --scope balloons a block is erased when at least this share of its pixels is on flat paper.
BALLOON_SHARE = 0.5
# ... and so is a block next to such a one whose strokes are within this factor of its strokes.
ALIKE_STROKE = 1.5


@dataclass(frozen=True)
class TextRegion:
    """One text block.

    box: ``(x, y, w, h)`` of its removal pixels in page coordinates.
    mask: ``(h, w)`` bool, its own removal pixels inside ``box`` (neighbours' excluded).
    background: ``"flat"`` or ``"textured"``; fill: the flat colour (1 or 3 values) or None.
    stroke: typical glyph stroke width in px; margin: removal margin in px (offset included).
    dark_text: glyphs darker than their background (False: white text on dark).
    block: index of the group of glyphs it belongs to (a block on paper lettered partly over
    art is two regions of one block).
    """

    box: tuple[int, int, int, int]
    mask: np.ndarray = field(repr=False)
    background: str
    fill: tuple[int, ...] | None
    stroke: float
    margin: int
    dark_text: bool
    block: int = 0


@dataclass(frozen=True)
class Block:
    """A group of glyphs with its removal pixels, before its background is known.

    window: ``(rows, columns)`` slices of the page around it, with room for the margins.
    removal: ``(h, w)`` bool, its own removal pixels in the window.
    stroke: typical glyph stroke width in px; margin: removal margin in px (offset included).
    rule: how its glyphs separate from their background, or None (too little contrast).
    """

    window: tuple[slice, slice]
    removal: np.ndarray = field(repr=False)
    stroke: float
    margin: int
    rule: maskops.Binarisation | None


def find_regions(
    pixels: np.ndarray, gray: np.ndarray, tight: np.ndarray, offset: int = 0
) -> tuple[list[TextRegion], np.ndarray]:
    """Group the tight mask into blocks and build the page's removal mask.

    pixels: ``(H, W)`` or ``(H, W, 3)`` uint8 page; gray: ``(H, W)`` uint8; tight: ``(H, W)`` bool.
    offset: user margin offset in px (``--dilate``), may be negative.
    returns: the regions and the removal mask ``(H, W)`` bool.
    """
    blocks, removal = measure_blocks(gray, tight, offset)
    return _split(pixels, blocks, removal), removal


def regions_of_removal(pixels: np.ndarray, removal: np.ndarray) -> tuple[list[TextRegion], np.ndarray]:
    """The text blocks of a given removal mask (one a user drew or edited), taken as it is: no
    margin added, only the paper halo around flat parts (so no anti-aliased ghost is left).

    pixels: ``(H, W)`` or ``(H, W, 3)`` uint8 page; removal: ``(H, W)`` bool.
    returns: the regions and the removal mask ``(H, W)`` bool (the given one plus the halos).
    """
    blocks = [
        Block(window, pixels_in, maskops.stroke_width(pixels_in), 0, None)
        for window, pixels_in in group_glyphs(removal)
    ]
    removal = removal.copy()
    return _split(pixels, blocks, removal), removal


def balloon_text(regions: list[TextRegion], shape: tuple[int, int]) -> tuple[list[TextRegion], np.ndarray]:
    """Only the blocks lettered on a flat background (balloons, captions, narration boxes), each
    whole: a block counts when most of its pixels lie on flat paper, and then its parts over art
    go with it; so does a block lettered alike right next to one (the last glyph of a column
    that touches the balloon's edge), so a sentence is never erased in pieces.

    returns: the kept regions and their removal mask, ``shape`` bool.
    """
    blocks: dict[int, list[TextRegion]] = {}
    for region in regions:
        blocks.setdefault(region.block, []).append(region)
    flat = {index: _flat_share(parts) >= BALLOON_SHARE for index, parts in blocks.items()}
    anchors = [parts for index, parts in blocks.items() if flat[index]]
    kept = [
        region
        for index, parts in blocks.items()
        if flat[index] or any(_alike_and_near(parts, anchor) for anchor in anchors)
        for region in parts
    ]
    removal = np.zeros(shape, dtype=bool)
    for region in kept:
        x, y, w, h = region.box
        removal[y : y + h, x : x + w] |= region.mask
    return kept, removal


def _flat_share(parts: list[TextRegion]) -> float:
    sizes = [(int(p.mask.sum()), p.background == "flat") for p in parts]
    return sum(n for n, flat in sizes if flat) / max(sum(n for n, _ in sizes), 1)


def _alike_and_near(parts: list[TextRegion], anchor: list[TextRegion]) -> bool:
    """Whether a block's strokes are as thick as the anchor block's and its box lies within
    three strokes of it."""
    stroke, other = parts[0].stroke, anchor[0].stroke
    if not (other > 0 and 1 / ALIKE_STROKE <= stroke / other <= ALIKE_STROKE):
        return False
    (x0, y0, x1, y1), (a0, b0, a1, b1) = _extent(parts), _extent(anchor)
    gap = max(a0 - x1, x0 - a1, b0 - y1, y0 - b1, 0)
    return gap <= 3 * other + anchor[0].margin


def _extent(parts: list[TextRegion]) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` around every part of a block."""
    boxes = [p.box for p in parts]
    return (
        min(x for x, _, _, _ in boxes),
        min(y for _, y, _, _ in boxes),
        max(x + w for x, _, w, _ in boxes),
        max(y + h for _, y, _, h in boxes),
    )


def _split(pixels: np.ndarray, blocks: list[Block], removal: np.ndarray) -> list[TextRegion]:
    regions = []
    for index, block in enumerate(blocks):  # in page order: a block sees its predecessors' pixels
        for part, colour in split_by_background(pixels, block, removal):
            if part.any():
                regions.append(_region(block, part, colour, index))
    return regions


def measure_blocks(gray: np.ndarray, tight: np.ndarray, offset: int = 0) -> tuple[list[Block], np.ndarray]:
    """Every group of glyphs with its binarisation, stroke width, margin and removal pixels.

    gray: ``(H, W)`` uint8; tight: ``(H, W)`` bool glyph pixels; offset: user margin offset (px).
    returns: the blocks that erase something, and the union of their removal pixels ``(H, W)`` bool.
    """
    removal = np.zeros_like(tight)
    blocks = []
    for window, glyphs in group_glyphs(tight):
        rule = _block_rule(gray[window], glyphs)
        stroke = maskops.stroke_width(glyphs)
        margin = maskops.margin_for(stroke, offset)
        mine = maskops.removal_mask(gray[window], glyphs, margin, rule)
        removal[window] |= mine
        if mine.any():
            blocks.append(Block(window, mine, stroke, margin, rule))
    return blocks, removal


def split_by_background(
    pixels: np.ndarray, block: Block, removal: np.ndarray
) -> list[tuple[np.ndarray, tuple[int, ...] | None]]:
    """The block's removal pixels as ``(part, fill colour or None)``: the whole block, textured
    (None), unless the ring around it is flat; then the part on paper with its colour (plus the
    paper halo around it) and the part lettered over art, textured.

    pixels: ``(H, W)`` / ``(H, W, 3)`` uint8 page; removal: ``(H, W)`` bool, every block's removal
    pixels, grown in place by what the flat parts add. Parts are ``(h, w)`` bool in the window.
    """
    window, mine = block.window, block.removal
    fill = _paper_colour(pixels[window], mine, removal[window])
    if fill is None:
        return [(mine, None)]
    off = _off_fill(pixels[window], fill)
    on_art = _on_art(off, mine, removal[window])
    paper = mine & ~on_art
    paper |= _paper_halo(off, paper, removal[window] | on_art)
    removal[window] |= paper | on_art
    return [(paper, fill), (on_art, None)]


def group_glyphs(tight: np.ndarray) -> Iterator[tuple[tuple[slice, slice], np.ndarray]]:
    """Yield ``(window, glyphs)`` per group of glyphs (about a balloon's worth): the window has room
    for the margins, ``glyphs`` is ``(h, w)`` bool, the group's own pixels of ``tight`` in it."""
    height = _glyph_height(tight)
    link = int(np.clip(0.6 * height, 3, 40))
    groups = maskops.grow(tight, link)
    pad = 8 + RING_WIDTH + 2
    for (x, y, w, h), (px, py) in maskops.components(groups):
        y0, x0 = max(y - pad, 0), max(x - pad, 0)
        window = (
            slice(y0, min(y + h + pad, tight.shape[0])),
            slice(x0, min(x + w + pad, tight.shape[1])),
        )
        _, labels = cv2.connectedComponents(groups[window].view(np.uint8), connectivity=8)
        glyphs = tight[window] & (labels == labels[py - y0, px - x0])
        if glyphs.any():
            yield window, glyphs


def _region(block: Block, part: np.ndarray, colour: tuple[int, ...] | None, index: int) -> TextRegion:
    """The text region of one part ``(h, w)`` bool (not empty) of a block's window."""
    x, y, w, h = bounding_box(part)
    return TextRegion(
        box=(block.window[1].start + x, block.window[0].start + y, w, h),
        mask=part[y : y + h, x : x + w],
        background="flat" if colour else "textured",
        fill=colour,
        stroke=block.stroke,
        margin=block.margin,
        dark_text=block.rule.dark_text if block.rule else True,
        block=index,
    )


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """``(x, y, w, h)`` of the True pixels of a non-empty ``(H, W)`` bool mask."""
    ys, xs = np.nonzero(mask)
    x, y = int(xs.min()), int(ys.min())
    return x, y, int(xs.max()) + 1 - x, int(ys.max()) + 1 - y


def _glyph_height(tight: np.ndarray) -> float:
    heights = [box[3] for box, _ in maskops.components(tight)]
    return float(np.median(heights)) if heights else 0.0


def _block_rule(gray: np.ndarray, block: np.ndarray) -> maskops.Binarisation | None:
    return maskops.binarise_block(gray, block, maskops.grow(block, 4) & ~maskops.grow(block, 1))


def _flat_colour(pixels: np.ndarray, mine: np.ndarray, removal: np.ndarray) -> tuple[int, ...] | None:
    """The block's background colour if the ring just outside its removal pixels is uniform.

    pixels: the block's window of the page; mine: its own removal pixels; removal: every
    block's removal pixels in the window (never part of the ring).
    """
    values = pixels[maskops.grow(mine, RING_WIDTH) & ~removal]
    if not maskops.is_flat(values):
        return None
    return tuple(int(round(v)) for v in np.median(values.reshape(values.shape[0], -1), axis=0))


def _paper_colour(pixels: np.ndarray, mine: np.ndarray, removal: np.ndarray) -> tuple[int, ...] | None:
    """The block's paper colour (flat, or printed: averaged over GRAIN px), or None when the
    background is not paper.

    pixels: the block's window ``(h, w)`` / ``(h, w, 3)`` uint8; mine, removal: ``(h, w)`` bool.
    """
    fill = _flat_colour(pixels, mine, removal)
    if fill:
        return fill
    ring = maskops.grow(mine, RING_WIDTH) & ~removal
    if pixels.ndim == 2 or ring.sum() < 8:
        return None
    values = pixels[ring].astype(np.int16)
    median = np.median(values, axis=0)
    luma = values.mean(axis=1)
    ink = luma < median.mean() - maskops.MIN_CONTRAST
    paper = values[~ink]
    if np.ptp(median) < MIN_CHROMA or ink.mean() > MAX_INK_SHARE:
        return None
    if np.median(np.abs(paper - np.median(paper, axis=0)), axis=0).max() > MAX_GRAIN:
        return None
    inked = np.zeros_like(ring)
    inked[ring] = ink
    smooth = _average_known(pixels, ~removal & ~inked)
    flat = smooth[ring & ~inked]
    if not maskops.is_flat(flat, PRINTED_FLAT_SHARE):
        return None
    return tuple(int(round(v)) for v in np.median(flat, axis=0))


def _average_known(pixels: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``pixels`` ``(h, w)`` / ``(h, w, 3)`` uint8 averaged over GRAIN x GRAIN px, counting only
    the ``known`` ``(h, w)`` bool pixels (the text being erased never darkens the paper)."""
    weight = cv2.blur(known.astype(np.float32), (GRAIN, GRAIN))
    values = pixels.astype(np.float32) * (known if pixels.ndim == 2 else known[..., None])
    total = cv2.blur(values, (GRAIN, GRAIN))
    total = total if pixels.ndim == 2 else total.reshape(pixels.shape)
    scale = np.where(weight > 0, 1.0 / np.maximum(weight, 1e-6), 0.0)
    out = total * (scale if pixels.ndim == 2 else scale[..., None])
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


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
    art = maskops.grow(maskops.grow((off > maskops.FLAT_TOLERANCE) & ~removal, -ART_LINE), ART_LINE)
    if not art.any():
        return np.zeros_like(mine)
    light = (off <= maskops.FLAT_TOLERANCE) & ~removal
    paper = maskops.grow(maskops.grow(light, -ART_LINE), ART_LINE)
    to_art = cv2.distanceTransform((~art).view(np.uint8), cv2.DIST_L2, 3)
    to_paper = cv2.distanceTransform((~paper).view(np.uint8), cv2.DIST_L2, 3)
    border = maskops.grow(mine, HALO) & light & ~paper  # the lettering's white border over the art
    return (mine | border) & (to_art < to_paper)


def _paper_halo(off: np.ndarray, mine: np.ndarray, removal: np.ndarray) -> np.ndarray:
    """Pixels within HALO px of a flat block's removal pixels, outside every block's, that are
    within FLAT_TOLERANCE of its fill colour in every channel (paper with compression noise) and
    more than RING_WIDTH px from any ink left on the page (a balloon outline keeps its
    anti-aliased edge). off: ``_off_fill`` of the window; all ``(h, w)``; returns bool."""
    ink = (off >= maskops.MIN_CONTRAST) & ~removal
    paper = (off <= maskops.FLAT_TOLERANCE) & ~maskops.grow(ink, RING_WIDTH)
    return maskops.grow(mine, HALO) & ~removal & paper
