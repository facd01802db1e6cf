"""Background scenery: foliage, clouds and perspective floors.

Foliage (clusters of scalloped loops and short curls) is among the most glyph-like textures on a
page, which is why it is here: the segmenter must learn that it is not text.
"""

from __future__ import annotations

import numpy as np

from mangaclean.data.synth import strokes


def _scallop(rng: np.random.Generator, centre, radius: float, n_bumps: int) -> np.ndarray:
    """A closed outline made of ``n_bumps`` outward arcs around ``centre``; ``(N, 2)``."""
    pts = []
    base = rng.uniform(0, 2 * np.pi)
    for k in range(n_bumps):
        a0 = base + 2 * np.pi * k / n_bumps
        a1 = base + 2 * np.pi * (k + 1) / n_bumps
        t = np.linspace(0, 1, 6)
        ang = a0 + (a1 - a0) * t
        bulge = radius * (1 + rng.uniform(0.1, 0.3) * np.sin(np.pi * t))
        pts.append(np.stack([centre[0] + bulge * np.cos(ang), centre[1] + bulge * np.sin(ang)], 1))
    return np.concatenate(pts)


def foliage(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal) -> None:
    """Bushes or tree crowns: scalloped clumps with curls and dots inside."""
    h, w = canvas.shape[:2]
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    spread = rng.uniform(30, 140) * scale
    for _ in range(int(rng.integers(3, 10))):
        centre = np.array([cx, cy]) + rng.normal(0, spread, 2)
        r = rng.uniform(8, 35) * scale
        poly = _scallop(rng, centre, r, int(rng.integers(5, 10)))
        fill = pal.ink if rng.random() < 0.2 else (pal.fill(rng) if pal.colour else pal.paper)
        strokes.fill_polygon(canvas, poly, fill)
        strokes.polyline(canvas, poly, pal.ink, max(1.0, rng.uniform(0.8, 2.0) * scale), closed=True)
        k = int(rng.integers(2, 8))
        starts = centre + rng.normal(0, r * 0.5, (k, 2))
        curls = strokes.random_curves(rng, starts, rng.uniform(0, 2 * np.pi, k), r * 0.4, 0.6, 6)
        strokes.tapered_many(canvas, curls, np.full(k, 1.2 * scale), pal.ink)


def clouds(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal) -> None:
    """Outlined cumulus shapes, open at the bottom like a pen drawing."""
    h, w = canvas.shape[:2]
    for _ in range(int(rng.integers(1, 4))):
        centre = (rng.uniform(0, w), rng.uniform(0, h * 0.6))
        r = rng.uniform(20, 80) * scale
        poly = _scallop(rng, centre, r, int(rng.integers(6, 12)))
        poly[:, 0] = centre[0] + (poly[:, 0] - centre[0]) * rng.uniform(1.3, 2.2)
        keep = poly[:, 1] < centre[1] + r * 0.3
        strokes.tapered(canvas, poly[keep], rng.uniform(0.8, 2.2) * scale, pal.ink, (0.05, 0.95))


def floor(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal) -> None:
    """A perspective floor or street: lines to a vanishing point crossed by receding rungs."""
    h, w = canvas.shape[:2]
    vp = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(-0.2, 0.4) * h])
    horizon = max(vp[1], 0.0)
    width = max(1.0, rng.uniform(0.7, 1.6) * scale)
    for x in np.linspace(-w, 2 * w, int(rng.integers(6, 20))):
        strokes.polyline(canvas, np.array([vp, [x, h * 1.2]]), pal.ink, width)
    y = horizon + 4 * scale
    step = rng.uniform(3, 8) * scale
    while y < h:
        strokes.polyline(canvas, np.array([[0, y], [w, y]]), pal.ink, width)
        step *= rng.uniform(1.15, 1.4)
        y += step
