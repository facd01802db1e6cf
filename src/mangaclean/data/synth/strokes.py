"""Pen strokes: tapered curves, hair-like bundles, hatching, speed lines and focus lines.

All drawing is in place on a uint8 canvas view, ``(h, w)`` grey or ``(h, w, 3)`` RGB, in the
view's pixel coordinates; ``scale`` is the page scale (1.0 = a 1170-pixel-high page), so line
widths and spacings follow the resolution. Stroke geometry is computed in batches ``(K, N, 2)``
(K strokes of N points) so that only the polygon fill runs once per stroke.
"""

from __future__ import annotations

import cv2
import numpy as np

_SHIFT = 4  # fixed-point bits for sub-pixel polygon coordinates
_ONE = 1 << _SHIFT


def colour(canvas: np.ndarray, value) -> tuple:
    """A cv2 colour for ``canvas`` from a grey level or an RGB triple."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        return (float(value),) * (1 if canvas.ndim == 2 else 3)
    if canvas.ndim == 2:
        return (sum(value) / len(value),)
    return tuple(float(c) for c in value)


def fill_polygon(canvas: np.ndarray, points: np.ndarray, ink) -> None:
    """Anti-aliased filled polygon; ``points`` ``(N, 2)`` float (x, y)."""
    pts = (np.asarray(points) * _ONE).astype(np.int32)
    cv2.fillPoly(canvas, [pts], colour(canvas, ink), cv2.LINE_AA, _SHIFT)


def polyline(canvas: np.ndarray, points: np.ndarray, ink, width: float, closed=False) -> None:
    """Anti-aliased constant-width polyline."""
    pts = (np.asarray(points) * _ONE).astype(np.int32)
    thickness = max(1, int(round(width)))
    cv2.polylines(canvas, [pts], closed, colour(canvas, ink), thickness, cv2.LINE_AA, _SHIFT)


def bezier(ctrl: np.ndarray, n: int) -> np.ndarray:
    """Cubic Bezier of control points ``(..., 4, 2)``; returns ``(..., n, 2)``."""
    t = np.linspace(0.0, 1.0, n)
    basis = np.stack([(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3], 1)
    return np.einsum("nk,...kd->...nd", basis, ctrl)


def random_curves(rng: np.random.Generator, starts, angles, lengths, bend: float, n: int = 12):
    """K smooth curves leaving ``starts`` ``(K, 2)`` along ``angles`` ``(K,)``; ``(K, n, 2)``."""
    starts = np.asarray(starts, np.float64).reshape(-1, 2)
    k = len(starts)
    angles = np.broadcast_to(np.asarray(angles, np.float64), (k,))
    lengths = np.broadcast_to(np.asarray(lengths, np.float64), (k,))
    d = np.stack([np.cos(angles), np.sin(angles)], 1)
    nrm = np.stack([-d[:, 1], d[:, 0]], 1)
    off = rng.normal(0, bend, (k, 3)) * lengths[:, None] * [1.0, 1.0, 0.5]
    along = np.array([0.0, 1 / 3, 2 / 3, 1.0])
    ctrl = starts[:, None] + d[:, None] * (along[None, :, None] * lengths[:, None, None])
    ctrl[:, 1:] += nrm[:, None] * off[:, :, None]
    return bezier(ctrl, n)


def random_curve(rng: np.random.Generator, start, angle: float, length: float, bend: float):
    """One curve of about ``length`` pixels; ``(n, 2)``."""
    n = int(np.clip(length / 4, 4, 40))
    return random_curves(rng, [start], [angle], [length], bend, n)[0]


def tapered_many(canvas: np.ndarray, curves: np.ndarray, widths, ink, taper=(0.2, 0.8)) -> None:
    """Pen strokes along ``curves`` ``(K, N, 2)`` swelling to ``widths`` ``(K,)``, tapered."""
    curves = np.asarray(curves, np.float64)
    if curves.ndim != 3 or curves.shape[1] < 2:
        return
    n = curves.shape[1]
    t = np.linspace(0, 1, n)
    a, b = taper
    prof = np.minimum(np.clip(t / max(a, 1e-3), 0, 1), np.clip((1 - t) / max(1 - b, 1e-3), 0, 1))
    half = np.maximum(0.5 * np.asarray(widths, np.float64).reshape(-1, 1) * np.sqrt(prof), 0.15)
    tangent = np.empty_like(curves)
    tangent[:, 1:-1] = curves[:, 2:] - curves[:, :-2]
    tangent[:, 0] = curves[:, 1] - curves[:, 0]
    tangent[:, -1] = curves[:, -1] - curves[:, -2]
    tangent /= np.maximum(np.linalg.norm(tangent, axis=2, keepdims=True), 1e-6)
    normal = np.stack([-tangent[..., 1], tangent[..., 0]], 2) * half[..., None]
    polys = np.concatenate([curves + normal, (curves - normal)[:, ::-1]], 1)
    polys = (polys * _ONE).astype(np.int32)
    col = colour(canvas, ink)
    for poly in polys:
        cv2.fillPoly(canvas, [poly], col, cv2.LINE_AA, _SHIFT)


def tapered(canvas: np.ndarray, points: np.ndarray, width: float, ink, taper=(0.2, 0.8)) -> None:
    """One tapered pen stroke along ``points`` ``(N, 2)``."""
    tapered_many(canvas, np.asarray(points)[None], [width], ink, taper)


def hair_bundle(canvas: np.ndarray, rng: np.random.Generator, scale: float, ink) -> None:
    """Strands of hair (or grass, fur): many near-parallel tapered curves from one root."""
    h, w = canvas.shape[:2]
    root = np.array([rng.uniform(0, w), rng.uniform(0, h)])
    angle = rng.uniform(0, 2 * np.pi)
    k = int(rng.integers(6, 30))
    across = np.array([-np.sin(angle), np.cos(angle)])
    starts = root + across * rng.uniform(-1, 1, (k, 1)) * rng.uniform(10, 60) * scale
    lengths = rng.uniform(30, 160) * scale * rng.uniform(0.5, 1.2, k)
    curves = random_curves(rng, starts, angle + rng.normal(0, 0.12, k), lengths, rng.uniform(0.02, 0.25))
    widths = rng.uniform(0.8, 2.6) * scale * rng.uniform(0.5, 1.3, k)
    tapered_many(canvas, curves, widths, ink, (0.05, rng.uniform(0.3, 0.8)))


def line_cluster(canvas: np.ndarray, rng: np.random.Generator, scale: float, ink) -> None:
    """Contour-like curves of mixed length, width and bend around one area (folds, rocks)."""
    h, w = canvas.shape[:2]
    k = int(rng.integers(5, 30))
    starts = np.array([rng.uniform(0, w), rng.uniform(0, h)]) + rng.normal(0, 1, (k, 2)) * (
        rng.uniform(20, 150) * scale
    )
    lengths = rng.uniform(8, 140, k) * scale
    curves = random_curves(rng, starts, rng.uniform(0, 2 * np.pi, k), lengths, rng.uniform(0.05, 0.4))
    tapered_many(canvas, curves, rng.uniform(0.6, 3.0, k) * scale, ink, (rng.uniform(0, 0.3), 0.8))


def hatching(canvas: np.ndarray, rng: np.random.Generator, scale: float, ink, cross=False) -> None:
    """A patch of short parallel strokes (and a second, crossing layer if ``cross``)."""
    h, w = canvas.shape[:2]
    extent = min(rng.uniform(15, 120) * scale, 0.5 * min(h, w))
    centre = np.array(
        [rng.uniform(extent, max(extent, w - extent)), rng.uniform(extent, max(extent, h - extent))]
    )
    spacing = max(2.2, rng.uniform(2.5, 8.0) * scale)
    angle = rng.uniform(0, np.pi)
    for layer in range(2 if cross else 1):
        a = angle + layer * rng.uniform(0.6, 1.5)
        d = np.array([np.cos(a), np.sin(a)])
        n = np.array([-d[1], d[0]])
        off = np.arange(-extent, extent, spacing)
        half = np.sqrt(np.clip(1 - (off / extent) ** 2, 0, 1)) * extent * rng.uniform(0.5, 1.0, off.size)
        keep = half >= 2
        off, half = off[keep], half[keep]
        mids = centre + n * off[:, None] + d * rng.normal(0, 0.1 * extent, (off.size, 1))
        t = np.linspace(-1, 1, 5)[None, :, None]
        curves = mids[:, None] + d * half[:, None, None] * t
        tapered_many(canvas, curves, np.full(off.size, rng.uniform(0.6, 1.8) * scale), ink, (0.15, 0.85))


def speed_lines(canvas: np.ndarray, rng: np.random.Generator, scale: float, ink) -> None:
    """Parallel motion lines across the whole view, with irregular spacing and tapering."""
    h, w = canvas.shape[:2]
    a = rng.uniform(0, np.pi)
    d = np.array([np.cos(a), np.sin(a)])
    n = np.array([-d[1], d[0]])
    diag = float(np.hypot(h, w))
    gaps = rng.exponential(rng.uniform(1.5, 6.0) * scale, int(diag / scale) + 10)
    off = -diag / 2 + np.cumsum(gaps)
    off = off[off < diag / 2]
    k = off.size
    starts = np.array([w / 2, h / 2]) + n * off[:, None] - d * rng.uniform(0.2, 0.7, (k, 1)) * diag
    t = np.linspace(0, 1, 6)[None, :, None]
    curves = starts[:, None] + d * (rng.uniform(0.3, 1.0, (k, 1, 1)) * diag) * t
    tapered_many(canvas, curves, rng.uniform(0.5, 2.5, k) * scale, ink, (0.3, 0.7))


def focus_lines(canvas: np.ndarray, rng: np.random.Generator, scale: float, ink) -> None:
    """Radial lines converging on a point, leaving an empty centre (concentration lines)."""
    h, w = canvas.shape[:2]
    centre = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h])
    radius = float(np.hypot(h, w))
    inner = rng.uniform(0.15, 0.45) * min(h, w)
    k = int(rng.integers(60, 240))
    theta = rng.uniform(0, 2 * np.pi, k)
    d = np.stack([np.cos(theta), np.sin(theta)], 1)
    n = np.stack([-d[:, 1], d[:, 0]], 1) * rng.uniform(0.4, 3.0, (k, 1)) * scale
    start = centre + d * inner * rng.uniform(0.8, 1.6, (k, 1))
    far = centre + d * radius
    polys = (np.stack([start, far + n, far - n], 1) * _ONE).astype(np.int32)
    col = colour(canvas, ink)
    for poly in polys:
        cv2.fillPoly(canvas, [poly], col, cv2.LINE_AA, _SHIFT)


def scatter_marks(canvas: np.ndarray, rng: np.random.Generator, scale: float, ink) -> None:
    """Small glyph-like marks: ticks, curls, dots, crosses (hard negatives for text)."""
    h, w = canvas.shape[:2]
    k = int(rng.integers(4, 25))
    spread = rng.uniform(15, 90) * scale
    pts = np.array([rng.uniform(0, w), rng.uniform(0, h)]) + rng.normal(0, spread, (k, 2))
    sizes = rng.uniform(3, 14, k) * scale
    curves = random_curves(rng, pts, rng.uniform(0, 2 * np.pi, k), sizes, rng.uniform(0.1, 0.6), 6)
    tapered_many(canvas, curves, rng.uniform(0.8, 2.2, k) * scale, ink)
    col = colour(canvas, ink)
    for p, s in zip(pts[: k // 3], sizes[: k // 3], strict=True):
        cv2.circle(canvas, (int(p[0]), int(p[1])), max(1, int(s / 5)), col, -1, cv2.LINE_AA)


def clipped(canvas: np.ndarray, poly: np.ndarray, draw) -> None:
    """Run ``draw(view, origin)`` on a copy of the box around ``poly`` ``(N, 2)`` (``origin``: the
    box's top-left (x, y) on ``canvas``) and keep what it drew inside ``poly`` only (anti-aliased
    edge): detail confined to a shape."""
    h, w = canvas.shape[:2]
    x0, y0 = np.floor(poly.min(0)).astype(int) - 2
    x1, y1 = np.ceil(poly.max(0)).astype(int) + 2
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    region = canvas[y0:y1, x0:x1]
    sub = region.copy()
    draw(sub, np.array([x0, y0], np.float64))
    mask = np.zeros(sub.shape[:2], np.uint8)
    fill_polygon(mask, poly - [x0, y0], 255)
    alpha = mask.astype(np.float32) / 255.0
    if region.ndim == 3:
        alpha = alpha[..., None]
    region[...] = (sub * alpha + region * (1 - alpha) + 0.5).astype(np.uint8)
