"""Small manga-like test pages drawn on the fly (no fonts, no files): balloons with dark
"glyphs" over screentone and line art, with the true glyph mask known by construction."""

from __future__ import annotations

import cv2
import numpy as np


def glyph_block(rng: np.random.Generator, height: int, width: int, size: int) -> np.ndarray:
    """``(height, width)`` bool: vertical columns of random stroke glyphs, ``size`` px each."""
    out = np.zeros((height, width), dtype=np.uint8)
    stroke = max(1, size // 8)
    for col_x in range(width - size, 0, -int(size * 1.4)):
        for row_y in range(0, height - size, int(size * 1.15)):
            for _ in range(rng.integers(2, 5)):
                p0 = (col_x + int(rng.integers(0, size)), row_y + int(rng.integers(0, size)))
                p1 = (col_x + int(rng.integers(0, size)), row_y + int(rng.integers(0, size)))
                cv2.line(out, p0, p1, 1, stroke, cv2.LINE_8)
    return out.astype(bool)


def manga_page(seed: int = 0, height: int = 400, width: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A grayscale page ``(H, W)`` uint8 and its glyph mask ``(H, W)`` bool.

    Screentone background with hatching, two white balloons with dark text, and one text block
    straight over the screentone.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    page = np.where(((xx // 3) + (yy // 3)) % 2 == 0, 190, 225).astype(np.uint8)  # screentone
    for i in range(0, width, 11):
        cv2.line(page, (i, height), (i + 60, height // 2), 40, 1)  # hatching
    truth = np.zeros((height, width), dtype=bool)
    for cx, cy, ax, ay in (
        (width // 4 + 10, height // 4, 60, 80),
        (3 * width // 4 - 5, height // 2 + 40, 55, 70),
    ):
        cv2.ellipse(page, (cx, cy), (ax, ay), 0, 0, 360, 255, -1)
        cv2.ellipse(page, (cx, cy), (ax, ay), 0, 0, 360, 0, 2)
        glyphs = glyph_block(rng, ay, ax, 14)
        y0, x0 = cy - ay // 2, cx - ax // 2
        truth[y0 : y0 + ay, x0 : x0 + ax] |= glyphs
    over_art = glyph_block(rng, 60, 40, 12)
    truth[height - 80 : height - 20, 20:60] |= over_art
    page[truth] = 20
    return page, truth


def colour_page(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An RGB version ``(H, W, 3)``: tinted paper and a pale yellow balloon."""
    gray, truth = manga_page(seed)
    rgb = np.stack([gray, gray, (gray * 0.9).astype(np.uint8)], axis=2)
    rgb[..., 0] = np.where(gray == 255, 250, rgb[..., 0])
    return rgb, truth
