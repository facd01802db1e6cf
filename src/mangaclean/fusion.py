"""Two opinions, one decision per text block: the project's network and a text-line detector.

The network (trained on synthetic pages) marks glyph pixels but also eyes, paws and hair; the
line detector (trained on real text, ``backends/text_lines.py``) finds whole lines, but also
sound effects and some art. Neither is decided pixel by pixel here: the network's pixels are
grouped into blocks (glyphs within ``GAP`` of each other), and

- a block the detector confirms (``CONFIRM`` of its pixels inside a line) is text, and so are
  the lines it touches, whole: "!!", a dakuten, a dash the network skipped come with their word;
- a block only the network finds is text when it reads as lettering on its own: several glyphs
  (``MIN_GLYPHS`` components) on flat paper, or marks alone in the middle of a rounded balloon
  ("!?", an ellipsis: ``_alone_in_balloon``); a lone blob or marks over art (an eye, a button)
  are left;
- a block that is mostly big solid dots of ink (``DOT``) is art (a snowman's buttons, which the
  detector may take for a line), never punctuation, whose dots are a few px;
- a line only the detector finds is text when it lies on flat paper (a balloon) and the
  detector is sure of it (``LINE_SCORE``); lines over art are left.

A kept line's glyphs are its ink components that stay near it (``line_glyphs``), and a "line"
far thicker than its marks are long (``THICK``) is an area of the art. The decision runs at
the detector's working size (a page's long side of 960 px), where a block is a few thousand
pixels; the result is a text probability map at page size (the network's probability in kept
blocks, 255 on the glyphs of kept lines), which ``masks.refine_text_mask`` turns into glyph
pixels as it does for any segmenter.
"""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.maskops import glyphs_in_box, grow, is_flat

# Net pixels within this many px (at working size) are one block: the gap between glyphs of a
# word or of neighbouring columns.
GAP = 4
# A block is confirmed when at least this share of its pixels lies inside a detected line.
CONFIRM = 0.3
# A block the detector did not confirm is kept with at least this many glyph components on paper.
MIN_GLYPHS = 3
# A solid round mark at least this share of the page's long side is a drawn dot (a button, a pupil),
# not punctuation: an ellipsis' dots are a few px on a page (about 0.4% of its long side).
DOT = 0.015
# A block is such dots when they hold this share of its marked pixels (a button and its shadow).
DOT_SHARE = 0.8
# A balloon: an enclosed region of light paper (not touching the page's edge) of at most this
# share of the page, filling BALLOON_SOLID of its convex hull; marks alone in one ("!?", an
# ellipsis), within BALLOON_CENTRE of its middle (a share of its box), are its lettering.
BALLOON_AREA, BALLOON_SOLID, BALLOON_CENTRE = 0.08, 0.9, 0.25
# A balloon's paper is at least this light, unblurred: a thin outline, blurred and shrunk to the
# working size, stays darker and closes it.
BALLOON_LIGHT = 215
# A line the network did not find is kept on paper with at least this mean detector score.
LINE_SCORE = 0.6
# A line that confirms a block is taken whole if it lies on paper or the network marked at
# least this share of its glyph pixels (otherwise it is art around a blob the network marked).
COVERED = 0.2
# Paper is a flat tone at least this light (or at most this dark: white lettering on black),
# judged on the page blurred by PAPER_BLUR px (a printed page's halftone dots).
# PAPER_SHARE of the ring within maskops.FLAT_TOLERANCE of one tone: the rest may be a balloon's
# outline passing near a short line.
PAPER_LIGHT, PAPER_DARK, PAPER_BLUR, PAPER_SHARE = 150, 70, 1.0, 0.8
CONFIRMED, ON_PAPER = 1, 2
# A line's glyphs may stick out of the detected line by this share of its thickness; ink that
# runs further is art.
REACH = 0.3
# A line at least THICK times as thick as its glyphs are long is an area of the art the detector
# took for text (a face, a scarf), not a line of lettering.
THICK = 4
# The ring around a block or line that tells paper from art: this many px wide, outside a margin.
RING = 4


