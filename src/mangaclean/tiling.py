"""Overlapping tiles, so that segmentation and inpainting work on bounded pieces of any page."""

from __future__ import annotations

from collections.abc import Iterator


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
