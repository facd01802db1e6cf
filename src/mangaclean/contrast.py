"""The grey page the text is found in: luma, darkened where a colour page's pixels differ in hue
from its paper, so colour lettering of little luma contrast (magenta on lavender, yellow or light
blue on pastel paper) stands out as dark ink on light paper, as the segmenter learned it.

For a pixel of luma Y whose nearest paper colour (in hue) has luma P:

    step = CHROMA_WEIGHT * d * clip(d / DEAD_ZONE - 1, 0, 1), d the a*b* distance to that paper
    Y < P:   P - max(P - Y, step)    (the larger of the luma and the chroma contrast)
    Y >= P:  Y - step                (lighter than paper: yellow on cream)

Paper colours are the page's dominant light flat colours (a few at most: pastel paper, white
balloons, caption boxes). The chroma step is weighted like a lightness step of the same size
(8-bit L* is L* x 2.55). A pixel whose luma contrast with its paper is at least its chroma
contrast keeps its luma exactly: black text on any paper, and most art ink, which is darker than
its hue is far. Only contrast hidden from luma is added; the result is never lighter than luma.
A grey page is returned as it is, and a colour page with no flat light colour (a painting) gets
its luma exactly.
"""

from __future__ import annotations

import cv2
import numpy as np

CHROMA_WEIGHT = 2.55  # luma levels per a*b* unit: a chroma step counts like the same lightness step
# a*b* units: paper texture, yellowed newsprint and JPEG chroma noise are not ink; the step ramps up
# to its full weight at twice this, so anti-aliased glyph edges keep their share of the contrast.
DEAD_ZONE = 8.0
SAMPLES = 40_000  # pixels looked at to find the paper colours
REACH_SHARE = 0.01  # flat paper: same colour this share of the short side away (wider than a stroke)
MIN_REACH = 6  # px
FLAT_TOLERANCE = 12  # per channel: JPEG noise and paper texture
MIN_PAPER_SHARE = 0.05  # a paper colour covers at least this share of the page
MIN_PAPER_LUMA = 150  # and is light
MAX_PAPERS = 3
CHUNK_PIXELS = 1 << 20  # pixels projected at once: bounded temporary memory on big scans


