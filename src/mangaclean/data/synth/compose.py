"""Page composition: panels with art, balloons, lettering and sound effects on one canvas.

The canvas is a window ``(ox, oy, width, height)`` onto a virtual page of ``page_size``, so a
512x512 training crop is drawn at the scale and layout of a full page without drawing the rest.
The clean page is the canvas after art and balloons; the raw page is the clean page with the
lettering stamped on it, with coverages kept per class for the mask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from mangaclean.data.synth import art, balloons, lettering, strokes
from mangaclean.data.synth.fonts import FontLibrary
from mangaclean.data.synth.panels import panel_layout, panel_mask, quad_box
from mangaclean.data.synth.tones import apply_ink

PLACEMENTS = ("balloon", "outlined", "plain")
PLACEMENT_WEIGHTS = (0.74, 0.15, 0.11)


@dataclass(frozen=True)
class Window:
    """Canvas ``width`` x ``height`` at ``(ox, oy)`` on a page of ``page_w`` x ``page_h``."""

    ox: int
    oy: int
    width: int
    height: int
    page_w: int
    page_h: int
    scale: float


@dataclass(frozen=True)
class Options:
    colour: bool
    vertical_share: float
    latin_share: float
    furigana_share: float
    short_share: float
    text_density: float
    sfx_rate: float
    art_images: tuple[str, ...]


@dataclass
class Stamp:
    """A lettering item placed at ``(x, y)`` (top-left, canvas pixels) with its inks."""

    item: lettering.Lettering
    x: int
    y: int
    ink: tuple[int, int, int]
    outline: int = 0
    outline_ink: tuple[int, int, int] = (255, 255, 255)


@dataclass
class Composition:
    """The result: ``clean`` and ``raw`` pages, per-class coverages and stamped items."""

    clean: np.ndarray
    raw: np.ndarray
    text_alpha: np.ndarray
    sfx_alpha: np.ndarray
    stamps: list[Stamp] = field(default_factory=list)


def _draw_panels(canvas, win: Window, rng, pal: art.Palette, opts: Options) -> list[tuple]:
    """Art inside each visible panel, then its border; returns the visible panel boxes."""
    h, w = canvas.shape[:2]
    boxes = []
    for panel in panel_layout(win.page_w, win.page_h, rng, win.scale):
        quad = panel.quad - [win.ox, win.oy]
        box = quad_box(quad, w, h)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        region = canvas[y0:y1, x0:x1]
        sub = region.copy()
        art.busy_art(sub, rng, win.scale, pal, opts.art_images)
        alpha = panel_mask(quad, box)
        if region.ndim == 3:
            alpha = alpha[..., None]
        region[...] = (sub * alpha + region * (1 - alpha) + 0.5).astype(np.uint8)
        if panel.border > 0:
            strokes.polyline(canvas, quad, pal.ink, panel.border, closed=True)
        boxes.append(box)
    return boxes


def _overlaps(box, taken: list[tuple], share: float = 0.08) -> bool:
    x0, y0, x1, y1 = box
    area = max(1, (x1 - x0) * (y1 - y0))
    for a0, b0, a1, b1 in taken:
        ix = max(0, min(x1, a1) - max(x0, a0))
        iy = max(0, min(y1, b1) - max(y0, b0))
        if ix * iy > share * min(area, max(1, (a1 - a0) * (b1 - b0))):
            return True
    return False


def _spot(rng, panel_box, bw: float, bh: float, taken, spill: float) -> tuple | None:
    """A centre in ``panel_box`` for a ``bw`` x ``bh`` box that avoids ``taken`` boxes.

    The box may spill out of the panel by ``spill`` of its size, never out of the page:
    ``panel_box = (x0, y0, x1, y1, page_x0, page_y0, page_x1, page_y1)``.
    """
    x0, y0, x1, y1, px0, py0, px1, py1 = panel_box
    lo_x = max(x0 + bw / 2 * (1 - spill), px0 + bw / 2 + 2)
    hi_x = min(x1 - bw / 2 * (1 - spill), px1 - bw / 2 - 2)
    lo_y = max(y0 + bh / 2 * (1 - spill), py0 + bh / 2 + 2)
    hi_y = min(y1 - bh / 2 * (1 - spill), py1 - bh / 2 - 2)
    if lo_x > hi_x or lo_y > hi_y:
        return None
    for _ in range(10):
        cx, cy = rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)
        box = (int(cx - bw / 2), int(cy - bh / 2), int(cx + bw / 2), int(cy + bh / 2))
        if not _overlaps(box, taken):
            return cx, cy
    return None


def _balloon_item(canvas, cover, rng, item, panel_box, taken, scale, pal) -> Stamp | None:
    th, tw = item.text.shape
    kind = (
        "box"
        if item.kind == "narration"
        else str(rng.choice(balloons.BALLOON_KINDS, p=balloons.BALLOON_WEIGHTS))
    )
    rx, ry = balloons.inner_radii(kind, tw, th, rng, rng.uniform(3, 12) * scale)
    reach = {"cloud": 2.7, "spiky": 2.8}.get(kind, 2.1)  # outline size over the half-axes
    spot = _spot(rng, panel_box, reach * rx, reach * ry, taken, spill=rng.uniform(0, 0.5))
    if spot is None:
        return None
    dark = rng.random() < 0.05
    fill = pal.ink if dark else pal.paper
    if not dark and rng.random() < 0.12:
        fill = pal.fill(rng) if pal.colour else (int(rng.uniform(215, 250)),) * 3
    ink = pal.paper if dark else pal.text
    if not dark and rng.random() < 0.06:
        ink = (int(rng.uniform(70, 150)),) * 3
    edge = pal.paper if dark and rng.random() < 0.5 else pal.ink
    balloon = balloons.make_balloon(kind, spot, (rx, ry), rng, scale, fill, edge)
    balloons.draw_balloon(canvas, cover, balloon)
    cx, cy = spot
    taken.append((int(cx - rx), int(cy - ry), int(cx + rx), int(cy + ry)))
    return Stamp(item, int(round(cx - tw / 2)), int(round(cy - th / 2)), ink)


def _free_item(canvas, rng, item, panel_box, taken, scale, pal, placement) -> Stamp | None:
    th, tw = item.text.shape
    spot = _spot(rng, panel_box, tw, th, taken, spill=0.2)
    if spot is None:
        return None
    cx, cy = spot
    box = (int(cx - tw / 2), int(cy - th / 2), int(cx + tw / 2), int(cy + th / 2))
    taken.append(box)
    x, y = int(round(cx - tw / 2)), int(round(cy - th / 2))
    under = canvas[max(0, box[1]) : max(1, box[3]), max(0, box[0]) : max(1, box[2])]
    if placement == "plain" and under.size and float(under.mean()) > 175:
        return Stamp(item, x, y, pal.text)
    width = max(1, int(round(rng.uniform(1.5, 4.0) * scale * item.size / 20)))
    if rng.random() < 0.25:
        return Stamp(item, x, y, pal.paper, width, pal.text)
    return Stamp(item, x, y, pal.text, width, pal.paper)


def _kind(rng: np.random.Generator) -> str:
    return str(
        rng.choice(["dialogue", "narration", "aside", "shout", "title"], p=[0.71, 0.1, 0.1, 0.07, 0.02])
    )


def _letter_panels(canvas, cover, rng, boxes, win: Window, pal, lib, opts) -> list[Stamp]:
    """Dialogue, narration and asides for each visible panel."""
    stamps: list[Stamp] = []
    taken: list[tuple] = []
    unit = (260 * win.scale) ** 2
    page = (-win.ox, -win.oy, win.page_w - win.ox, win.page_h - win.oy)
    for panel in boxes:
        box = (*panel, *page)
        area = (box[2] - box[0]) * (box[3] - box[1])
        lam = opts.text_density * float(np.clip(area / unit, 0.4, 3.5))
        for _ in range(int(rng.poisson(lam))):
            kind = _kind(rng)
            item = lettering.dialogue(
                rng,
                lib,
                win.scale,
                kind=kind,
                vertical_share=opts.vertical_share,
                latin_share=opts.latin_share,
                furigana_share=opts.furigana_share,
                short_share=opts.short_share,
            )
            placement = str(rng.choice(PLACEMENTS, p=PLACEMENT_WEIGHTS))
            if kind == "title":  # display lettering stands on the art
                placement = "outlined" if rng.random() < 0.7 else "plain"
            if placement == "balloon":
                stamp = _balloon_item(canvas, cover, rng, item, box, taken, win.scale, pal)
            else:
                stamp = _free_item(canvas, rng, item, box, taken, win.scale, pal, placement)
            if stamp is not None:
                stamps.append(stamp)
    return stamps


def _sfx_stamps(rng, win: Window, pal, lib, opts) -> list[Stamp]:
    area = win.width * win.height / (827 * 1170 * win.scale**2)
    stamps = []
    for _ in range(int(rng.poisson(opts.sfx_rate * max(area, 0.3)))):
        item = lettering.sfx(rng, lib, win.scale, opts.latin_share)
        th, tw = item.text.shape
        x = int(rng.uniform(*sorted((-tw * 0.3, win.width - tw * 0.7))))
        y = int(rng.uniform(*sorted((-th * 0.3, win.height - th * 0.7))))
        style = rng.random()
        width = max(1, int(round(rng.uniform(0.03, 0.09) * item.size)))
        if style < 0.45:
            stamps.append(Stamp(item, x, y, pal.ink, width, pal.paper))
        elif style < 0.75:
            stamps.append(Stamp(item, x, y, pal.paper, width, pal.ink))
        else:
            stamps.append(Stamp(item, x, y, pal.ink))
    return stamps


def stamp(page: np.ndarray, alpha: np.ndarray, s: Stamp, occlude: np.ndarray | None) -> None:
    """Draw ``s`` on ``page`` (in place) and composite its coverage into ``alpha``.

    page: ``(H, W[, 3])`` uint8; alpha: ``(H, W)`` float32; occlude: ``(H, W)`` uint8 coverage of
    things drawn *above* the stamp (balloons over sound effects), or None.
    """
    cov = np.maximum(s.item.text, s.item.ruby)
    h, w = page.shape[:2]
    pad = s.outline + 1
    cov = np.pad(cov, pad)
    x, y = s.x - pad, s.y - pad
    xa, ya, xb, yb = max(0, x), max(0, y), min(w, x + cov.shape[1]), min(h, y + cov.shape[0])
    if xa >= xb or ya >= yb:
        return
    cov = cov[ya - y : yb - y, xa - x : xb - x]
    keep = 1.0 if occlude is None else 1.0 - occlude[ya:yb, xa:xb].astype(np.float32) / 255.0
    layers = []
    if s.outline:
        k = 2 * s.outline + 1
        grown = cv2.dilate(cov, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        layers.append((grown.astype(np.float32) / 255.0 * keep, s.outline_ink))
    layers.append((cov.astype(np.float32) / 255.0 * keep, s.ink))
    for a, ink in layers:
        apply_ink(page[ya:yb, xa:xb], a, ink)
        acc = alpha[ya:yb, xa:xb]
        acc += a * (1.0 - acc)  # coverage of this layer over what is already there


def compose(win: Window, rng: np.random.Generator, lib: FontLibrary, opts: Options) -> Composition:
    """Draw one page window: art, balloons, then lettering (sound effects under balloons)."""
    pal = art.page_palette(rng, opts.colour)
    shape = (win.height, win.width, 3) if opts.colour else (win.height, win.width)
    canvas = np.empty(shape, np.uint8)
    canvas[...] = np.asarray(pal.paper if opts.colour else pal.paper[0], np.uint8)
    boxes = _draw_panels(canvas, win, rng, pal, opts)
    if not boxes:
        boxes = [(0, 0, win.width, win.height)]
    cover = np.zeros((win.height, win.width), np.uint8)
    stamps = _letter_panels(canvas, cover, rng, boxes, win, pal, lib, opts)
    sfx = _sfx_stamps(rng, win, pal, lib, opts)
    clean = canvas.copy()
    text_alpha = np.zeros(cover.shape, np.float32)
    sfx_alpha = np.zeros(cover.shape, np.float32)
    for s in sfx:
        stamp(canvas, sfx_alpha, s, cover)
    for s in stamps:
        stamp(canvas, text_alpha, s, None)
    return Composition(clean, canvas, text_alpha, sfx_alpha, sfx + stamps)
