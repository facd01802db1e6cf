"""Panel layouts: rows of panels with gutters, slanted dividers and bleeding panels.

A panel is a convex quadrilateral ``(4, 2)`` in page coordinates (x, y), clockwise from the top
left, plus whether its border is drawn (bleeding panels run off the page without one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mangaclean.data.synth import strokes


@dataclass(frozen=True)
class Panel:
    quad: np.ndarray
    border: float


def _cut_positions(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    weights = rng.uniform(0.6, 1.4, n)
    edges = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return lo + (hi - lo) * edges


def _intersect(row_line, col_line) -> np.ndarray:
    """Crossing of ``y = a + b x`` (row) and ``x = c + d y`` (column)."""
    a, b = row_line
    c, d = col_line
    x = (c + d * a) / (1 - d * b)
    return np.array([x, a + b * x])


def _slope(rng: np.random.Generator, chance: float, size: float) -> float:
    return float(rng.uniform(-0.12, 0.12)) if rng.random() < chance else 0.0


def panel_layout(width: int, height: int, rng: np.random.Generator, scale: float) -> list[Panel]:
    """Random panels covering a ``width`` x ``height`` page (page pixels)."""
    margin_x = rng.uniform(0.04, 0.09) * width
    margin_y = rng.uniform(0.04, 0.08) * height
    gutter = rng.uniform(6, 22) * scale
    border = rng.uniform(1.5, 4.0) * scale
    n_rows = int(rng.choice([1, 2, 3, 3, 4, 4, 5]))
    ys = _cut_positions(rng, margin_y, height - margin_y, n_rows)
    row_lines = [(ys[0], 0.0)]
    for y in ys[1:-1]:
        row_lines.append((y, _slope(rng, 0.3, height)))
    row_lines.append((ys[-1], 0.0))
    panels: list[Panel] = []
    for r in range(n_rows):
        n_cols = int(rng.choice([1, 2, 2, 3]))
        xs = _cut_positions(rng, margin_x, width - margin_x, n_cols)
        col_lines = [(xs[0], 0.0)] + [(x, _slope(rng, 0.35, width)) for x in xs[1:-1]]
        col_lines.append((xs[-1], 0.0))
        top = (row_lines[r][0] + (gutter / 2 if r else 0), row_lines[r][1])
        bottom = (row_lines[r + 1][0] - (gutter / 2 if r < n_rows - 1 else 0), row_lines[r + 1][1])
        for c in range(n_cols):
            left = (col_lines[c][0] + (gutter / 2 if c else 0), col_lines[c][1])
            right = (col_lines[c + 1][0] - (gutter / 2 if c < n_cols - 1 else 0), col_lines[c + 1][1])
            quad = np.stack(
                [
                    _intersect(top, left),
                    _intersect(top, right),
                    _intersect(bottom, right),
                    _intersect(bottom, left),
                ]
            )
            bleed = rng.random() < 0.08
            if bleed:
                quad = _bleed(quad, width, height, margin_x, margin_y)
            panels.append(Panel(quad, 0.0 if bleed else border))
    return panels


def _bleed(quad: np.ndarray, width: int, height: int, mx: float, my: float) -> np.ndarray:
    """Push the sides that touch the page margin out past the page edge."""
    quad = quad.copy()
    for i in range(4):
        x, y = quad[i]
        if x <= mx + 1:
            quad[i, 0] = -5
        if x >= width - mx - 1:
            quad[i, 0] = width + 5
        if y <= my + 1:
            quad[i, 1] = -5
        if y >= height - my - 1:
            quad[i, 1] = height + 5
    return quad


def panel_mask(quad: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Coverage of ``quad`` inside ``box = (x0, y0, x1, y1)``; ``(y1-y0, x1-x0)`` float32."""
    x0, y0, x1, y1 = box
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    strokes.fill_polygon(mask, quad - [x0, y0], 255)
    return mask.astype(np.float32) / 255.0


def quad_box(quad: np.ndarray, width: int, height: int) -> tuple[int, int, int, int] | None:
    """Integer bounding box of ``quad`` clipped to the canvas, or None if it is off-canvas."""
    x0, y0 = np.floor(quad.min(0)).astype(int)
    x1, y1 = np.ceil(quad.max(0)).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return int(x0), int(y0), int(x1), int(y1)