def text_gray(page: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` uint8 RGB -> ``(H, W)`` uint8: the grey page for segmenting and
    refining text. A grey page is returned as it is (the same array), a grey page stored as RGB as
    its luma; a colour page gets its ITU-R 601 luma (``io.as_gray``), darkened where its chroma
    distance from the nearest paper colour exceeds its luma contrast with it (see the module's
    docstring). Works in row chunks: besides the ``(H, W)`` result, temporary memory is about 10 MB
    at any page size.
    """
    if page.ndim == 2:
        return page
    out = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    if is_grey(page):
        return out
    papers = paper_colours(page)
    if len(papers) == 0:
        return out
    step, base = _chroma_tables(papers)
    rows = _chunk_rows(page)
    for y in range(0, page.shape[0], rows):
        _darken(page[y : y + rows], out[y : y + rows], step, base)
    return out


def is_grey(page: np.ndarray) -> bool:
    """Whether a page ``(H, W)`` / ``(H, W, 3)`` uint8 is grey: one channel, or three equal ones
    (a scan stored as RGB: every pixel's saturation 0, so its luma is exactly its value), looked
    at in chunks of rows; a colour page stops at its first colour chunk."""
    if page.ndim == 2:
        return True
    rows = _chunk_rows(page)
    for y in range(0, page.shape[0], rows):
        if cv2.countNonZero(cv2.cvtColor(page[y : y + rows], cv2.COLOR_RGB2HSV)[..., 1]):
            return False
    return True


def _chunk_rows(page: np.ndarray) -> int:
    """Rows of ``page`` in one chunk of about CHUNK_PIXELS pixels."""
    return max(1, CHUNK_PIXELS // max(page.shape[1], 1))


def _chroma_tables(papers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """papers ``(K, 3)`` uint8 RGB -> two ``(65536,)`` float32 tables indexed by a pixel's 8-bit
    CIELAB ``a + 256 * b``: the darkening step (its chroma distance to the nearest paper, in luma
    levels, nothing within the dead zone and ramping to full weight at twice it) and that paper's
    luma."""
    lab = cv2.cvtColor(papers[None], cv2.COLOR_RGB2LAB)[0].astype(np.float32)
    levels = cv2.cvtColor(papers[None], cv2.COLOR_RGB2GRAY)[0].astype(np.float32)
    pair = np.arange(1 << 16)
    a, b = (pair & 255).astype(np.float32), (pair >> 8).astype(np.float32)
    distance = np.stack([np.hypot(a - pa, b - pb) for _, pa, pb in lab])  # (K, 65536)
    nearest = distance.argmin(axis=0)
    chroma = distance.min(axis=0)
    step = chroma * np.clip(chroma / DEAD_ZONE - 1.0, 0.0, 1.0) * CHROMA_WEIGHT
    return step.astype(np.float32), levels[nearest]


def _darken(rgb: np.ndarray, luma: np.ndarray, step: np.ndarray, base: np.ndarray) -> None:
    """rgb ``(h, w, 3)`` uint8 and its luma ``(h, w)`` uint8, darkened in place where its chroma
    is away from paper: a pixel darker than its nearest paper gets that paper's luma less the
    larger of its luma and chroma steps; a lighter one (yellow on cream) its luma less the chroma
    step."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    pairs = np.ndarray((lab.size // 3,), "<u2", lab, offset=1, strides=(3,))  # a + 256 * b
    darker = step[pairs]
    coloured = np.flatnonzero(darker)
    if coloured.size == 0:
        return
    flat = luma.reshape(-1)  # whole rows: a view
    value, darker, level = flat[coloured].astype(np.float32), darker[coloured], base[pairs[coloured]]
    below = level - value
    value = np.where(below > 0, level - np.maximum(below, darker), value - darker)
    flat[coloured] = np.clip(value + 0.5, 0, 255).astype(np.uint8)


def paper_colours(page: np.ndarray) -> np.ndarray:
    """The dominant light flat colours of a page ``(H, W, 3)`` uint8 RGB: ``(K, 3)`` uint8,
    K <= MAX_PAPERS, most common first; none (``(0, 3)``) when no light colour covers
    MIN_PAPER_SHARE of the page (a page of art, not of lettered paper).

    Only flat samples count: a pixel whose four neighbours ``reach`` px away (wider than a glyph's
    stroke) have its colour. Paper, balloons and caption boxes are flat at that reach; lettering,
    however much of it there is, is not, so its colour never becomes a paper."""
    height, width = page.shape[:2]
    reach = max(MIN_REACH, round(min(height, width) * REACH_SHARE))
    step = max(1, int(np.sqrt(height * width / SAMPLES)))
    ys, xs = np.arange(reach, height - reach, step)[:, None], np.arange(reach, width - reach, step)[None]
    if ys.size == 0 or xs.size == 0:
        return np.zeros((0, 3), np.uint8)
    centre = page[ys, xs].astype(np.int16)  # (ny, nx, 3)
    flat = np.ones(centre.shape[:2], bool)
    for dy, dx in ((-reach, 0), (reach, 0), (0, -reach), (0, reach)):
        flat &= np.abs(page[ys + dy, xs + dx] - centre).max(axis=2) <= FLAT_TOLERANCE
    total = flat.size
    sample = centre[flat]
    bins = sample >> 4  # 16 levels per channel: JPEG noise stays in one bin or two
    codes = (bins[:, 0] << 8) | (bins[:, 1] << 4) | bins[:, 2]
    counts = np.bincount(codes, minlength=1 << 12)
    papers: list[np.ndarray] = []
    for code in np.argsort(counts)[::-1][: 4 * MAX_PAPERS]:
        if counts[code] < MIN_PAPER_SHARE * total or len(papers) == MAX_PAPERS:
            break
        near = np.abs(sample - sample[codes == code].mean(axis=0)).max(axis=1) <= FLAT_TOLERANCE
        colour = sample[near].mean(axis=0)  # the whole cluster, across bin edges
        if colour @ (0.299, 0.587, 0.114) < MIN_PAPER_LUMA:
            continue
        if any(np.abs(colour - p).max() <= FLAT_TOLERANCE for p in papers):
            continue  # a neighbouring bin of a paper already found
        papers.append(colour)
    return np.array(papers, np.float32).round().astype(np.uint8).reshape(-1, 3)
