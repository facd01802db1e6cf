"""From a text probability map to the glyph pixels (tight mask) and the pixels to erase (removal mask).

The network (or classical detector) says roughly where text is; inside each text block the
glyph pixels are then separated from the local background by binarisation (Otsu in the block's
crop), as every good peer does after its network. The removal mask (``regions.py``) then grows
the glyphs by a margin scaled to their stroke width plus a user offset, so anti-aliased edges
leave no ghost, while ink that belongs to the art (a balloon outline next to a glyph) is
protected. The mask helpers both stages share are in ``maskops.py``.
"""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.maskops import binarise_block, components, grow, is_flat, probability_level

# On paper, an unpredicted ink mark enclosed in a block is lettering if it is at most this many
# times the size of the block's glyphs, or DASH_SIZE times if it is a thin bar (a long dash "――").
MARK_SIZE = 1.5
DASH_SIZE = 4.0
# ...and the block is on paper if the background side of the ring around the prediction is flat
# and at most this share of the ring is ink (glyph parts the prediction missed, an outline).
MAX_RING_INK = 0.35
# A block whose glyph side is light is outlined dark text (white-bordered lettering over art) when
# the dark pixels its light components enclose are at least this share of their area: plain white
# text encloses only its counters (a small share), a thin white border encloses the dark strokes
# themselves (usually a larger one); the cut lies between the two on rendered Japanese and Latin.
OUTLINED_SHARE = 0.35


def refine_text_mask(
    gray: np.ndarray, probability: np.ndarray, threshold: float = 0.5, reach: int = 2
) -> np.ndarray:
    """The tight text mask: glyph pixels of each predicted block.

    gray: ``(H, W)`` uint8 page; probability: ``(H, W)`` uint8, text probability x 255.
    reach: how far (px) glyph pixels may extend beyond the prediction.
    returns: ``(H, W)`` bool.
    """
    coarse = probability >= probability_level(threshold)
    tight = np.zeros_like(coarse)
    # Room around a block for marks the prediction skipped (a long-vowel bar between two glyphs
    # splits a column in two): about one glyph, the typical thickness of a predicted text line.
    lines = [min(w, h) for (_, _, w, h), _ in components(coarse)]
    pad = 4 + int(min(np.median(lines), 40)) if lines else 4
    for (x, y, w, h), _ in components(grow(coarse, 6)):
        x0, y0 = max(x - pad, 0), max(y - pad, 0)
        x1, y1 = min(x + w + pad, gray.shape[1]), min(y + h + pad, gray.shape[0])
        window = (slice(y0, y1), slice(x0, x1))
        crop, pred = gray[window], coarse[window]
        near = grow(pred, reach)
        around = grow(pred, reach + 3) & ~near
        rule = binarise_block(crop, pred, around)
        if rule is None:
            tight[window] |= pred
            continue
        ink = rule.ink(crop)
        on_paper = around.any() and ink[around].mean() <= MAX_RING_INK and is_flat(crop[around & ~ink])
        glyphs = _glyph_pixels(ink, pred, near, on_paper)
        if not rule.dark_text:
            glyphs |= _outlined_strokes(glyphs)
        tight[window] |= glyphs
    return tight


def _glyph_pixels(ink: np.ndarray, pred: np.ndarray, near: np.ndarray, on_paper: bool) -> np.ndarray:
    """Ink pixels of a block that belong to glyphs.

    A connected ink component lying mostly inside the prediction is a glyph: keep it up to
    ``near`` (its anti-aliased edge may stick out of the prediction), or whole on paper when it is
    glyph-sized (a bold glyph the network only partly covered; the rest would be left as a ghost
    beside the erased text). One lying mostly outside (a balloon outline, a dark background the
    prediction spills onto) is art: keep only its predicted pixels, never grow into it. On paper
    (a balloon), a small ink component enclosed in the block (not reaching its edge) is lettering
    the network missed or only grazed: a long-vowel bar, a dash (up to DASH_SIZE glyphs long), an
    exclamation mark, the rest of a glyph. It is a glyph too, unless there are more of them than
    glyphs (a texture). All ``(h, w)`` bool.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    inside = np.bincount(labels[pred], minlength=count)
    owned = inside >= 0.5 * stats[:, cv2.CC_STAT_AREA]
    owned[0] = False
    glyphs = (owned[labels] & near) | (ink & pred)
    if on_paper and owned.any():
        x, y, w, h = (stats[:, i] for i in range(4))
        enclosed = (x > 0) & (y > 0) & (x + w < ink.shape[1]) & (y + h < ink.shape[0])
        size = np.maximum(w, h)
        glyph = np.percentile(size[owned], 90)  # about one glyph: strokes and furigana are smaller
        whole = owned & (size <= MARK_SIZE * glyph)
        glyphs |= whole[labels]
        thin = np.minimum(w, h) <= 0.25 * glyph
        marks = enclosed & ~owned & (size >= 2) & (size <= np.where(thin, DASH_SIZE, MARK_SIZE) * glyph)
        marks[0] = False
        if marks.sum() <= max(4, owned.sum()):  # more marks than glyphs: a texture, not lettering
            glyphs |= marks[labels]
    return glyphs


def _outlined_strokes(light: np.ndarray) -> np.ndarray:
    """The dark glyph strokes of outlined lettering: the pixels that the light glyph side
    ``light`` ``(h, w)`` bool encloses, if they are at least OUTLINED_SHARE of its area (the
    glyphs are dark inside a light border, so the whole lettering is border plus strokes);
    otherwise none (plain white text: the enclosed pixels are its counters)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((~light).astype(np.uint8), connectivity=4)
    x, y, w, h, area = (stats[:, i] for i in range(5))
    enclosed = (x > 0) & (y > 0) & (x + w < light.shape[1]) & (y + h < light.shape[0])
    enclosed[0] = False  # label 0: the light pixels themselves
    if area[enclosed].sum() < OUTLINED_SHARE * max(int(light.sum()), 1):
        return np.zeros_like(light)
    return enclosed[labels]
