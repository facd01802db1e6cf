"""``eval balloons``: does a flat-filled text block look like the paper around it (no grey ghosts)?

The product paints a block on a flat background with one colour, the median of its ring (the
``RING_WIDTH`` px just outside its removal mask), and repaints the paper-coloured pixels up to
``regions.HALO`` px further (JPEG ringing), so the ring scored here is the one just outside that
halo. Per flat block this reports, on luma:
- the mean absolute deviation (MAD) of the filled pixels of the cleaned page from the ring colour
  (0 unless filling is broken);
- the MAD of the ring itself from that colour: paper grain and JPEG noise, plus whatever the mask
  missed right at its edge (anti-aliased fringes, a clipped stroke);
- the share of blocks whose ring holds pixels more than ``GHOST`` levels off the fill colour: a
  stroke fragment or ghost left beside the erased text (or a balloon outline touching the ring).
With true masks (``masks``: same stems, 255 = text), also the share of true text blocks (glyphs
within ``BLOCK_GAP`` px) that the removal mask leaves in pieces: covers more than ``PIECES[0]``
but less than ``PIECES[1]`` of their glyph pixels.
``--overlays`` writes before/after crops of the blocks with the most off-colour ring pixels.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mangaclean import maskops
from mangaclean.eval.boxes_eval import PIECES
from mangaclean.eval.metrics import ratio
from mangaclean.io import Page, as_gray, read_image, write_image
from mangaclean.pipeline import Models, clean_page
from mangaclean.regions import RING_WIDTH

GHOST = 40  # grey levels off the fill colour: plainly visible on paper
BLOCK_GAP = 9  # true glyphs this close are one block (a word, a column, a balloon's lines)


@dataclass
class BalloonReport:
    label: str
    fill_mad: list[float] = field(default_factory=list)
    ring_mad: list[float] = field(default_factory=list)
    ghost_px: list[int] = field(default_factory=list)
    pages: int = 0
    true_blocks: int = 0
    in_pieces: int = 0

    def as_dict(self) -> dict:
        n = len(self.fill_mad)
        return {
            "label": self.label,
            "pages": self.pages,
            "flat_blocks": n,
            "fill_mad_mean": float(np.mean(self.fill_mad)) if n else None,
            "ring_mad_mean": float(np.mean(self.ring_mad)) if n else None,
            "ring_mad_p95": float(np.percentile(self.ring_mad, 95)) if n else None,
            "ghost_blocks": int(np.count_nonzero(self.ghost_px)),
            "ghost_share": float(np.mean(np.array(self.ghost_px) > 0)) if n else None,
            "true_blocks": self.true_blocks,
            "blocks_in_pieces": self.in_pieces,
            "blocks_in_pieces_share": ratio(self.in_pieces, self.true_blocks) if self.true_blocks else None,
        }


def evaluate_balloons(
    images: list[Path], models: Models, label: str, overlay_dir: Path | None = None, masks: Path | None = None
):
    """Clean each page and score its flat-filled blocks (and, with ``masks``, the true blocks
    left in pieces; a page without a mask file is not counted there)."""
    report, worst = BalloonReport(label), []
    for path in images:
        page = read_image(path).pixels
        result = clean_page(page, models)
        original, cleaned = as_gray(page), as_gray(result.page)
        report.pages += 1
        truth = masks / f"{path.stem}.png" if masks is not None else None
        if truth is not None and truth.is_file():
            blocks, pieces = _pieces(read_image(truth).pixels > 127, result.mask)
            report.true_blocks += blocks
            report.in_pieces += pieces
        for region in result.regions:
            if region.fill is None:
                continue
            x, y, w, h = region.box
            y0, x0 = max(y - RING_WIDTH, 0), max(x - RING_WIDTH, 0)
            window = (slice(y0, y + h + RING_WIDTH), slice(x0, x + w + RING_WIDTH))
            own = np.zeros(original[window].shape, bool)
            own[y - y0 : y - y0 + h, x - x0 : x - x0 + w] = region.mask
            ring = original[window][maskops.grow(own, RING_WIDTH) & ~result.mask[window]].astype(np.float32)
            fill = _luma(region.fill)
            report.fill_mad.append(float(np.abs(cleaned[window][own].astype(np.float32) - fill).mean()))
            report.ring_mad.append(float(np.abs(ring - fill).mean()) if ring.size else 0.0)
            ghosts = int((np.abs(ring - fill) > GHOST).sum())
            report.ghost_px.append(ghosts)
            if overlay_dir is not None and ghosts:
                crop = (slice(max(y - 16, 0), y + h + 16), slice(max(x - 16, 0), x + w + 16))
                item = (ghosts, f"{path.stem}_{x}_{y}", np.hstack([original[crop], cleaned[crop]]))
                if len(worst) < 24:
                    heapq.heappush(worst, item)
                else:
                    heapq.heappushpop(worst, item)
    for ghosts, name, picture in worst:
        write_image(overlay_dir / f"{name}_ghost{ghosts}.png", Page(picture))
    return report


def _pieces(truth: np.ndarray, removal: np.ndarray) -> tuple[int, int]:
    """(true blocks, blocks left in pieces) of a page; truth, removal: ``(H, W)`` bool."""
    blocks, pieces = 0, 0
    for (x, y, w, h), _ in maskops.components(maskops.grow(truth, BLOCK_GAP // 2 + 1)):
        window = (slice(y, y + h), slice(x, x + w))
        glyphs = truth[window]
        if not glyphs.any():
            continue
        blocks += 1
        erased = np.count_nonzero(glyphs & removal[window]) / np.count_nonzero(glyphs)
        pieces += PIECES[0] < erased < PIECES[1]
    return blocks, pieces


def _luma(colour: tuple[int, ...]) -> float:
    """A fill colour (1 or 3 values) as the page's own luma (``io.as_gray``'s rounding)."""
    pixel = np.array([[colour]], np.uint8)  # (1, 1, C)
    return float(as_gray(pixel[..., 0] if len(colour) == 1 else pixel)[0, 0])
