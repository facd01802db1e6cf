"""Panel art: backgrounds, figure-like shapes, black masses, dark shading, buildings, user images.

The goal is not pretty pictures but the statistics of real line art around lettering: outlines of
varying width and curvature, hair-like bundles, hatching, tone areas, solid blacks, perspective
lines and small marks, at the density of a busy page. Drawing is in place on a uint8 view.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from mangaclean.data.synth import figures, scenery, strokes
from mangaclean.data.synth.tones import apply_ink, gradient, random_tone
from mangaclean.errors import ImageReadError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class Palette:
    """Colours of one page: ``ink`` (lines), ``paper``, ``text`` (lettering), colour fills or not."""

    ink: tuple[int, int, int]
    paper: tuple[int, int, int]
    colour: bool
    text: tuple[int, int, int] = (0, 0, 0)

    def fill(self, rng: np.random.Generator) -> tuple[int, int, int]:
        """A random flat fill: greys on grey pages, muted or vivid colours on colour pages."""
        if not self.colour:
            v = int(rng.choice([255] * 12 + [240, 220, 190, 150]))
            return (v, v, v)
        base = rng.uniform(0, 255, 3)
        mix = rng.uniform(0.2, 0.8)
        return tuple(int(c) for c in base * (1 - mix) + 255 * mix)


def page_palette(rng: np.random.Generator, colour: bool) -> Palette:
    ink = int(rng.uniform(0, 40))
    paper = (255, 255, 255)
    if colour and rng.random() < 0.3:
        paper = tuple(int(v) for v in rng.uniform(235, 255, 3))
    ink_rgb = (ink, ink, ink)
    if colour and rng.random() < 0.3:
        ink_rgb = tuple(int(v) for v in rng.uniform(0, 70, 3))
    text = (int(rng.uniform(0, 30)),) * 3
    if colour and rng.random() < 0.1:
        text = tuple(int(v) for v in rng.uniform(0, 160, 3))
    return Palette(ink=ink_rgb, paper=paper, colour=colour, text=text)


def blob(rng: np.random.Generator, centre, rx: float, ry: float, wobble: float) -> np.ndarray:
    """A closed smooth random shape ``(64, 2)`` around ``centre``."""
    theta = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 6):
        r += wobble / k * rng.normal() * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.3, None)
    return np.stack([centre[0] + rx * r * np.cos(theta), centre[1] + ry * r * np.sin(theta)], 1)


def densify(points: np.ndarray, step: float) -> np.ndarray:
    """Resample a polyline ``(N, 2)`` so that consecutive points are about ``step`` apart."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    n = max(2, int(dist[-1] / step) + 1)
    t = np.linspace(0.0, dist[-1], n)
    return np.stack([np.interp(t, dist, points[:, 0]), np.interp(t, dist, points[:, 1])], 1)


def outline(canvas: np.ndarray, poly: np.ndarray, rng, scale: float, ink) -> None:
    """Ink an outline in a few tapered segments (a pen does not trace a shape in one go)."""
    pts = densify(np.concatenate([poly, poly[:1]]), 4.0)
    if len(pts) < 8:
        strokes.polyline(canvas, pts, ink, rng.uniform(1.0, 3.0) * scale)
        return
    cuts = np.sort(rng.choice(np.arange(1, len(pts) - 1), size=3, replace=False))
    width = rng.uniform(1.0, 4.0) * scale
    for seg in np.split(pts, cuts):
        if len(seg) > 2:
            strokes.tapered(canvas, seg, width * rng.uniform(0.6, 1.3), ink, (0.1, 0.9))


def figure(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal: Palette) -> None:
    """A character-like mass: body and head shapes, fills or tone, outlines, hair and folds."""
    h, w = canvas.shape[:2]
    cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.3, 1.0) * h
    size = rng.uniform(0.25, 0.7) * min(h, w) + 40 * scale
    body = blob(rng, (cx, cy), size * 0.55, size * 0.7, 0.35)
    head = blob(rng, (cx + rng.normal(0, 0.1) * size, cy - size * 0.75), size * 0.3, size * 0.33, 0.1)
    for shape in (body, head):
        strokes.fill_polygon(canvas, shape, pal.fill(rng) if rng.random() < 0.5 else pal.paper)
        _details_inside(canvas, shape, rng, scale, pal)
        outline(canvas, shape, rng, scale, pal.ink)
    hair_ink = pal.ink if rng.random() < 0.6 else (20, 20, 20)
    sub = _view_around(canvas, head.mean(0), size * 0.5)
    if sub is not None:
        strokes.hair_bundle(sub, rng, scale, hair_ink)
    _face_marks(canvas, rng, head, size, scale, pal)


