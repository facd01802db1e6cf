"""Overlapping tiles, so that segmentation and inpainting work on bounded pieces of any page, and
the segmenter base that runs a network at a working resolution in such tiles."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from mangaclean.contrast import text_gray
from mangaclean.io import as_rgb


def tile_spans(length: int, tile: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """Tiles along one axis as ``(read_start, read_stop, keep_start, keep_stop)``: each tile reads
    ``overlap`` px of context beyond the part it keeps; the kept parts cover ``[0, length)`` once."""
    if length <= tile:
        return [(0, length, 0, length)]
    step = tile - 2 * overlap
    return [
        (max(start - overlap, 0), min(start + step + overlap, length), start, min(start + step, length))
        for start in range(0, length, step)
    ]


def tiles(
    height: int, width: int, tile: int, overlap: int
) -> Iterator[tuple[tuple[slice, slice], tuple[slice, slice]]]:
    """2-D tiles of an ``(height, width)`` area: ``(read, keep)`` windows as slice pairs, ``keep``
    relative to ``read``; the kept parts cover the area once."""
    for ry0, ry1, ky0, ky1 in tile_spans(height, tile, overlap):
        for rx0, rx1, kx0, kx1 in tile_spans(width, tile, overlap):
            read = (slice(ry0, ry1), slice(rx0, rx1))
            yield read, (slice(ky0 - ry0, ky1 - ry0), slice(kx0 - rx0, kx1 - rx0))


class TiledSegmenter:
    """A segmentation network run at a working resolution, in tiles; subclasses supply ``_logits``.

    probability: ``(H, W)`` / ``(H, W, 3)`` uint8 -> ``(H, W)`` uint8 (probability x 255). The
    network learned glyph sizes from synthetic pages of 827-1190 x 1170-1700 px seen at
    0.6-1.5x, so a page whose short side is over ``max_short_side`` is shrunk to it (big scans;
    the short side, so that a webtoon strip or a two-page spread keeps its lettering's size), one
    whose long side is under ``min_long_side`` is enlarged to it (small web pages), and the
    probabilities are resized back; the caller's binarisation runs at full resolution.
    Larger inputs run in overlapping tiles; each tile keeps only its centre (``overlap`` px of
    context each side are discarded), so memory is bounded whatever the page size and no seam
    appears.
    """

    name: str
    channels: int = 1
    tile: int = 1024
    overlap: int = 64
    min_long_side: int = 900
    max_short_side: int = 1200
    fixed_scale: float | None = None  # set: work at this scale instead (``eval --scales``)

    def working_scale(self, height: int, width: int) -> float:
        """The factor a ``height`` x ``width`` page is resized by before segmentation."""
        if self.fixed_scale is not None:
            return self.fixed_scale
        short, long = min(height, width), max(height, width)
        if short > self.max_short_side:
            return self.max_short_side / short
        return max(long, self.min_long_side) / long

    def probability(self, page: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray:
        h, w = page.shape[:2]
        if self.channels == 1:  # the text grey, derived once at the page's size
            page = text_gray(page) if gray is None else gray
        scale = self.working_scale(h, w)
        if scale == 1.0:
            return self._tiled(page)
        size = (round(w * scale), round(h * scale))
        shrink, grow = cv2.INTER_AREA, cv2.INTER_CUBIC
        resized = cv2.resize(page, size, interpolation=shrink if scale < 1 else grow)
        probability = self._tiled(resized)
        return cv2.resize(probability, (w, h), interpolation=grow if scale < 1 else shrink)

    def _tiled(self, page: np.ndarray) -> np.ndarray:
        """page: ``(h, w)`` text grey (one-channel networks) or ``(h, w[, 3])`` RGB."""
        image = page[None] if self.channels == 1 else np.moveaxis(as_rgb(page), 2, 0)
        h, w = image.shape[1:]
        out = np.empty((h, w), np.float32)
        windows = list(tiles(h, w, self.tile, self.overlap))
        for index, (read, keep) in enumerate(windows):
            last_of_many = len(windows) > 1 and index == len(windows) - 1
            logits = self._logits(image[(slice(None), *read)], release=last_of_many)
            out[read][keep] = logits[keep]
        return (255.0 / (1.0 + np.exp(-out)) + 0.5).astype(np.uint8)

    def _logits(self, image: np.ndarray, release: bool = False) -> np.ndarray:
        """``(C, h, w)`` uint8 -> ``(h, w)`` float32 logits; ``release``: free the engine's
        working memory afterwards (a big page is done)."""
        raise NotImplementedError
