"""Frequency-selective extrapolation: holes filled by continuing the texture around them.

Each block of a hole is modelled, over the ``AREA`` x ``AREA`` window centred on it, as a sparse
sum of DFT basis functions fitted to the window's known pixels, weighted by their distance from
the block: the basis function (with its conjugate) that most reduces the weighted residual is
added, one at a time, so a hatching or a dot screen is continued into the hole by its own
frequencies (Seiler & Kaup's frequency-selective extrapolation; block sizes, weights and
iteration counts follow Genser et al.'s fast FSR, the method of opencv-contrib's
``xphoto.inpaint``, which is not in the runtime install). This implementation is numpy only:

- blocks of 16 px are split to 8 and 4 px where the known pixels around them have contrast
  (window statistics from integral images); a block gets more selections (up to
  ``MAX_SELECTIONS``) the more contrast its window has;
- blocks are filled in waves, best-surrounded first; filled pixels are known, at
  ``FILLED_WEIGHT``, to later waves, so deep holes are filled from their edges inwards;
- all blocks of a wave are extrapolated together, with the residual's spectrum updated in place
  (no FFT per selection), in chunks of CHUNK blocks that stay in the CPU's cache and that threads
  share; a block's fill is clipped to the grey levels known around it.

``FAST`` (the ``spectral-fast`` inpainter) trades a little of that quality for about a ninth of
the work: blocks stop at 8 px, at most 40 selections, blocks with smooth surroundings left to
Telea, colour extrapolated on its luma only (measured: docs/notes/2026-12-06-inpainting-at-page-speed.md).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

AREA = 32  # px: every block is extrapolated from the AREA x AREA window centred on it (= DFT size)
SIZES = (16, 8, 4)  # block sizes (px)
RHOS = (0.8, 0.7, 0.66)  # per block size: known pixels weigh RHO ** (distance from the centre)
SPLIT_STD = (3.6, 7.7)  # a 16 (8) px block is split when its window's known pixels have this std
SELECTIONS_PER_STD = 2.0  # basis-function pairs per grey level of std, clipped to:
MIN_SELECTIONS, MAX_SELECTIONS = 10, 50
GAMMA = 0.5  # each selection takes this share of the fitted coefficient (the bases overlap)
FILLED_WEIGHT = 0.5  # weight of pixels filled by an earlier wave
WAVE_KNOWN = 0.7  # a wave takes the blocks with this share of their window known, and those
WAVE_RELATIVE = 0.9  # within this factor of the best-known pending block within AREA px
CHUNK = 128  # blocks extrapolated together (a chunk is also what threads share)


@dataclass(frozen=True)
class Settings:
    """split_std: a 16 (8) px block is split when its window's known pixels have this std;
    max_selections: basis-function pairs per block at most; smooth_std: blocks whose window's
    known pixels have a smaller std are left to Telea (as good there, far cheaper); luma: colour
    is extrapolated on its luma only, its chroma filled by Telea (the texture of printed art is
    in its luma: a third of the work, and no colour fringes)."""

    split_std: tuple[float, float] = SPLIT_STD
    max_selections: int = MAX_SELECTIONS
    smooth_std: float = 0.0
    luma: bool = False


PLAIN = Settings()
FAST = Settings(split_std=(0.0, float("inf")), max_selections=40, smooth_std=20.0, luma=True)


def _decays() -> np.ndarray:
    """``(max size + 1, AREA, AREA)`` float32: the distance weighting of each block size."""
    centre = (AREA - 1) / 2.0
    span = np.arange(AREA)
    distance = np.hypot(span[:, None] - centre, span[None, :] - centre)
    out = np.zeros((SIZES[0] + 1, AREA, AREA), dtype=np.float32)
    for size, rho in zip(SIZES, RHOS, strict=True):
        out[size] = rho**distance
    return out


DECAYS = _decays()
# selection weighting over the half spectrum ``(AREA, AREA // 2 + 1)``: low frequencies first
PRIOR = (
    (1.0 - np.hypot(np.fft.fftfreq(AREA)[:, None], np.fft.rfftfreq(AREA)[None, :]) / np.hypot(0.5, 0.5)) ** 2
).astype(np.float32)


class SpectralInpainter:
    """Frequency-selective extrapolation (numpy).

    inpaint: image ``(H, W)`` or ``(H, W, 3)`` uint8, hole ``(H, W)`` bool -> same shape uint8,
    only hole pixels changed (an image that is all hole comes back unchanged); a colour image
    whose channels are equal (a grey page stored as RGB) is filled once, as grey.
    threads: threads sharing each wave's blocks (None: every core this process may use; the
    result does not depend on it).
    """

    def __init__(self, threads: int | None = None, settings: Settings = PLAIN, name: str = "spectral"):
        self.threads = max(1, threads if threads is not None else len(os.sched_getaffinity(0)))
        self.settings, self.name = settings, name

    def inpaint(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        if not hole.any():
            return image.copy()
        if image.ndim == 3 and bool((image[..., :1] == image[..., 1:]).all()):  # a grey page as RGB
            return np.repeat(self.inpaint(image[..., 0], hole)[..., None], 3, axis=2)
        if image.ndim == 3 and self.settings.luma:
            ycc = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
            ycc = cv2.inpaint(ycc, hole.view(np.uint8), 3, cv2.INPAINT_TELEA)
            ycc[..., 0] = self.inpaint(ycc[..., 0].copy(), hole)  # the luma's hole filled again
            out = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)
            out[~hole] = image[~hole]  # the colour round trip may move the other pixels by a level
            return out
        filled, unfilled = fill_holes(image.astype(np.float32), hole, self.threads, self.settings)
        out = image.copy()
        out[hole] = np.clip(filled[hole] + 0.5, 0, 255).astype(np.uint8)
        if unfilled.any():
            out = cv2.inpaint(out, unfilled.view(np.uint8), 3, cv2.INPAINT_TELEA)
        return out


def fill_holes(
    image: np.ndarray, hole: np.ndarray, threads: int = 1, settings: Settings = PLAIN
) -> tuple[np.ndarray, np.ndarray]:
    """image ``(H, W)`` or ``(H, W, C)`` float32, hole ``(H, W)`` bool -> a filled float copy and
    the ``(H, W)`` bool hole pixels left unfilled (the blocks under ``settings.smooth_std``).
    Each wave's blocks are shared between ``threads`` threads."""
    h, w = hole.shape
    pad = AREA  # every window lies inside the padded arrays; padding counts as unknown
    values = np.pad(image.reshape(h, w, -1), ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    weight = np.pad((~hole).astype(np.float32), pad)  # 1 known, FILLED_WEIGHT filled, 0 missing
    missing = weight == 0
    ys, xs, sizes, stds = _plan(hole, values.mean(axis=2), missing, pad, settings.split_std)
    smooth = stds < settings.smooth_std
    unfilled = np.zeros_like(hole)
    for y, x, s in zip(ys[smooth], xs[smooth], sizes[smooth], strict=True):
        unfilled[y : y + s, x : x + s] = hole[y : y + s, x : x + s]
    ys, xs, sizes, stds = ys[~smooth], xs[~smooth], sizes[~smooth], stds[~smooth]
    selections = np.round(SELECTIONS_PER_STD * stds).clip(MIN_SELECTIONS, settings.max_selections).astype(int)
    top, left = ys + pad + sizes // 2 - AREA // 2, xs + pad + sizes // 2 - AREA // 2
    cy, cx = np.minimum(ys + sizes // 2, h - 1), np.minimum(xs + sizes // 2, w - 1)  # blocks may overhang
    span = np.arange(AREA)
    pending = np.ones(len(ys), dtype=bool)
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    while pending.any():
        wave = np.flatnonzero(pending)
        share = _window_sums(weight > 0, top[wave], left[wave]) / AREA**2
        if share.max() == 0:
            break  # nothing known anywhere near: leave the rest as it is
        nearby = _nearby_max(share, cy[wave], cx[wave], hole.shape)
        chosen = (share > 0) & (share >= np.minimum(WAVE_KNOWN, WAVE_RELATIVE * nearby))
        wave = wave[chosen][np.argsort(-selections[wave[chosen]], kind="stable")]  # _extrapolate wants this
        rows, cols = top[wave, None, None] + span[:, None], left[wave, None, None] + span[None, :]
        known = weight[rows, cols]  # (B, AREA, AREA)
        window = np.moveaxis(values[rows, cols], 3, 1)  # (B, C, AREA, AREA)
        model = _shared(pool, window, known * DECAYS[sizes[wave]], selections[wave])
        seen = (known > 0)[:, None]  # no overshoot beyond the grey levels known around the block
        low = np.where(seen, window, np.inf).min(axis=(2, 3))[..., None, None]
        model = np.clip(model, low, np.where(seen, window, -np.inf).max(axis=(2, 3))[..., None, None])
        for block, k in enumerate(wave):
            y, x, s = ys[k] + pad, xs[k] + pad, sizes[k]
            o = AREA // 2 - s // 2
            todo = missing[y : y + s, x : x + s]
            core = np.moveaxis(model[block, :, o : o + s, o : o + s], 0, 2)  # (s, s, C)
            values[y : y + s, x : x + s][todo] = core[todo]
            weight[y : y + s, x : x + s][todo] = FILLED_WEIGHT
        pending[wave] = False
    if pool is not None:
        pool.shutdown()
    return values[pad : pad + h, pad : pad + w].reshape(image.shape), unfilled


def _shared(
    pool: ThreadPoolExecutor | None, values: np.ndarray, weights: np.ndarray, selections: np.ndarray
) -> np.ndarray:
    """``_extrapolate`` on chunks of CHUNK blocks (a chunk's spectra stay in the CPU's cache
    through its selections: 2-3x faster than the whole wave at once), shared between the pool's
    threads (numpy releases the GIL in the heavy steps); each chunk keeps the descending order."""
    starts = range(0, len(selections), CHUNK)

    def run(start: int) -> np.ndarray:
        part = slice(start, start + CHUNK)
        return _extrapolate(values[part], weights[part], selections[part])

    models = pool.map(run, starts) if pool is not None and len(starts) > 1 else map(run, starts)
    return np.concatenate(list(models))


def _window_sums(mask: np.ndarray, top: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Number of True pixels of ``mask`` in each AREA x AREA window at ``(top, left)``, ``(B,)``."""
    return _box_sums(cv2.integral(mask.view(np.uint8), sdepth=cv2.CV_32S), top, left, AREA, AREA)


def _nearby_max(share: np.ndarray, cy: np.ndarray, cx: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """For each block (centre ``cy``, ``cx``), the largest ``share`` of the blocks centred
    within AREA px of it (on a grid of the smallest block size), ``(B,)``."""
    cell = SIZES[-1]
    grid = np.zeros((shape[0] // cell + 1, shape[1] // cell + 1), dtype=np.float32)
    np.maximum.at(grid, (cy // cell, cx // cell), share.astype(np.float32))
    reach = 2 * (AREA // cell) + 1
    return cv2.dilate(grid, np.ones((reach, reach), np.uint8))[cy // cell, cx // cell]


def _plan(
    hole: np.ndarray, gray: np.ndarray, missing: np.ndarray, pad: int, split_std: tuple[float, float]
) -> tuple[np.ndarray, ...]:
    """The blocks to fill: top-left ``ys``, ``xs`` (image px), ``sizes`` and the std of the
    known pixels of their windows, each ``(B,)``. gray, missing: padded by ``pad``. Every
    level's blocks at once, with box sums from integral images."""
    known = (~missing).astype(np.float64)
    tables = [cv2.integral(a) for a in (known, known * gray, known * gray.astype(np.float64) ** 2)]
    in_hole = cv2.integral(hole.view(np.uint8), sdepth=cv2.CV_32S)
    ys, xs = np.mgrid[0 : hole.shape[0] : SIZES[0], 0 : hole.shape[1] : SIZES[0]].reshape(2, -1)
    found = []
    for level, s in enumerate(SIZES):
        touched = _box_sums(in_hole, ys, xs, s, s, hole.shape) > 0
        ys, xs = ys[touched], xs[touched]
        top, left = ys + pad + s // 2 - AREA // 2, xs + pad + s // 2 - AREA // 2
        count, total, squares = (_box_sums(t, top, left, AREA, AREA) for t in tables)
        mean = total / np.maximum(count, 1)
        stds = np.where(count > 0, np.sqrt(np.maximum(squares / np.maximum(count, 1) - mean**2, 0.0)), 0.0)
        done = np.ones(len(ys), dtype=bool) if level == len(SIZES) - 1 else stds < split_std[level]
        found.append((ys[done], xs[done], np.full(int(done.sum()), s), stds[done]))
        half = s // 2
        ys = (ys[~done, None] + np.array([0, 0, half, half])).ravel()
        xs = (xs[~done, None] + np.array([0, half, 0, half])).ravel()
    return tuple(np.concatenate(column) for column in zip(*found, strict=True))


def _box_sums(
    table: np.ndarray, top: np.ndarray, left: np.ndarray, h: int, w: int, shape: tuple[int, int] | None = None
) -> np.ndarray:
    """Sums over the boxes ``h`` x ``w`` at ``(top, left)`` (``(B,)`` each) of the array whose
    integral image is ``table``; boxes are clipped to ``shape`` when given."""
    bottom, right = top + h, left + w
    if shape is not None:  # a block overhanging the edge may have children wholly outside it
        top, left = np.minimum(top, shape[0]), np.minimum(left, shape[1])
        bottom, right = np.minimum(bottom, shape[0]), np.minimum(right, shape[1])
    return table[bottom, right] - table[top, right] - table[bottom, left] + table[top, left]


def _extrapolate(values: np.ndarray, weights: np.ndarray, selections: np.ndarray) -> np.ndarray:
    """Fit each window's weighted pixels with ``selections[b]`` basis-function pairs, the same
    frequencies for every channel (chosen by their summed energy).

    values ``(B, C, AREA, AREA)``, weights ``(B, AREA, AREA)`` float32; selections ``(B,)`` int,
    in descending order (block b stops after its own count: the batch shrinks to a prefix) ->
    model ``(B, C, AREA, AREA)``.
    """
    n, half = AREA, AREA // 2 + 1
    total = np.maximum(weights.sum(axis=(1, 2)), 1e-6)
    mean = (weights[:, None] * values).sum(axis=(2, 3)) / total[:, None]  # (B, C)
    # residual spectrum over the half plane (the residual is real), and the weights' spectrum
    # tiled 2 x 2 so that its shift by any frequency is a window of it
    residual = np.fft.rfft2(weights[:, None] * (values - mean[..., None, None])).astype(np.complex64)
    tiled = np.tile(np.fft.fft2(weights).astype(np.complex64), (1, 2, 2))
    shifted = np.lib.stride_tricks.sliding_window_view(tiled, (n, half), axis=(1, 2))
    coefficients = np.zeros((*values.shape[:2], n, n), dtype=np.complex64)
    step = (GAMMA / total).astype(np.float32)
    for t in range(int(selections.max(initial=0))):
        m = int(np.count_nonzero(selections > t))
        r = residual[:m]
        energy = (r.real**2 + r.imag**2).sum(axis=1) * PRIOR
        best = energy.reshape(m, -1).argmax(axis=1)
        u, v = best // half, best % half
        cu, cv = (-u) % n, (-v) % n
        own = (u == cu) & (v == cv)  # a real basis function: counted once
        b = np.arange(m)
        c = r[b, :, u, v] * (step[:m] * np.where(own, 0.5, 1.0).astype(np.float32))[:, None]  # (m, C)
        coefficients[b, :, u, v] += c
        coefficients[b, :, cu, cv] += np.conj(c)
        minus, plus = shifted[b, n - u, n - v][:, None], shifted[b, u, v][:, None]
        r -= c[..., None, None] * minus + np.conj(c)[..., None, None] * plus
    return np.fft.ifft2(coefficients).real * (n * n) + mean[..., None, None]
