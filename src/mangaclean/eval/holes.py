"""Inpainting test cases made from real pages and real glyph shapes.

A group of glyphs (one balloon's worth) is cut from the hand-made mask of page A, grown by the
margin text removal would erase around it (``maskops.margin_for`` of its stroke width), and placed
on page B where B has no text (B's mask grown ``CLEARANCE`` px is empty under the hole's box) and
the pixels under the hole and a 4 px band around it are textured (art, screentone: grey-level
std >= ``TEXTURED_STD``) or, for a separate small subset, plain paper (std <= ``PLAIN_STD`` and
bright). Those pixels are set to white as text removal would; the untouched B is the truth.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from mangaclean import maskops
from mangaclean.errors import ImageReadError, UsageError
from mangaclean.eval.metrics import grow
from mangaclean.io import as_gray, read_image, read_mask

log = logging.getLogger(__name__)

CLEARANCE = 15
LINK = 10  # glyphs closer than this (px) belong to the same group
MIN_GROUP_PIXELS = 80
GROUP_SIDE = (12, 256)  # a group's box sides must lie in this range (px)
BORDER = 16  # holes keep this far (px) from the page edge
TEXTURED_STD = 20.0
PLAIN_STD = 4.0
PLAIN_MIN_MEAN = 200.0
TRIES_PER_PAIR = 60
KINDS = ("textured", "plain")


@dataclass(frozen=True, eq=False)
class Case:
    """One hole: ``hole`` ``(h, w)`` bool placed with its top-left at ``(x, y)`` on ``target``."""

    source: str
    target: Path
    x: int
    y: int
    hole: np.ndarray
    kind: str

    def full_hole(self, shape: tuple[int, int]) -> np.ndarray:
        """The hole as a page-sized ``(H, W)`` bool mask."""
        out = np.zeros(shape, dtype=bool)
        h, w = self.hole.shape
        out[self.y : self.y + h, self.x : self.x + w] = self.hole
        return out

    def describe(self) -> dict:
        h, w = self.hole.shape
        return {
            "source": self.source,
            "target": self.target.name,
            "kind": self.kind,
            "x": self.x,
            "y": self.y,
            "w": w,
            "h": h,
            "pixels": int(self.hole.sum()),
        }


def glyph_groups(mask: np.ndarray) -> list[np.ndarray]:
    """Balloon-sized groups of a true mask ``(H, W)`` bool -> list of ``(h, w)`` bool removal holes."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        grow(mask, LINK).astype(np.uint8), connectivity=8
    )
    groups = []
    for index in range(1, count):
        x, y, w, h, _ = (int(v) for v in stats[index])
        glyphs = mask[y : y + h, x : x + w] & (labels[y : y + h, x : x + w] == index)
        if glyphs.sum() < MIN_GROUP_PIXELS or not GROUP_SIDE[0] <= min(w, h) <= max(w, h) <= GROUP_SIDE[1]:
            continue
        margin = maskops.margin_for(maskops.stroke_width(glyphs))
        padded = np.pad(glyphs, margin)
        groups.append(maskops.grow(padded, margin))
    return groups


def background_kind(gray: np.ndarray, around: np.ndarray) -> str | None:
    """``textured``, ``plain`` or None (neither: flat dark, faint texture) for the ``around`` pixels."""
    values = gray[around].astype(np.float64)
    std = float(values.std())
    if std >= TEXTURED_STD:
        return "textured"
    if std <= PLAIN_STD and float(values.mean()) >= PLAIN_MIN_MEAN:
        return "plain"
    return None


def place(hole: np.ndarray, gray: np.ndarray, forbidden: np.ndarray, wanted: set[str], rng) -> tuple:
    """Try random spots for ``hole`` on a page; return ``(x, y, kind)`` or None.

    gray: ``(H, W)`` uint8 page B; forbidden: ``(H, W)`` bool, B's text grown by ``CLEARANCE``.
    """
    h, w = hole.shape
    height, width = gray.shape
    if height - h - 2 * BORDER <= 0 or width - w - 2 * BORDER <= 0:
        return None
    around = grow(np.pad(hole, 4), 4)
    for _ in range(TRIES_PER_PAIR):
        y = int(rng.integers(BORDER, height - h - BORDER))
        x = int(rng.integers(BORDER, width - w - BORDER))
        if forbidden[y : y + h, x : x + w].any():
            continue
        kind = background_kind(gray[y - 4 : y + h + 4, x - 4 : x + w + 4], around)
        if kind in wanted:
            return x, y, kind
    return None


def build_cases(
    pairs: list[tuple[Path, Path]], counts: dict[str, int], rng: np.random.Generator, max_rounds: int = 0
) -> list[Case]:
    """``counts[kind]`` cases of each kind from ``(image, true mask)`` pairs (at least two pages)."""
    if len(pairs) < 2:
        raise UsageError("the inpainting benchmark needs at least two pages with masks")
    cases: list[Case] = []
    need = {kind: n for kind, n in counts.items() if n > 0}
    for _ in range(max_rounds or 40 * (sum(need.values()) + 1)):
        if not need:
            break
        a, b = rng.choice(len(pairs), size=2, replace=False)
        try:
            groups = glyph_groups(read_mask(pairs[a][1]))
            target = read_image(pairs[b][0]).pixels
            forbidden = grow(read_mask(pairs[b][1], target.shape[:2]), CLEARANCE)
        except ImageReadError as exc:
            log.warning("%s", exc)
            continue
        if not groups:
            continue
        hole = groups[int(rng.integers(len(groups)))]
        spot = place(hole, as_gray(target), forbidden, set(need), rng)
        if spot is None:
            continue
        x, y, kind = spot
        cases.append(Case(pairs[a][0].stem, pairs[b][0], x, y, hole, kind))
        need[kind] -= 1
        if need[kind] == 0:
            del need[kind]
    if need:
        log.warning("could only build %d holes; missing %s", len(cases), need)
    return cases
