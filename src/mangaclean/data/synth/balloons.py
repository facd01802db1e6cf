"""Speech balloons: ellipses, rounded boxes, clouds (thought), spiky (shouting), wobbly and
borderless narration boxes, with tails, white or tinted fills.

A balloon is a union of polygons (body, tail, cloud bumps) filled with ``fill`` and outlined by
dilating the union's coverage, so tails join the body without a seam, as drawn by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mangaclean.data.synth import strokes
from mangaclean.data.synth.tones import apply_ink

BALLOON_KINDS = ("ellipse", "round_rect", "cloud", "spiky", "wobbly", "box")
BALLOON_WEIGHTS = (0.52, 0.14, 0.07, 0.1, 0.05, 0.12)


@dataclass
class Balloon:
    """A balloon in canvas coordinates: the polygons of its union and how to paint it."""

    kind: str
    centre: tuple[float, float]
    radii: tuple[float, float]
    parts: list[np.ndarray]
    fill: tuple[int, int, int]
    line: float
    ink: tuple[int, int, int]
    puffs: list[np.ndarray]


def _ellipse(cx, cy, rx, ry, n=72, phase=0.0) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False) + phase
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def _round_rect(cx, cy, rx, ry, radius) -> np.ndarray:
    radius = min(radius, rx, ry)
    pts = []
    corners = ((rx - radius, ry - radius, 0.0), (-rx + radius, ry - radius, np.pi / 2))
    corners += ((-rx + radius, -ry + radius, np.pi), (rx - radius, -ry + radius, 1.5 * np.pi))
    for ox, oy, start in corners:
        t = np.linspace(start, start + np.pi / 2, 8)
        pts.append(np.stack([cx + ox + radius * np.cos(t), cy + oy + radius * np.sin(t)], 1))
    return np.concatenate(pts)


def _spiky(cx, cy, rx, ry, rng) -> np.ndarray:
    n = int(rng.integers(10, 28))
    t = np.sort(rng.uniform(0, 2 * np.pi, 2 * n))
    outer = rng.uniform(1.1, 1.4, 2 * n)
    inner = rng.uniform(0.85, 0.98, 2 * n)
    r = np.where(np.arange(2 * n) % 2 == 0, outer, inner)
    return np.stack([cx + rx * r * np.cos(t), cy + ry * r * np.sin(t)], 1)


def _wobbly(cx, cy, rx, ry, rng) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, 160, endpoint=False)
    freq = int(rng.integers(12, 30))
    r = 1.0 + rng.uniform(0.02, 0.06) * np.sin(freq * t) + rng.normal(0, 0.01, t.size)
    return np.stack([cx + rx * r * np.cos(t), cy + ry * r * np.sin(t)], 1)


def _cloud_bumps(cx, cy, rx, ry, rng) -> list[np.ndarray]:
    n = int(rng.integers(8, 16))
    bumps = []
    for t in np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(0, 1):
        r = rng.uniform(0.25, 0.4) * min(rx, ry) + 0.08 * max(rx, ry)
        bumps.append(_ellipse(cx + rx * np.cos(t), cy + ry * np.sin(t), r, r, 24))
    return bumps


def _tail(cx, cy, rx, ry, rng, scale) -> np.ndarray:
    """A curved, pointed tail leaving the body toward a random direction."""
    a = rng.uniform(0, 2 * np.pi)
    d = np.array([np.cos(a), np.sin(a)])
    n = np.array([-d[1], d[0]])
    base = np.array([cx, cy]) + d * np.array([rx, ry]) * 0.85
    length = rng.uniform(0.3, 0.9) * min(rx, ry) + 15 * scale
    half = rng.uniform(0.12, 0.3) * min(rx, ry)
    bend = rng.normal(0, 0.4) * length
    tip = base + d * length + n * bend
    mid = base + d * length * 0.5 + n * bend * 0.4
    left = strokes.bezier(np.stack([base + n * half, mid + n * half * 0.4, mid, tip]), 10)
    right = strokes.bezier(np.stack([tip, mid, mid - n * half * 0.4, base - n * half]), 10)
    return np.concatenate([left, right])


def make_balloon(kind: str, centre, radii, rng: np.random.Generator, scale: float, fill, ink) -> Balloon:
    """A balloon of ``kind`` around ``centre`` with half-axes ``radii`` (canvas pixels)."""
    cx, cy = centre
    rx, ry = radii
    puffs: list[np.ndarray] = []
    parts: list[np.ndarray]
    if kind == "round_rect":
        parts = [_round_rect(cx, cy, rx, ry, rng.uniform(0.2, 0.6) * min(rx, ry))]
    elif kind == "cloud":
        parts = [_ellipse(cx, cy, rx, ry)] + _cloud_bumps(cx, cy, rx, ry, rng)
        puffs = _thought_puffs(cx, cy, rx, ry, rng, scale)
    elif kind == "spiky":
        parts = [_spiky(cx, cy, rx, ry, rng)]
    elif kind == "wobbly":
        parts = [_wobbly(cx, cy, rx, ry, rng)]
    elif kind == "box":
        parts = [_round_rect(cx, cy, rx, ry, 0.0)]
    else:
        parts = [_ellipse(cx, cy, rx, ry, phase=rng.uniform(0, np.pi))]
    if kind in ("ellipse", "round_rect", "wobbly", "spiky") and rng.random() < 0.75:
        parts.append(_tail(cx, cy, rx, ry, rng, scale))
    line = 0.0 if kind == "box" and rng.random() < 0.6 else rng.uniform(1.0, 3.2) * scale
    return Balloon(kind, (cx, cy), (rx, ry), parts, tuple(fill), line, tuple(ink), puffs)


def _thought_puffs(cx, cy, rx, ry, rng, scale) -> list[np.ndarray]:
    a = rng.uniform(0, 2 * np.pi)
    d = np.array([np.cos(a), np.sin(a)])
    start = np.array([cx, cy]) + d * np.array([rx, ry]) * 1.25
    out = []
    for k in range(int(rng.integers(2, 4))):
        r = max(3.0, (10 - 3 * k) * scale * rng.uniform(0.8, 1.4))
        p = start + d * (k * 18 + 6) * scale
        out.append(_ellipse(p[0], p[1], r * 1.2, r, 20))
    return out


def draw_balloon(canvas: np.ndarray, cover: np.ndarray, balloon: Balloon) -> None:
    """Paint ``balloon`` on ``canvas`` (in place) and record its coverage in ``cover``.

    canvas: ``(H, W)`` or ``(H, W, 3)`` uint8; cover: ``(H, W)`` uint8 (255 = balloon).
    """
    for group in [balloon.parts] + [[p] for p in balloon.puffs]:
        _draw_union(canvas, cover, group, balloon)


def _draw_union(canvas, cover, parts: list[np.ndarray], balloon: Balloon) -> None:
    h, w = canvas.shape[:2]
    pts = np.concatenate(parts)
    pad = int(np.ceil(balloon.line)) + 3
    x0, y0 = np.floor(pts.min(0)).astype(int) - pad
    x1, y1 = np.ceil(pts.max(0)).astype(int) + pad
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if xa >= xb or ya >= yb:
        return
    inner = np.zeros((yb - ya, xb - xa), np.uint8)
    for p in parts:
        strokes.fill_polygon(inner, p - [xa, ya], 255)
    outer = inner
    if balloon.line > 0:
        k = 2 * int(round(balloon.line)) + 1
        outer = cv2.dilate(inner, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    region = canvas[ya:yb, xa:xb]
    apply_ink(region, outer.astype(np.float32) / 255.0, balloon.ink)
    apply_ink(region, inner.astype(np.float32) / 255.0, balloon.fill)
    np.maximum(cover[ya:yb, xa:xb], outer, out=cover[ya:yb, xa:xb])


def inner_radii(kind: str, text_w: float, text_h: float, rng: np.random.Generator, pad: float):
    """Half-axes that fit a ``text_w`` x ``text_h`` block inside a balloon of ``kind``."""
    if kind in ("box", "round_rect"):
        return text_w / 2 + pad, text_h / 2 + pad
    k = rng.uniform(1.2, 1.45)
    return text_w / 2 * k + pad, text_h / 2 * k + pad
