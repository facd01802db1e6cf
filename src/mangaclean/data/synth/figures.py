"""Manga-like characters: a head with spiky bangs and strands, large eyes, shoulders and folds.

Crude, but with the parts that sit next to lettering on real pages and look most like it to a
segmenter: dense strand bundles, spiky black hair masses, eyes with lashes and highlights, thin
folds, paws and toes.
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


def eye(canvas, rng, ex: float, ey: float, ew: float, eh: float, scale: float, pal, side: int) -> None:
    """One manga eye centred at ``(ex, ey)``, half-sizes ``(ew, eh)`` px; ``side`` -1 / 1 = which
    way the outer corner (with the lashes) points.

    A thick tapered upper lid with lash spikes, a dark iris (or a tone-grey one with a ring), a
    pupil, one to three highlights, iris shading lines, a short lower lid and maybe a brow: blobs,
    dots and short strokes of glyph size, the marks a text segmenter most often takes for kana.
    """
    ink, paper = strokes.colour(canvas, pal.ink), strokes.colour(canvas, pal.paper)
    lid = _ellipse(ex, ey, ew * 1.15, eh * rng.uniform(0.7, 1.0), 16, np.pi * 1.05, np.pi * 1.95)
    strokes.tapered(canvas, lid, rng.uniform(0.12, 0.3) * eh + scale, pal.ink, (0.1, 0.7))
    outer = lid[-1] if side > 0 else lid[0]  # the lid runs left to right
    for k in range(int(rng.integers(0, 5))):
        up = -(0.1 + 0.12 * k) * np.pi  # fanning up and out from the outer corner
        angle = up if side > 0 else np.pi - up
        length = eh * rng.uniform(0.3, 0.7)
        tip = outer + length * np.array([np.cos(angle), np.sin(angle)])
        strokes.tapered(
            canvas, np.linspace(outer, tip, 4), rng.uniform(0.8, 2.0) * scale, pal.ink, (0.0, 1.0)
        )
    iris_axes = (max(1, int(ew * rng.uniform(0.55, 0.85))), max(1, int(eh * rng.uniform(0.7, 0.95))))
    centre = (int(ex), int(ey + eh * 0.15))
    grey_iris = rng.random() < 0.4
    iris = strokes.colour(canvas, int(rng.integers(90, 170))) if grey_iris else ink
    cv2.ellipse(canvas, centre, iris_axes, 0, 0, 360, iris, -1, cv2.LINE_AA)
    if grey_iris:
        cv2.ellipse(canvas, centre, iris_axes, 0, 0, 360, ink, max(1, int(scale * 1.5)), cv2.LINE_AA)
        pupil = (max(1, iris_axes[0] // 2), max(1, iris_axes[1] // 2))
        cv2.ellipse(canvas, centre, pupil, 0, 0, 360, ink, -1, cv2.LINE_AA)
        for _ in range(int(rng.integers(0, 6))):
            t = rng.uniform(0, 2 * np.pi)
            a = np.array(centre) + 0.5 * np.array(iris_axes) * [np.cos(t), np.sin(t)]
            b = np.array(centre) + 0.95 * np.array(iris_axes) * [np.cos(t), np.sin(t)]
            strokes.polyline(canvas, np.stack([a, b]), pal.ink, max(1.0, 0.8 * scale))
    for k in range(int(rng.integers(1, 4))):
        radius = max(1, int(min(iris_axes) * rng.uniform(0.15, 0.45) / (1 + k)))
        hx = int(ex + rng.uniform(-0.5, 0.3) * ew * side)
        hy = int(ey + rng.uniform(-0.4, 0.5) * eh)
        cv2.circle(canvas, (hx, hy), radius, paper, -1, cv2.LINE_AA)
    if rng.random() < 0.6:
        lower = _ellipse(ex, ey, ew, eh * 0.9, 8, np.pi * 0.3, np.pi * 0.7)
        strokes.tapered(canvas, lower, rng.uniform(0.6, 1.5) * scale, pal.ink)
    if rng.random() < 0.7:
        brow = np.linspace(
            [ex - ew * 1.2, ey - eh * 1.7], [ex + ew * 1.2, ey - eh * rng.uniform(1.4, 2.0)], 5
        )
        strokes.tapered(canvas, brow, rng.uniform(1.0, 2.5) * scale, pal.ink)


def eyes_at(
    canvas, rng, cx: float, cy: float, half_gap: float, ew: float, eh: float, scale: float, pal
) -> None:
    """Two ``eye``s mirrored about ``(cx, cy)``, ``half_gap`` px each side, lashes outward."""
    for side in (-1, 1):
        eye(canvas, rng, cx + side * half_gap, cy, ew, eh, scale, pal, side)


def _face_eyes(canvas, rng, cx, cy, r, scale, pal) -> None:
    gap = r * rng.uniform(0.32, 0.45)
    ew, eh = r * rng.uniform(0.13, 0.22), r * rng.uniform(0.18, 0.3)
    eyes_at(canvas, rng, cx, cy + r * 0.15, gap, ew, eh, scale, pal)
    mouth = np.linspace([cx - r * 0.1, cy + r * 0.6], [cx + r * 0.12, cy + r * 0.58], 5)
    strokes.tapered(canvas, mouth, 1.4 * scale, pal.ink)
    if rng.random() < 0.35:
        for side in (-1, 1):
            _blush(canvas, rng, cx + side * gap * rng.uniform(1.0, 1.3), cy + r * 0.42, r * 0.22, scale, pal)


def _blush(canvas, rng, cx: float, cy: float, width: float, scale: float, pal) -> None:
    """Blush on a cheek: three to six short parallel slanted strokes ("///"), glyph-sized."""
    n = int(rng.integers(3, 7))
    slant = np.array([rng.uniform(0.3, 0.7), -1.0]) * width * rng.uniform(0.25, 0.45)
    for x in np.linspace(cx - width / 2, cx + width / 2, n):
        centre = np.array([x, cy + rng.normal(0, 0.04) * width])
        strokes.tapered(
            canvas, np.linspace(centre - slant, centre + slant, 3), rng.uniform(0.8, 1.5) * scale, pal.ink
        )


def eye_pair(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal) -> None:
    """A pair of eyes on their own (a face in a crowd, a close-up), from glyph size to large."""
    h, w = canvas.shape[:2]
    eh = float(np.exp(rng.uniform(np.log(5), np.log(45)))) * scale
    ew = eh * rng.uniform(0.6, 1.0)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    eyes_at(canvas, rng, cx, cy, ew * rng.uniform(2.2, 3.4) / 2, ew, eh, scale, pal)
    if rng.random() < 0.5:  # nose and mouth marks below
        strokes.tapered(
            canvas, np.linspace([cx, cy + eh * 1.6], [cx - ew * 0.2, cy + eh * 2.0], 3), scale, pal.ink
        )
        mouth = np.linspace([cx - ew * 0.6, cy + eh * 3.0], [cx + ew * 0.6, cy + eh * 2.9], 5)
        strokes.tapered(canvas, mouth, 1.3 * scale, pal.ink)


def paw(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal) -> None:
    """An animal's paw or a gecko's toes: a pad and three to five small toe blobs around it."""
    h, w = canvas.shape[:2]
    size = float(np.exp(rng.uniform(np.log(6), np.log(40)))) * scale
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    ink = strokes.colour(canvas, pal.ink)
    filled = rng.random() < 0.5
    thickness = -1 if filled else max(1, int(rng.uniform(0.8, 2.0) * scale))
    turn = rng.uniform(0, 360)
    cv2.ellipse(
        canvas, (int(cx), int(cy)), (int(size), int(size * 0.8)), turn, 0, 360, ink, thickness, cv2.LINE_AA
    )
    n = int(rng.integers(3, 6))
    for k in range(n):
        t = np.deg2rad(turn) - np.pi / 2 + (k - (n - 1) / 2) * rng.uniform(0.45, 0.6)
        tx, ty = cx + 1.6 * size * np.cos(t), cy + 1.6 * size * np.sin(t)
        axes = (max(1, int(size * 0.35)), max(1, int(size * 0.45)))
        cv2.ellipse(canvas, (int(tx), int(ty)), axes, np.rad2deg(t) + 90, 0, 360, ink, thickness, cv2.LINE_AA)


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
    if rng.random() < 0.3:
        _buttons(canvas, rng, cx + rng.normal(0, 0.1) * r, shoulder + r * 0.3, r, scale, pal)


def _buttons(canvas, rng, x: float, top: float, r: float, scale: float, pal) -> None:
    """A column of two to five buttons (dots or rings) down a coat: reads like an ellipsis."""
    n = int(rng.integers(2, 6))
    radius = max(1, int(r * rng.uniform(0.04, 0.09)))
    thickness = -1 if rng.random() < 0.6 else max(1, int(scale))
    ink = strokes.colour(canvas, pal.ink)
    for y in top + np.arange(n) * r * rng.uniform(0.25, 0.45):
        cv2.circle(canvas, (int(x), int(y)), radius, ink, thickness, cv2.LINE_AA)


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
    _face_eyes(canvas, rng, cx, cy, r, scale, pal)
    _hair(canvas, rng, cx, cy, r, scale, pal)


def _cat_eye(canvas, rng, ex: float, ey: float, r: float, pal) -> None:
    """A round cat eye of radius ``r``: ring, grey or paper iris, slit or round pupil, highlight."""
    ink, paper = strokes.colour(canvas, pal.ink), strokes.colour(canvas, pal.paper)
    iris = strokes.colour(canvas, int(rng.integers(120, 230))) if rng.random() < 0.6 else paper
    axes = (max(1, int(r)), max(1, int(r * rng.uniform(0.85, 1.1))))
    cv2.ellipse(canvas, (int(ex), int(ey)), axes, 0, 0, 360, iris, -1, cv2.LINE_AA)
    cv2.ellipse(canvas, (int(ex), int(ey)), axes, 0, 0, 360, ink, max(1, int(r * 0.2 + 0.5)), cv2.LINE_AA)
    slit = rng.random() < 0.5
    pupil = (max(1, int(r * (0.2 if slit else 0.5))), max(1, int(r * 0.75 if slit else r * 0.5)))
    cv2.ellipse(canvas, (int(ex), int(ey)), pupil, 0, 0, 360, ink, -1, cv2.LINE_AA)
    hx, hy = int(ex + r * rng.uniform(-0.4, 0.4)), int(ey - r * rng.uniform(0.1, 0.45))
    cv2.circle(canvas, (hx, hy), max(1, int(r * rng.uniform(0.15, 0.3))), paper, -1, cv2.LINE_AA)


def _coat(canvas, rng, shape: np.ndarray, r: float, scale: float, pal) -> None:
    """Calico patches (black or grey blobs) or tabby stripes inside ``shape`` ``(N, 2)``."""
    lo, hi = shape.min(0), shape.max(0)

    def draw(sub: np.ndarray, offset: np.ndarray) -> None:
        if rng.random() < 0.6:
            for _ in range(int(rng.integers(1, 5))):
                c = rng.uniform(lo, hi) - offset
                ax, ay = rng.uniform(0.25, 0.8, 2) * r
                patch = _ellipse(c[0], c[1], ax, ay, 24) + rng.normal(0, 0.12 * r, (24, 2))
                grey = pal.ink if rng.random() < 0.5 else int(rng.integers(70, 170))
                strokes.fill_polygon(sub, patch, grey)
        else:
            k = int(rng.integers(4, 12))
            x = np.linspace(lo[0], hi[0], k) - offset[0]
            starts = np.stack([x, np.full(k, lo[1] - offset[1])], 1)
            curves = strokes.random_curves(
                rng, starts, np.pi / 2 + rng.normal(0, 0.2, k), hi[1] - lo[1], 0.15
            )
            strokes.tapered_many(sub, curves, rng.uniform(0.1, 0.25, k) * r + scale, pal.ink, (0.1, 0.6))

    strokes.clipped(canvas, shape, draw)


def cat(canvas: np.ndarray, rng: np.random.Generator, scale: float, pal) -> None:
    """A cat (many manga have one), from glyph size up: body, tail, eared head, calico patches or
    tabby stripes, round eyes, a small nose, an "ω" mouth and whiskers: the blobs, dots and short
    curves around a face that a text segmenter takes for kana."""
    h, w = canvas.shape[:2]
    r = float(np.exp(rng.uniform(np.log(8), np.log(110)))) * scale  # head radius
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    side = 1 if rng.random() < 0.5 else -1
    coat = pal.paper if rng.random() < 0.7 else pal.fill(rng)
    width = max(1.0, rng.uniform(0.05, 0.12) * r)
    body = _ellipse(cx + side * r * 1.1, cy + r * 1.4, r * rng.uniform(1.3, 1.9), r * rng.uniform(0.9, 1.3))
    tail_start = body[0] if side > 0 else body[len(body) // 2]
    tail = strokes.random_curve(rng, tail_start, -np.pi / 2 + side * 0.6, r * rng.uniform(1.2, 2.2), 0.3)
    strokes.tapered(canvas, tail, r * rng.uniform(0.2, 0.35), pal.ink, (0.0, 0.8))
    head = _ellipse(cx, cy, r * 1.1, r * 0.9)
    ears = [
        np.array(
            [
                [cx + s * r * 0.95, cy - r * 0.3],
                [cx + s * r * 0.9, cy - r * 1.4],
                [cx + s * r * 0.2, cy - r * 0.8],
            ]
        )
        for s in (-1, 1)
    ]
    for shape in (body, *ears, head):
        strokes.fill_polygon(canvas, shape, coat)
        strokes.polyline(canvas, shape, pal.ink, width, closed=True)
    for shape in (body, head):
        if rng.random() < 0.7:
            _coat(canvas, rng, shape, r, scale, pal)
    for s in (-1, 1):
        _cat_eye(canvas, rng, cx + s * r * 0.45, cy - r * 0.05, r * rng.uniform(0.18, 0.28), pal)
    nose = np.array([[cx - r * 0.1, cy + r * 0.25], [cx + r * 0.1, cy + r * 0.25], [cx, cy + r * 0.37]])
    strokes.fill_polygon(canvas, nose, pal.ink)
    for s in (-1, 1):  # the "ω" mouth
        arc = _ellipse(cx + s * r * 0.1, cy + r * 0.42, r * 0.1, r * 0.08, 8, 0, np.pi)
        strokes.polyline(canvas, arc, pal.ink, max(1.0, width * 0.7))
        for k in range(int(rng.integers(2, 4))):  # whiskers
            root = np.array([cx + s * r * 0.35, cy + r * (0.3 + 0.08 * k)])
            tip = root + r * rng.uniform(0.6, 1.0) * np.array([s * 1.0, rng.uniform(-0.3, 0.3)])
            strokes.tapered(canvas, np.linspace(root, tip, 4), max(1.0, width * 0.6), pal.ink, (0.0, 0.6))