def _face_marks(canvas, rng, head: np.ndarray, size: float, scale: float, pal: Palette) -> None:
    centre = head.mean(0)
    ew, eh = size * rng.uniform(0.03, 0.06), size * rng.uniform(0.045, 0.08)
    figures.eyes_at(canvas, rng, centre[0], centre[1] + size * 0.02, size * 0.1, ew, eh, scale, pal)
    mouth = centre + np.array([0, size * 0.15])
    strokes.tapered(
        canvas, np.linspace(mouth - [size * 0.05, 0], mouth + [size * 0.05, 0], 4), 1.5 * scale, pal.ink
    )


def _view_around(canvas: np.ndarray, centre, radius: float):
    """A sub-view of ``canvas`` around ``centre`` (None if outside)."""
    h, w = canvas.shape[:2]
    x0, y0 = int(max(0, centre[0] - radius)), int(max(0, centre[1] - radius))
    x1, y1 = int(min(w, centre[0] + radius)), int(min(h, centre[1] + radius))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return canvas[y0:y1, x0:x1]


def black_mass(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal: Palette) -> None:
    """A solid black area (hair, shadow, night) with white highlight strands cut into it."""
    h, w = canvas.shape[:2]
    centre = (rng.uniform(0, w), rng.uniform(0, h))
    shape = blob(rng, centre, rng.uniform(20, 150) * scale, rng.uniform(20, 150) * scale, 0.5)
    strokes.fill_polygon(canvas, shape, pal.ink)
    sub = _view_around(canvas, centre, 120 * scale)
    if sub is not None and rng.random() < 0.6:
        strokes.hair_bundle(sub, rng, scale, pal.paper)


def dark_shading(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal: Palette) -> None:
    """A shape shaded almost black with dense scribbled strokes (a dark coat, fur, a shadowed
    shirt), leaving small paper gaps: dense ink texture that is not lettering."""
    h, w = canvas.shape[:2]
    centre = (rng.uniform(0, w), rng.uniform(0, h))
    poly = blob(rng, centre, rng.uniform(25, 160) * scale, rng.uniform(25, 160) * scale, 0.4)
    base = rng.uniform(0, 2 * np.pi)
    spread = rng.uniform(0.2, 1.5)
    if rng.random() < 0.4:  # on a dark grey ground
        strokes.fill_polygon(canvas, poly, pal.fill(rng) if pal.colour else (int(rng.integers(40, 140)),) * 3)

    def draw(sub: np.ndarray, _origin: np.ndarray) -> None:
        sh, sw = sub.shape[:2]
        k = int(np.clip(sh * sw / (7 * 7 * scale * scale) * rng.uniform(0.3, 0.9), 10, 1500))
        starts = np.stack([rng.uniform(0, sw, k), rng.uniform(0, sh, k)], 1)
        angles = base + rng.normal(0, spread, k)
        curves = strokes.random_curves(rng, starts, angles, rng.uniform(6, 30, k) * scale, 0.3, 6)
        strokes.tapered_many(sub, curves, rng.uniform(1.0, 3.5, k) * scale, pal.ink)

    strokes.clipped(canvas, poly, draw)
    outline(canvas, poly, rng, scale, pal.ink)


def buildings(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal: Palette) -> None:
    """Perspective lines to a vanishing point and boxes with window grids."""
    h, w = canvas.shape[:2]
    vp = np.array([rng.uniform(-0.5, 1.5) * w, rng.uniform(-0.3, 0.6) * h])
    width = rng.uniform(0.8, 2.0) * scale
    for _ in range(int(rng.integers(6, 25))):
        end = np.array([rng.uniform(-0.2, 1.2) * w, rng.uniform(0.5, 1.5) * h])
        strokes.polyline(canvas, np.stack([vp + (end - vp) * rng.uniform(0.2, 0.5), end]), pal.ink, width)
    for _ in range(int(rng.integers(1, 5))):
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        bw, bh = rng.uniform(30, 200, 2) * scale
        box = np.array([[x0, y0], [x0 + bw, y0], [x0 + bw, y0 + bh], [x0, y0 + bh]])
        strokes.polyline(canvas, box, pal.ink, width, closed=True)
        _windows(canvas, rng, (x0, y0, bw, bh), rng.uniform(8, 25) * scale, max(1.0, width * 0.6), pal)


