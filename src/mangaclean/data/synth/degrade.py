"""Print and scan degradation, applied identically to the raw page, the clean page and the
text coverage maps, so that after degradation they still differ only by the lettering.

Order: bleed-through from the back of the sheet, paper tint, slight rotation and resampling
(which also creates moire on screentones), scan blur, extra moire, levels and gamma, sensor
noise, then JPEG (encoded separately for raw and clean, with the same quality).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Degradation:
    """One page's degradation parameters (neutral values mean "off")."""

    bleed: float = 0.0
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    angle: float = 0.0
    resample: float = 1.0
    blur: float = 0.0
    moire: float = 0.0
    black: float = 0.0
    white: float = 255.0
    gamma: float = 1.0
    noise: float = 0.0
    jpeg: int = 0


def sample_degradation(rng: np.random.Generator, colour: bool) -> Degradation:
    """Random parameters, from pristine digital pages to worn scans."""
    if rng.random() < 0.12:
        return Degradation()
    tint = (1.0, 1.0, 1.0)
    if rng.random() < 0.35:
        warm = rng.uniform(0.0, 0.08)
        tint = (1.0, 1.0 - warm * 0.4, 1.0 - warm) if colour else (1.0 - warm / 2,) * 3
    return Degradation(
        bleed=float(rng.uniform(0.02, 0.1)) if rng.random() < 0.2 else 0.0,
        tint=tint,
        angle=float(rng.normal(0, 0.5)) if rng.random() < 0.4 else 0.0,
        resample=float(rng.uniform(0.5, 0.95)) if rng.random() < 0.45 else 1.0,
        blur=float(rng.uniform(0.3, 1.1)) if rng.random() < 0.5 else 0.0,
        moire=float(rng.uniform(0.01, 0.05)) if rng.random() < 0.1 else 0.0,
        black=float(rng.uniform(0, 45)) if rng.random() < 0.4 else 0.0,
        white=float(rng.uniform(215, 255)) if rng.random() < 0.4 else 255.0,
        gamma=float(rng.uniform(0.75, 1.35)) if rng.random() < 0.4 else 1.0,
        noise=float(rng.uniform(1.0, 7.0)) if rng.random() < 0.5 else 0.0,
        jpeg=int(rng.integers(35, 95)) if rng.random() < 0.65 else 0,
    )


def _geometry(img: np.ndarray, deg: Degradation) -> np.ndarray:
    h, w = img.shape[:2]
    if deg.angle:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), deg.angle, 1.0)
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if deg.resample < 1.0:
        small = (max(1, int(w * deg.resample)), max(1, int(h * deg.resample)))
        img = cv2.resize(img, small, interpolation=cv2.INTER_AREA)
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    return img


def _moire(shape: tuple[int, int], rng: np.random.Generator, amplitude: float) -> np.ndarray:
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    fx, fy = rng.uniform(-0.08, 0.08, 2)
    return (1.0 - amplitude * (0.5 + 0.5 * np.cos(2 * np.pi * (fx * x + fy * y)))).astype(np.float32)


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    bgr = img[..., ::-1] if img.ndim == 3 else img
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(bgr), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - cv2 always encodes uint8 images
        return img
    out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return out[..., ::-1] if out.ndim == 3 else out


def _multiply(page: np.ndarray, multipliers: list) -> np.ndarray:
    for m in multipliers:
        m = np.asarray(m, np.float32)
        page = page * (m[..., None] if page.ndim == 3 and m.ndim == 2 else m)
    return page


def _scan(page: np.ndarray, deg: Degradation, noise: np.ndarray | None) -> np.ndarray:
    """Blur, levels, gamma and noise on a float page; returns uint8."""
    if deg.blur:
        page = cv2.GaussianBlur(page, (0, 0), deg.blur)
    t = np.clip(page / 255.0, 0, 1) ** deg.gamma
    page = deg.black + (deg.white - deg.black) * t
    if noise is not None:
        page = page + noise
    return np.clip(page + 0.5, 0, 255).astype(np.uint8)


def degrade(
    raw: np.ndarray,
    clean: np.ndarray,
    alphas: list[np.ndarray],
    deg: Degradation,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Degrade a page pair and its coverage maps alike.

    raw, clean: ``(H, W)`` or ``(H, W, 3)`` uint8; alphas: ``(H, W)`` float32 coverages.
    returns: the degraded ``raw``, ``clean`` (same shapes, uint8) and the warped ``alphas``.
    """
    pages = [raw.astype(np.float32), clean.astype(np.float32)]
    multipliers = []
    if deg.bleed:
        back = cv2.GaussianBlur(pages[0][:, ::-1], (0, 0), 2.0)
        multipliers.append(1.0 - deg.bleed * (1.0 - back / 255.0))
    if raw.ndim == 3:
        multipliers.append(np.asarray(deg.tint, np.float32))
    else:
        multipliers.append(float(np.mean(deg.tint)))
    if deg.moire:
        multipliers.append(_moire(raw.shape[:2], rng, deg.moire))
    noise = None
    if deg.noise:
        noise = rng.normal(0, deg.noise, raw.shape).astype(np.float32)
    out = [_scan(_geometry(_multiply(p, multipliers), deg), deg, noise) for p in pages]
    if deg.jpeg:
        out = [_jpeg(p, deg.jpeg) for p in out]
    warped = [_geometry(a, deg) for a in alphas]
    return out[0], out[1], warped
