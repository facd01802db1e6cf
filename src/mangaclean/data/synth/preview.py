"""Contact sheets: a grid of samples to look at, each shown raw and with its mask overlaid."""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.data.synth.page import SFX_CODE, TEXT_CODE, SynthSample

TEXT_TINT = np.array([230, 40, 40], np.float32)
SFX_TINT = np.array([40, 90, 230], np.float32)


def _rgb(img: np.ndarray) -> np.ndarray:
    return np.repeat(img[..., None], 3, 2) if img.ndim == 2 else img


def overlay(sample: SynthSample, strength: float = 0.85) -> np.ndarray:
    """``raw`` as RGB with text pixels tinted red and sound effects blue; ``(H, W, 3)`` uint8."""
    out = _rgb(sample.raw).astype(np.float32)
    for code, tint in ((TEXT_CODE, TEXT_TINT), (SFX_CODE, SFX_TINT)):
        sel = sample.mask == code
        out[sel] = out[sel] * (1 - strength) + tint * strength
    return out.astype(np.uint8)


def _fit(img: np.ndarray, tile: int) -> np.ndarray:
    """Scale ``img`` to fit a ``tile`` x ``tile`` square, padded with grey."""
    h, w = img.shape[:2]
    k = tile / max(h, w)
    small = cv2.resize(img, (max(1, int(w * k)), max(1, int(h * k))), interpolation=cv2.INTER_AREA)
    out = np.full((tile, tile, 3), 128, np.uint8)
    y, x = (tile - small.shape[0]) // 2, (tile - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def contact_sheet(
    samples: list[SynthSample], columns: int = 4, tile: int = 320, with_masks: bool = True
) -> np.ndarray:
    """A grid of ``samples``; each cell is raw (and the mask overlay beside it).

    returns: ``(rows * tile, columns * cell_width, 3)`` uint8 RGB.
    """
    cells = []
    for s in samples:
        parts = [_fit(_rgb(s.raw), tile)]
        if with_masks:
            parts.append(_fit(overlay(s), tile))
        cells.append(np.concatenate(parts, 1))
    if not cells:
        return np.full((tile, tile, 3), 128, np.uint8)
    rows = -(-len(cells) // columns)
    blank = np.full_like(cells[0], 128)
    cells += [blank] * (rows * columns - len(cells))
    grid = [np.concatenate(cells[r * columns : (r + 1) * columns], 1) for r in range(rows)]
    sheet = np.concatenate(grid, 0)
    sheet[:, :: cells[0].shape[1]] = 255
    sheet[::tile] = 255
    return sheet