def _windows(canvas: np.ndarray, rng, box, step: float, width: float, pal: Palette) -> None:
    """A grid of windows in ``box`` (x, y, w, h): outlined, with a cross bar (a "田"), or dark
    panes (ink or grey, some lit): rows of glyph-sized squares, a classic false positive."""
    x0, y0, bw, bh = box
    style = rng.choice(["outline", "cross", "panes"], p=[0.4, 0.3, 0.3])
    pane = pal.ink if rng.random() < 0.5 else (int(rng.integers(60, 170)),) * 3
    for gx in np.arange(x0 + step / 2, x0 + bw - step / 2, step):
        for gy in np.arange(y0 + step / 2, y0 + bh - step / 2, step * 1.4):
            cell = np.array(
                [[gx, gy], [gx + step * 0.5, gy], [gx + step * 0.5, gy + step * 0.7], [gx, gy + step * 0.7]]
            )
            if style == "panes" and rng.random() < 0.8:
                strokes.fill_polygon(canvas, cell, pane)
            strokes.polyline(canvas, cell, pal.ink, width, closed=True)
            if style == "cross":
                mid = cell.mean(0)
                strokes.polyline(canvas, np.array([[gx, mid[1]], [gx + step * 0.5, mid[1]]]), pal.ink, width)
                strokes.polyline(canvas, np.array([[mid[0], gy], [mid[0], gy + step * 0.7]]), pal.ink, width)


@functools.lru_cache(maxsize=32)
def _load_art(path: str, colour: bool) -> np.ndarray:
    try:
        with Image.open(path) as im:
            im.draft("RGB", (1024, 1024))
            return np.asarray(im.convert("RGB" if colour else "L"))
    except (OSError, ValueError) as exc:
        raise ImageReadError(f"cannot read art image {path}: {exc}") from exc


def list_art(folder: str | None) -> tuple[str, ...]:
    """Image files under ``folder`` (recursively), sorted; empty if ``folder`` is None."""
    if not folder:
        return ()
    root = Path(folder)
    if not root.is_dir():
        raise ImageReadError(f"art folder {folder} does not exist or is not a folder")
    return tuple(str(p) for p in sorted(root.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES)


def user_art(canvas: np.ndarray, rng: np.random.Generator, images: tuple[str, ...]) -> None:
    """Fill the view with a random crop of a random user image (text-free art)."""
    h, w = canvas.shape[:2]
    art = _load_art(images[int(rng.integers(len(images)))], canvas.ndim == 3)
    ah, aw = art.shape[:2]
    zoom = max(h / ah, w / aw) * rng.uniform(1.0, 1.6)
    ch, cw = min(ah, int(np.ceil(h / zoom))), min(aw, int(np.ceil(w / zoom)))
    y0, x0 = int(rng.integers(0, ah - ch + 1)), int(rng.integers(0, aw - cw + 1))
    crop = np.ascontiguousarray(art[y0 : y0 + ch, x0 : x0 + cw])
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    canvas[...] = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA).reshape(canvas.shape)


def background(canvas: np.ndarray, rng, scale: float, pal: Palette, images=()) -> None:
    """Paint a panel's background: paper, tone, gradient, speed or focus lines, black, or art."""
    kinds = ["paper", "tone", "speed", "focus", "black", "buildings", "soft", "floor", "sky"]
    probs = [0.33, 0.16, 0.07, 0.07, 0.04, 0.14, 0.05, 0.07, 0.07]
    kind = rng.choice(kinds, p=probs)
    if images and rng.random() < 0.5:
        user_art(canvas, rng, images)
        return
    if kind == "tone":
        apply_ink(canvas, random_tone(canvas.shape[:2], rng, scale), pal.ink)
    elif kind == "speed":
        strokes.speed_lines(canvas, rng, scale, pal.ink)
    elif kind == "focus":
        strokes.focus_lines(canvas, rng, scale, pal.ink)
    elif kind == "black":
        canvas[...] = np.asarray(pal.ink, np.uint8)[: canvas.shape[2] if canvas.ndim == 3 else 1]
        if rng.random() < 0.6:
            strokes.speed_lines(canvas, rng, scale, pal.paper)
    elif kind == "buildings":
        buildings(canvas, rng, scale, pal)
    elif kind == "floor":
        scenery.floor(canvas, rng, scale, pal)
    elif kind == "sky":
        scenery.clouds(canvas, rng, scale, pal)
    elif kind == "soft":
        level = gradient(canvas.shape[:2], rng, rng.uniform(0, 0.3), rng.uniform(0.2, 0.7))
        apply_ink(canvas, level, pal.fill(rng) if pal.colour else pal.ink)


def _details_inside(canvas, poly: np.ndarray, rng, scale: float, pal: Palette) -> None:
    """Hatching, folds or hair drawn inside ``poly`` only (clipped by its mask)."""

    def draw(sub: np.ndarray, _origin: np.ndarray) -> None:
        r = rng.random()
        if r < 0.3:
            strokes.hatching(sub, rng, scale, pal.ink, cross=rng.random() < 0.4)
        elif r < 0.55 and not pal.colour:
            apply_ink(sub, random_tone(sub.shape[:2], rng, scale), pal.ink)
        elif r < 0.75:
            strokes.hair_bundle(sub, rng, scale, pal.ink)
        for _ in range(int(rng.integers(0, 6))):
            hh, ww = sub.shape[:2]
            start = (rng.uniform(0, ww), rng.uniform(0, hh))
            length = rng.uniform(0.2, 0.8) * max(hh, ww)
            curve = strokes.random_curve(rng, start, rng.uniform(0, 2 * np.pi), length, 0.25)
            strokes.tapered(sub, curve, rng.uniform(0.7, 2.5) * scale, pal.ink)

    strokes.clipped(canvas, poly, draw)