def fuse(gray: np.ndarray, net: np.ndarray, lines: np.ndarray, level: int) -> np.ndarray:
    """The fused text probability of a page.

    gray: ``(H, W)`` uint8 page; net: ``(H, W)`` uint8 network probability x 255; lines:
    ``(h, w)`` uint8 line scores x 255 at the detector's working size; level: the probability
    at which a net pixel is text. returns ``(H, W)`` uint8: the network's probability in kept
    blocks, 255 on the glyphs (``line_glyphs``) of kept lines; it is ``net`` itself, overwritten.
    """
    height, width = gray.shape
    size = (lines.shape[1], lines.shape[0])
    small_gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    text = cv2.resize(net, size, interpolation=cv2.INTER_AREA) >= level
    blocks, line_labels, line_stats, kinds = decide(small_gray, text, lines)
    out = net  # reused in place: no second page-sized map (48 MB on a 6000x8000 scan)
    out *= cv2.resize(blocks.view(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
    scale = (height / size[1], width / size[0])
    for index in np.flatnonzero(kinds):  # each kept line at page size, one crop at a time
        window, inside, pad, thickness = _line_at_page_size(
            line_labels, line_stats[index], index, scale, gray.shape
        )
        glyphs = line_glyphs(gray[window], inside, pad)
        if _glyph_extent(glyphs) * THICK < thickness:
            continue  # marks far smaller than the line is thick: an area of the art, not a line
        if kinds[index] == CONFIRMED and not (net[window][glyphs] >= level).mean() >= COVERED:
            continue  # the network saw little of this line, and it is not on paper: art around a blob
        if _drawn_dots(gray[window], glyphs, DOT * max(height, width)):
            continue  # a column of buttons
        out[window][glyphs] = 255
    return out


def decide(gray: np.ndarray, text: np.ndarray, lines: np.ndarray):
    """Which blocks and lines are text, at working size.

    gray: ``(h, w)`` uint8; text: ``(h, w)`` bool net text pixels; lines: ``(h, w)`` uint8 line
    scores x 255. returns (kept block areas ``(h, w)`` bool, covering all their net pixels; the
    lines' labels ``(h, w)`` int32 and stats ``(N, 5)`` as ``cv2.connectedComponentsWithStats``
    gives them; each line's kind ``(N,)``: CONFIRMED (by a block, off paper), ON_PAPER (sure or
    confirmed, on paper) or 0 = not text).
    """
    paper = cv2.GaussianBlur(gray, (0, 0), PAPER_BLUR)  # printed paper's halftone dots are not art
    components = cv2.connectedComponentsWithStats
    line_count, line_labels, line_stats, _ = components((lines > 0).view(np.uint8), connectivity=8)
    count, labels, stats, _ = components(grow(text, GAP).view(np.uint8), connectivity=8)
    balloons = components((gray >= BALLOON_LIGHT).view(np.uint8), connectivity=4)
    keep_block = np.zeros(count, bool)
    kinds = np.zeros(line_count, np.uint8)
    for index in range(1, count):
        x, y, w, h, _ = stats[index]
        window = (slice(y, y + h), slice(x, x + w))
        mine = (labels[window] == index) & text[window]
        if _drawn_dots(gray[window], mine, DOT * max(gray.shape)):
            continue  # buttons, pupils: whatever the detector says of a column of them
        touched = line_labels[window][mine]
        if np.count_nonzero(touched) >= CONFIRM * touched.size:
            keep_block[index] = True
            kinds[np.unique(touched)] = CONFIRMED
        elif _on_paper(paper, labels, index, stats[index]) and (
            _glyph_count(mine) >= MIN_GLYPHS or _alone_in_balloon(balloons, labels, index, stats[index])
        ):
            keep_block[index] = True
    kinds[0] = 0
    for index in range(1, line_count):
        x, y, w, h, _ = line_stats[index]
        mine = line_labels[y : y + h, x : x + w] == index
        sure = kinds[index] == CONFIRMED or lines[y : y + h, x : x + w][mine].mean() >= LINE_SCORE * 255
        if sure and _on_paper(paper, line_labels, index, line_stats[index]):
            kinds[index] = ON_PAPER
    keep_block[0] = False
    return keep_block[labels], line_labels, line_stats, kinds


def _line_at_page_size(labels: np.ndarray, stat: np.ndarray, index: int, scale, shape):
    """Line ``index`` of the working-size ``labels`` at page size: (the page window around it,
    with ``2 * pad`` px of margin; the line inside that window ``(h, w)`` bool; ``pad``, the
    reach of its glyphs: REACH of its thickness; its thickness in px). scale: (sy, sx) page /
    working size."""
    x, y, w, h, _ = stat
    sy, sx = scale
    top, left = int(y * sy), int(x * sx)
    bottom, right = min(int(np.ceil((y + h) * sy)), shape[0]), min(int(np.ceil((x + w) * sx)), shape[1])
    thickness = min(bottom - top, right - left)
    pad = max(2, round(REACH * thickness))
    y0, x0 = max(top - 2 * pad, 0), max(left - 2 * pad, 0)
    y1, x1 = min(bottom + 2 * pad, shape[0]), min(right + 2 * pad, shape[1])
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    part = (labels[y : y + h, x : x + w] == index).view(np.uint8)
    part = cv2.resize(part, (right - left, bottom - top), interpolation=cv2.INTER_NEAREST)
    inside[top - y0 : bottom - y0, left - x0 : right - x0] = part
    return (slice(y0, y1), slice(x0, x1)), inside.view(bool), pad, thickness


def line_glyphs(gray: np.ndarray, inside: np.ndarray, pad: int) -> np.ndarray:
    """The glyphs of one detected line: the ink components (Otsu's minority side inside the line)
    that touch the line and stay within ``pad`` px of it, whole; ink that runs further (a balloon
    outline, a line of the art crossing the text) is not lettering.

    gray: ``(h, w)`` uint8 crop with at least ``2 * pad`` px around the line; inside: ``(h, w)``
    bool, the line. returns ``(h, w)`` bool.
    """
    line = glyphs_in_box(gray, inside)
    if not line.any():
        return line
    values = gray[inside]
    dark = bool(gray[line].mean() < values.mean())
    level = gray[line].max() if dark else gray[line].min()
    ink = gray <= level if dark else gray >= level
    # within pad of the line; a distance transform costs the same at any pad (a dilation by a
    # disk of a big scan's line thickness does not)
    reach = cv2.distanceTransform((~inside).view(np.uint8), cv2.DIST_L2, 3) <= pad
    count, labels = cv2.connectedComponents(ink.view(np.uint8), connectivity=8)
    runs_out = np.bincount(labels[ink & ~reach], minlength=count) > 0
    touches = np.bincount(labels[line], minlength=count) > 0
    keep = touches & ~runs_out
    keep[0] = False
    return keep[labels]


def _glyph_extent(glyphs: np.ndarray) -> float:
    """The size (px, the longer side) of a line's larger glyph components ``(h, w)`` bool: the
    75th percentile, so dakuten and dots do not count; 0 if none."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(glyphs.view(np.uint8), connectivity=8)
    sizes = np.maximum(stats[1:, 2], stats[1:, 3])
    return float(np.percentile(sizes, 75)) if count > 1 else 0.0


def _glyph_count(mask: np.ndarray) -> int:
    """Connected components of a block's text pixels ``(h, w)`` bool."""
    return cv2.connectedComponents(mask.view(np.uint8), connectivity=8)[0] - 1


def _alone_in_balloon(balloons, labels: np.ndarray, index: int, stat: np.ndarray) -> bool:
    """Whether block ``index`` of ``labels`` holds every mark of the balloon it sits in.

    balloons: ``cv2.connectedComponentsWithStats`` of the page's light paper (4-connected, so a
    balloon's outline closes it). The block's ring must lie in one such region that does not
    touch the page's edge, covers at most BALLOON_AREA of the page and is rounded (a face
    between hair and eyes is not), the block must sit in its middle, and the ink enclosed in the
    region (its holes) must be the block's."""
    _, light, light_stats, _ = balloons
    x, y, w, h, _ = stat
    window, mine, ring = _ring(labels, index, stat)
    y0, x0 = window[0].start, window[1].start
    around = light[window][ring]
    region = int(np.bincount(around).argmax()) if around.size else 0
    if region == 0 or (around == region).mean() < PAPER_SHARE:
        return False
    rx, ry, rw, rh, area = light_stats[region]
    height, width = light.shape
    if rx == 0 or ry == 0 or rx + rw == width or ry + rh == height or area > BALLOON_AREA * height * width:
        return False
    centre = ((x + w / 2 - rx) / rw, (y + h / 2 - ry) / rh)
    if max(abs(centre[0] - 0.5), abs(centre[1] - 0.5)) > BALLOON_CENTRE:
        return False
    inside = light[ry : ry + rh, rx : rx + rw] == region
    outline = cv2.findContours(inside.view(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
    if area < BALLOON_SOLID * cv2.contourArea(cv2.convexHull(np.concatenate(outline))):
        return False  # not a rounded balloon: a face between hair and eyes, a gap in the art
    holes = _holes(inside)
    ys, xs = np.nonzero(grow(mine, GAP))
    ys, xs = ys + y0 - ry, xs + x0 - rx  # the block's pixels in the region's box
    keep = (ys >= 0) & (ys < rh) & (xs >= 0) & (xs < rw)
    ours = np.count_nonzero(holes[ys[keep], xs[keep]])
    return ours >= 0.9 * np.count_nonzero(holes)


def _holes(region: np.ndarray) -> np.ndarray:
    """The pixels ``region`` ``(h, w)`` bool encloses (not reachable from the box's edge)."""
    outside = np.pad(~region, 1, constant_values=True).view(np.uint8)
    _, parts = cv2.connectedComponents(outside, connectivity=8)
    return (parts[1:-1, 1:-1] != parts[0, 0]) & ~region


def _drawn_dots(gray: np.ndarray, mask: np.ndarray, size: float) -> bool:
    """Whether a block's text pixels ``mask`` ``(h, w)`` bool are mostly (DOT_SHARE) solid round
    dots of ink at least ``size`` px across: a solid mark (filling 60% of its box) whose ink (the
    dark side of Otsu's threshold in its box of ``gray`` ``(h, w)`` uint8) is one blob of about
    its area, convex (hull filled to 90%), about as wide as high (0.75) and filling 65% of its
    box (a disc: 79%); a bold glyph that the network marked as a blob still has strokes and
    counters in its ink."""
    if max(mask.shape) < size:
        return False  # no room for one such dot
    stats = cv2.connectedComponentsWithStats(mask.view(np.uint8), connectivity=8)[2][1:]
    dots = 0
    for x, y, w, h, area in stats:
        if max(w, h) < size or min(w, h) < 0.75 * max(w, h) or area < 0.6 * w * h:
            continue
        box = gray[y : y + h, x : x + w]
        _, ink = cv2.threshold(box, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        blob_count, blobs, blob_stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        if blob_count < 2:
            continue
        largest = 1 + int(np.argmax(blob_stats[1:, 4]))
        _, _, bw, bh, blob_area = blob_stats[largest]
        points = cv2.findNonZero((blobs == largest).astype(np.uint8))
        hull = cv2.contourArea(cv2.convexHull(points))
        if (
            0.7 * area <= blob_area <= 1.4 * area  # the mark is this blob of ink, not art around it
            and blob_area >= 0.9 * max(hull, 1.0)
            and blob_area >= 0.65 * bw * bh
            and min(bw, bh) >= 0.75 * max(bw, bh)
            and max(bw, bh) >= size
        ):
            dots += area
    return dots > 0 and dots >= DOT_SHARE * stats[:, 4].sum()


def _ring(labels: np.ndarray, index: int, stat: np.ndarray):
    """Component ``index`` of ``labels`` (``stat``: its stats row) in a window around it: (the
    window, its pixels there ``(h, w)`` bool, the ring RING to 2 * RING px outside them)."""
    x, y, w, h, _ = stat
    pad = 2 * RING + 2
    y0, x0 = max(y - pad, 0), max(x - pad, 0)
    window = (slice(y0, min(y + h + pad, labels.shape[0])), slice(x0, min(x + w + pad, labels.shape[1])))
    mine = labels[window] == index
    return window, mine, grow(mine, 2 * RING) & ~grow(mine, RING)


def _on_paper(gray: np.ndarray, labels: np.ndarray, index: int, stat: np.ndarray) -> bool:
    """Whether the ring just outside component ``index`` of ``labels`` is paper: one flat tone,
    light (or black, for white lettering), not a coloured or grey area of the art."""
    window, _, ring = _ring(labels, index, stat)
    values = gray[window][ring]
    if not ring.any() or not is_flat(values, PAPER_SHARE):
        return False
    tone = float(np.median(values))
    return tone >= PAPER_LIGHT or tone <= PAPER_DARK
