"""Screentones: dot halftones, line tones, sand (noise) tones and their gradients.

Every function returns ink *coverage*, ``(H, W)`` float32 in ``[0, 1]`` (1 = full ink), so the
caller decides the ink colour and the region. Tone levels may be a scalar or an ``(H, W)``
array (gradient tones: the dots grow across the region, as printed gradation tones do).
"""

from __future__ import annotations

import cv2
import numpy as np


def _rotated_coords(h: int, w: int, angle: float, pitch: float, rng: np.random.Generator):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    phase_x, phase_y = rng.random(2) * pitch
    c, s = np.cos(angle), np.sin(angle)
    u = ((x + phase_x) * c + (y + phase_y) * s) / pitch
    v = (-(x + phase_x) * s + (y + phase_y) * c) / pitch
    return u, v


def _threshold(field: np.ndarray, cut, softness: float) -> np.ndarray:
    """Anti-aliased ``field > cut`` (softness: field units per pixel)."""
    return np.clip((field - cut) / max(softness, 1e-3) + 0.5, 0.0, 1.0).astype(np.float32)


def dot_tone(
    shape: tuple[int, int], rng: np.random.Generator, pitch: float, angle: float, level
) -> np.ndarray:
    """Round-dot halftone; ``level`` = ink share (scalar or (H, W)), ``pitch`` in pixels."""
    h, w = shape
    u, v = _rotated_coords(h, w, angle, pitch, rng)
    field = (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) * 0.5
    level = np.clip(level, 0.0, 1.0)
    cut = 1.0 - 2.0 * np.sqrt(level) * 0.95 if np.ndim(level) == 0 else None
    if cut is None:
        cut = (1.0 - 2.0 * np.sqrt(level) * 0.95).astype(np.float32)
    return _threshold(field, cut, 2.2 / pitch)


def line_tone(
    shape: tuple[int, int], rng: np.random.Generator, pitch: float, angle: float, level
) -> np.ndarray:
    """Parallel-line tone; ``level`` = ink share."""
    h, w = shape
    u, _ = _rotated_coords(h, w, angle, pitch, rng)
    field = np.cos(2 * np.pi * u)
    cut = np.cos(np.pi * np.clip(level, 0.0, 1.0)).astype(np.float32)
    return _threshold(field, cut, 4.0 / pitch)


def sand_tone(shape: tuple[int, int], rng: np.random.Generator, grain: float, level) -> np.ndarray:
    """Noise ("sand") tone: grains of about ``grain`` pixels, ink share about ``level``."""
    h, w = shape
    small = (max(2, int(h / grain)), max(2, int(w / grain)))
    noise = rng.random(small, dtype=np.float32)
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)
    noise += rng.normal(0, 0.08, (h, w)).astype(np.float32)
    cut = 1.0 - np.clip(level, 0.0, 1.0)
    return _threshold(noise, cut, 0.15)


def gradient(shape: tuple[int, int], rng: np.random.Generator, lo: float, hi: float) -> np.ndarray:
    """A linear or radial ramp from ``lo`` to ``hi``; ``(H, W)`` float32."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.6:
        a = rng.uniform(0, 2 * np.pi)
        t = x * np.cos(a) + y * np.sin(a)
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        t = np.hypot(x - cx, y - cy)
    t = (t - t.min()) / max(float(np.ptp(t)), 1.0)
    return (lo + (hi - lo) * t).astype(np.float32)


def random_tone(shape: tuple[int, int], rng: np.random.Generator, scale: float) -> np.ndarray:
    """A random screentone as printed on manga pages (pitch scaled by page ``scale``)."""
    h, w = shape
    kind = rng.choice(["dot", "dot", "dot", "line", "sand", "coarse"], p=[0.3, 0.2, 0.1, 0.15, 0.15, 0.1])
    level = rng.uniform(0.08, 0.6)
    if rng.random() < 0.35:
        level = gradient(shape, rng, rng.uniform(0.0, 0.2), rng.uniform(0.3, 0.8))
    pitch = float(rng.uniform(3.0, 8.0) * scale)
    if kind == "coarse":  # polka dots and coarse halftone: separate dots of punctuation size
        angle = float(rng.choice([np.pi / 4, 0.0, rng.uniform(0, np.pi / 2)]))
        return dot_tone((h, w), rng, float(rng.uniform(9.0, 32.0) * scale), angle, rng.uniform(0.04, 0.25))
    if kind == "dot":
        angle = float(rng.choice([np.pi / 4, 0.0, rng.uniform(0, np.pi / 2)]))
        return dot_tone((h, w), rng, max(2.5, pitch), angle, level)
    if kind == "line":
        return line_tone((h, w), rng, max(2.5, pitch * 0.7), float(rng.uniform(0, np.pi)), level)
    return sand_tone((h, w), rng, float(rng.uniform(0.7, 1.6) * scale), level * 0.7)


def apply_ink(region: np.ndarray, coverage: np.ndarray, ink, where: np.ndarray | None = None):
    """Blend ``ink`` into ``region`` (a view of the canvas) with ``coverage`` (times ``where``).

    region: ``(h, w)`` or ``(h, w, 3)`` uint8, modified in place; coverage: ``(h, w)`` float.
    """
    alpha = coverage if where is None else coverage * where
    if region.ndim == 3:
        alpha = alpha[..., None]
    ink_arr = np.asarray(ink, np.float32)
    if region.ndim == 2 and ink_arr.ndim:
        ink_arr = ink_arr.mean()
    blended = region.astype(np.float32) * (1.0 - alpha) + ink_arr * alpha
    region[...] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