def _random_poly(rng: np.random.Generator, h: int, w: int, scale: float) -> np.ndarray:
    centre = (rng.uniform(-0.1, 1.1) * w, rng.uniform(-0.1, 1.1) * h)
    rx, ry = rng.uniform(15, 0.6 * max(h, w) + 40, 2) * rng.uniform(0.4, 1.0) + 8 * scale
    kind = rng.integers(3)
    if kind == 0:
        return blob(rng, centre, rx, ry, rng.uniform(0.05, 0.6))
    if kind == 1:
        a = rng.uniform(-0.3, 0.3)
        c, s = np.cos(a), np.sin(a)
        corners = np.array([[-rx, -ry], [rx, -ry], [rx, ry], [-rx, ry]]) @ np.array([[c, s], [-s, c]])
        return corners + centre
    n = int(rng.integers(3, 8))
    theta = np.sort(rng.uniform(0, 2 * np.pi, n))
    return np.stack([centre[0] + rx * np.cos(theta), centre[1] + ry * np.sin(theta)], 1)


def shape_object(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal: Palette) -> None:
    """An occluding object: filled (paper, tone, black or colour), outlined, with inner detail."""
    h, w = canvas.shape[:2]
    poly = _random_poly(rng, h, w, scale)
    r = rng.random()
    fill = pal.paper if r < 0.65 else pal.ink if r < 0.71 else pal.fill(rng)
    strokes.fill_polygon(canvas, poly, fill)
    if fill != pal.ink:
        _details_inside(canvas, poly, rng, scale, pal)
    outline(canvas, poly, rng, scale, pal.ink)


def busy_art(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal: Palette, images=()) -> None:
    """Background plus a random mix of objects, figures, hair, hatching, blacks and marks."""
    background(canvas, rng, scale, pal, images)
    area = canvas.shape[0] * canvas.shape[1] / (300 * 300 * scale * scale)
    busy = rng.uniform(0.3, 1.5)
    n = 2 + int(rng.poisson(busy * (2.0 + 3.0 * min(area, 4.0))))
    for _ in range(n):
        r = rng.random()
        if r < 0.25:
            shape_object(canvas, rng, scale, pal)
        elif r < 0.33:
            figure(canvas, rng, scale, pal)
        elif r < 0.45:
            figures.character(canvas, rng, scale, pal)
        elif r < 0.57:
            strokes.hair_bundle(canvas, rng, scale, pal.ink)
        elif r < 0.71:
            strokes.line_cluster(canvas, rng, scale, pal.ink)
        elif r < 0.76:
            strokes.hatching(canvas, rng, scale, pal.ink, cross=rng.random() < 0.4)
        elif r < 0.8:
            black_mass(canvas, rng, scale, pal)
        elif r < 0.84:
            scenery.foliage(canvas, rng, scale, pal)
        elif r < 0.89:
            figures.eye_pair(canvas, rng, scale, pal)
        elif r < 0.91:
            figures.paw(canvas, rng, scale, pal)
        elif r < 0.94:
            figures.cat(canvas, rng, scale, pal)
        elif r < 0.97:
            dark_shading(canvas, rng, scale, pal)
        else:
            strokes.scatter_marks(canvas, rng, scale, pal.ink)
    fine_detail(canvas, rng, scale, pal)


def fine_detail(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal: Palette) -> None:
    """Small-scale line work all over the view: short strands, folds, ticks and dots."""
    h, w = canvas.shape[:2]
    n = int(rng.poisson(h * w / (90 * 90 * scale * scale) * rng.uniform(0.1, 0.6)))
    for _ in range(min(n, 60)):
        sub = _view_around(canvas, (rng.uniform(0, w), rng.uniform(0, h)), rng.uniform(15, 45) * scale)
        if sub is None:
            continue
        r = rng.random()
        if r < 0.35:
            strokes.hair_bundle(sub, rng, scale * 0.45, pal.ink)
        elif r < 0.7:
            strokes.line_cluster(sub, rng, scale * 0.4, pal.ink)
        elif r < 0.85:
            strokes.hatching(sub, rng, scale * 0.5, pal.ink, cross=rng.random() < 0.3)
        else:
            strokes.scatter_marks(sub, rng, scale * 0.7, pal.ink)
