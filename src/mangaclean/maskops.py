"""Small pure functions on masks, the toolbox that the refine (``masks.py``) and grouping
(``regions.py``) stages call down into: morphology, connected components, a block's binarisation,
stroke width and the removal margin.

Masks are ``(H, W)`` bool, pages ``(H, W)`` uint8 grey unless said otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# A block's binarisation is trusted only if its two classes differ by at least this many levels.
MIN_CONTRAST = 40
# A background is flat when this share of its pixels is within FLAT_TOLERANCE grey levels of their
# median colour.
FLAT_SHARE = 0.92
FLAT_TOLERANCE = 20


@dataclass(frozen=True)
class Binarisation:
    """How glyphs separate from their background in one block: ink darker (or lighter) than ``level``."""

    level: int
    dark_text: bool

    def ink(self, gray: np.ndarray) -> np.ndarray:
        """``(H, W)`` uint8 -> ``(H, W)`` bool, True where the pixel is on the glyph side."""
        return gray <= self.level if self.dark_text else gray > self.level


def disk(radius: int) -> np.ndarray:
    """Elliptical structuring element of the given radius (``2r+1`` square)."""
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def grow(mask: np.ndarray, radius: int) -> np.ndarray:
    """Dilate (radius > 0) or erode (radius < 0) a bool mask by a disk."""
    if radius == 0:
        return mask.copy()
    op = cv2.dilate if radius > 0 else cv2.erode
    return op(np.asarray(mask, dtype=bool).view(np.uint8), disk(abs(radius))).view(bool)  # no copies


def binarise_block(gray: np.ndarray, coarse: np.ndarray, around: np.ndarray) -> Binarisation | None:
    """Find the block's glyph side with Otsu, or None when the block has too little contrast.

    gray: ``(h, w)`` uint8 crop; coarse: ``(h, w)`` bool predicted text; around: ``(h, w)`` bool
    pixels near (not in) the prediction, used to tell which side is the background.
    """
    inside = gray[coarse | around]
    if inside.size < 16:
        return None
    level, _ = cv2.threshold(inside.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    level = int(level)
    dark, light = inside[inside <= level], inside[inside > level]
    if dark.size == 0 or light.size == 0 or float(light.mean() - dark.mean()) < MIN_CONTRAST:
        return None
    dark_in_text = float((gray[coarse] <= level).mean()) if coarse.any() else 0.0
    dark_around = float((gray[around] <= level).mean()) if around.any() else 0.5
    return Binarisation(level, dark_text=dark_in_text >= dark_around)


def glyphs_in_box(gray: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Glyph pixels of one detected box by Otsu: the side that is the minority inside the box.

    gray: ``(h, w)`` uint8 crop; inside: ``(h, w)`` bool, the box's polygon. returns ``(h, w)`` bool.
    """
    values = gray[inside]
    if values.size < 4 or int(values.max()) == int(values.min()):
        return np.zeros_like(inside)
    level, _ = cv2.threshold(values.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = (gray <= level) & inside
    dark_share = np.count_nonzero(dark) / values.size
    return dark if dark_share <= 0.5 else (inside & ~dark)


def regions_to_glyphs(gray: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Glyph pixels of text regions (e.g. detected lines) by ``glyphs_in_box`` in each
    8-connected region. gray: ``(H, W)`` uint8; regions: ``(H, W)`` bool. returns ``(H, W)`` bool."""
    out = np.zeros(regions.shape, bool)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(regions.view(np.uint8), connectivity=8)
    for index in range(1, count):
        x, y, w, h, _ = stats[index]
        window = (slice(y, y + h), slice(x, x + w))
        out[window] |= glyphs_in_box(gray[window], labels[window] == index)
    return out


def probability_level(threshold: float) -> int:
    """The uint8 probability (0-255 scale) at or above which a pixel counts as text."""
    return max(1, round(threshold * 255))


def components(mask: np.ndarray) -> list[tuple[tuple[int, int, int, int], tuple[int, int]]]:
    """The 8-connected components of a bool mask ``(H, W)``: ``((x, y, w, h), (px, py))`` each,
    a bounding box and one pixel of the component.

    Found from their outer contours, so no ``(H, W)`` int32 label image is ever made (192 MB on
    a 6000x8000 scan): memory stays proportional to the components' outlines.
    """
    contours, hierarchy = cv2.findContours(
        np.asarray(mask, dtype=bool).view(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    if hierarchy is None:
        return []
    outer = [c for c, h in zip(contours, hierarchy[0], strict=True) if h[3] < 0]  # holes have a parent
    return [(cv2.boundingRect(c), (int(c[0, 0, 0]), int(c[0, 0, 1]))) for c in outer]


def is_flat(values: np.ndarray, share: float = FLAT_SHARE) -> bool:
    """Whether pixel values ``(N,)`` or ``(N, C)`` are one flat colour (paper, a balloon): at least
    ``share`` of them within FLAT_TOLERANCE levels of their median, in every channel."""
    if values.shape[0] < 8:
        return False
    values = values.reshape(values.shape[0], -1)
    deviation = np.abs(values.astype(np.int16) - np.median(values, axis=0)).max(axis=1)
    return float((deviation <= FLAT_TOLERANCE).mean()) >= share


def stroke_width(tight: np.ndarray) -> float:
    """Typical stroke width (px) of the glyph pixels in ``tight`` ``(h, w)`` bool; 0 if empty."""
    if not tight.any():
        return 0.0
    framed = cv2.copyMakeBorder(tight.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    distance = cv2.distanceTransform(framed, cv2.DIST_L2, 3)  # framed: a full mask has an edge too
    ridge = distance[(distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3))))]
    return float(2.0 * np.median(ridge)) if ridge.size else 1.0


def margin_for(stroke: float, offset: int = 0) -> int:
    """Removal margin (px) for glyphs of the given stroke width, plus the user's offset."""
    return int(np.clip(round(0.35 * stroke + 1.5), 2, 8)) + offset


def removal_mask(gray: np.ndarray, tight: np.ndarray, margin: int, rule: Binarisation | None) -> np.ndarray:
    """Pixels to erase for one block: glyphs grown by ``margin`` (shrunk if negative), minus
    ink that lies further than 1 px from any glyph (art next to the text, e.g. a balloon outline).

    gray, tight: ``(h, w)`` crop; returns ``(h, w)`` bool.
    """
    grown = grow(tight, margin)
    if rule is None or margin <= 1:
        return grown
    foreign_ink = rule.ink(gray) & ~grow(tight, 1)
    return grown & ~foreign_ink
