"""Manga-like characters: a head with spiky bangs and strands, large eyes, shoulders and folds.

Crude, but with the parts that sit next to lettering on real pages and look most like it to a
segmenter: dense strand bundles, spiky black hair masses, eyes with highlights, thin folds.
"""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.data.synth import strokes


def _ellipse(cx, cy, rx, ry, n=48, start=0.0, end=2 * np.pi) -> np.ndarray:
    t = np.linspace(start, end, n)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def _hair(canvas, rng, cx, cy, r, scale, pal) -> None:
    """A hair mass over the top of the head: bangs with spiky tips, strands, maybe solid black."""
    n = int(rng.integers(5, 11))
    top = _ellipse(cx, cy - r * 0.05, r * 1.12, r * 1.1, 24, np.pi * 1.02, np.pi * 1.98)
    xs = np.linspace(cx + r * 1.1, cx - r * 1.1, 2 * n + 1)
    tips = []
    for i, x in enumerate(xs):
        depth = rng.uniform(0.1, 0.55) if i % 2 else rng.uniform(-0.25, 0.05)
        tips.append([x + rng.normal(0, 0.05) * r, cy + depth * r])
    poly = np.concatenate([top, np.array(tips)])
    dark = rng.random() < 0.45
    strokes.fill_polygon(canvas, poly, pal.ink if dark else pal.paper)
    strokes.polyline(canvas, poly, pal.ink, rng.uniform(1.2, 2.6) * scale, closed=True)
    ink = pal.paper if dark else pal.ink
    k = int(rng.integers(8, 24))
    starts = np.stack([cx + rng.uniform(-0.9, 0.9, k) * r, cy - rng.uniform(0.6, 1.0, k) * r], 1)
    angles = np.pi / 2 + rng.normal(0, 0.35, k)
    curves = strokes.random_curves(rng, starts, angles, rng.uniform(0.4, 1.1, k) * r, 0.15)
    strokes.tapered_many(canvas, curves, rng.uniform(0.6, 1.8, k) * scale, ink, (0.05, 0.5))


def _eyes(canvas, rng, cx, cy, r, scale, pal) -> None:
    col_ink = strokes.colour(canvas, pal.ink)
    col_paper = strokes.colour(canvas, pal.paper)
    gap = r * rng.uniform(0.32, 0.45)
    ew, eh = r * rng.uniform(0.13, 0.22), r * rng.uniform(0.18, 0.3)
    for side in (-1, 1):
        ex, ey = cx + side * gap, cy + r * 0.15
        lid = _ellipse(ex, ey, ew * 1.3, eh, 16, np.pi * 1.1, np.pi * 1.9)
        strokes.tapered(canvas, lid, rng.uniform(1.5, 3.5) * scale, pal.ink, (0.2, 0.8))
        centre = (int(ex), int(ey + eh * 0.2))
        axes = (max(1, int(ew * 0.8)), max(1, int(eh * 0.8)))
        cv2.ellipse(canvas, centre, axes, 0, 0, 360, col_ink, -1, cv2.LINE_AA)
        hx, hy = int(ex - ew * 0.3), int(ey - eh * 0.1)
        cv2.circle(canvas, (hx, hy), max(1, int(ew * 0.3)), col_paper, -1, cv2.LINE_AA)
        brow = np.linspace([ex - ew * 1.3, ey - eh * 1.6], [ex + ew * 1.3, ey - eh * 1.8], 5)
        strokes.tapered(canvas, brow, rng.uniform(1.0, 2.5) * scale, pal.ink)
    mouth = np.linspace([cx - r * 0.1, cy + r * 0.6], [cx + r * 0.12, cy + r * 0.58], 5)
    strokes.tapered(canvas, mouth, 1.4 * scale, pal.ink)


def _body(canvas, rng, cx, cy, r, scale, pal) -> None:
    """Neck, shoulders and a torso outline with a few clothing folds."""
    h = canvas.shape[0]
    neck = cy + r * 0.9
    shoulder = neck + r * rng.uniform(0.3, 0.6)
    width = r * rng.uniform(1.6, 2.4)
    bottom = max(h + 10, shoulder + 2 * r)
    poly = np.array(
        [
            [cx - r * 0.3, neck],
            [cx + r * 0.3, neck],
            [cx + width, shoulder + r * 0.2],
            [cx + width * 1.1, bottom],
            [cx - width * 1.1, bottom],
            [cx - width, shoulder + r * 0.2],
        ]
    )
    strokes.fill_polygon(canvas, poly, pal.fill(rng) if rng.random() < 0.5 else pal.paper)
    strokes.polyline(canvas, poly, pal.ink, rng.uniform(1.5, 3.0) * scale, closed=True)
    k = int(rng.integers(3, 10))
    starts = np.stack([cx + rng.uniform(-1, 1, k) * width, shoulder + rng.uniform(0.2, 1.5, k) * r], 1)
    curves = strokes.random_curves(
        rng, starts, rng.uniform(0, 2 * np.pi, k), rng.uniform(0.2, 0.7, k) * r, 0.3
    )
    strokes.tapered_many(canvas, curves, rng.uniform(0.8, 2.2, k) * scale, pal.ink)


def character(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal) -> None:
    """A bust: body, head outline, face, eyes and hair, at a random size and place."""
    h, w = canvas.shape[:2]
    r = rng.uniform(0.08, 0.35) * min(h, w) + 25 * scale
    cx, cy = rng.uniform(-0.1, 1.1) * w, rng.uniform(0.1, 0.9) * h
    _body(canvas, rng, cx, cy, r, scale, pal)
    face = _ellipse(cx, cy, r * rng.uniform(0.8, 0.95), r, 48)
    chin = face[:, 1] > cy
    face[chin, 0] = cx + (face[chin, 0] - cx) * (1 - 0.35 * (face[chin, 1] - cy) / r)
    strokes.fill_polygon(canvas, face, pal.fill(rng) if pal.colour else pal.paper)
    strokes.polyline(canvas, face, pal.ink, rng.uniform(1.2, 2.8) * scale, closed=True)
    _eyes(canvas, rng, cx, cy, r, scale, pal)
    _hair(canvas, rng, cx, cy, r, scale, pal)
