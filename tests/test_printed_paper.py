"""Printed colour paper (halftone dots, grain) behind lettering is paper: filled with its colour."""

import cv2
import numpy as np

from mangaclean import regions
from mangaclean.io import as_gray


def _lettered(paper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dark strokes of a few glyphs on ``paper`` ``(H, W[, 3])`` uint8 -> (page, tight mask)."""
    tight = np.zeros(paper.shape[:2], np.uint8)
    for x in (40, 70, 100):
        cv2.line(tight, (x, 30), (x, 70), 1, 3)
        cv2.line(tight, (x - 10, 50), (x + 10, 50), 1, 3)
    page = paper.copy()
    page[tight.astype(bool)] = 20
    return page, tight.astype(bool)


def _halftone(shape: tuple[int, int], dot: tuple[int, int, int], base: tuple[int, int, int]) -> np.ndarray:
    """A fine dot screen of ``dot`` on ``base``, ``(h, w, 3)`` uint8, with a little noise."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    dots = ((yy % 4) < 2) & ((xx % 4) < 2)  # a quarter of the paper
    out = np.where(dots[..., None], np.array(dot), np.array(base)).astype(np.int16)
    out += np.random.default_rng(0).integers(-6, 7, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def test_halftone_colour_paper_is_filled_with_its_colour():
    page, tight = _lettered(_halftone((100, 140), (200, 185, 160), (235, 225, 205)))
    found, _ = regions.find_regions(page, as_gray(page), tight)
    flat = [r for r in found if r.background == "flat"]
    assert flat and sum(r.mask.sum() for r in flat) >= 0.9 * sum(r.mask.sum() for r in found)
    colour = np.array(flat[0].fill)
    assert np.abs(colour - np.array([228, 216, 194])).max() <= 20  # the paper's tint, not grey


def test_grey_screentone_stays_textured():
    """Black dots on white (screentone) are art even when they look flat from afar."""
    tone = _halftone((100, 140), (30, 30, 30), (245, 245, 245))
    page, tight = _lettered(tone)
    found, _ = regions.find_regions(page, as_gray(page), tight)
    assert all(r.background == "textured" for r in found)
