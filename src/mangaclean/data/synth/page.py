"""Public API of the synthetic engine: configuration, samples, and the two renderers.

Mask codes (one ``(H, W)`` uint8 map, the ``mangaclean mask`` PNG format extended with a class):
``255`` text to remove (dialogue, narration, furigana), ``128`` sound effect, ``0`` background;
so ``mask > 127`` is exactly the text mask. A pixel is lettering when its ink coverage
(glyphs plus any outline, anti-aliased, all classes together) is at least half of the largest
coverage in its 3x3 neighbourhood and at least :data:`MIN_COVERAGE`: the half-maximum contour
of each stroke, which is the 50% contour for ordinary strokes and keeps hairlines thinner than a
pixel. Its class is the one with the larger coverage there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from mangaclean.data.synth.art import list_art
from mangaclean.data.synth.compose import Composition, Options, Stamp, Window, compose
from mangaclean.data.synth.degrade import degrade, sample_degradation
from mangaclean.data.synth.fonts import font_library

TEXT_CODE = 255
SFX_CODE = 128
MASK_COVERAGE = 0.5
MIN_COVERAGE = 0.1
REFERENCE_HEIGHT = 1170  # page height at which scale == 1 (Manga109 page scans)
REFERENCE_SIZE = (827, 1170)


@dataclass(frozen=True)
class SynthConfig:
    """What the generator draws. Shares are probabilities; sizes are ``(width, height)``."""

    page_height_range: tuple[int, int] = (1000, 1700)
    aspect_range: tuple[float, float] = (0.66, 0.75)
    page_size: tuple[int, int] | None = None
    crop_scale_range: tuple[float, float] = (0.6, 1.5)
    grayscale_share: float = 0.75
    scanned_colour_share: float = 0.15
    vertical_share: float = 0.8
    latin_share: float = 0.1
    furigana_share: float = 0.15
    # dialogue blocks that are one short utterance ("?", "!!", "ほら"): lone utterances in balloons
    # were 50 of the 54 OpenMantra boxes the segmenter missed
    short_share: float = 0.2
    text_density: float = 1.0
    sfx_rate: float = 1.2
    degrade: bool = True
    font_dirs: tuple[str, ...] = ()
    system_fonts: bool = True
    art_dir: str | None = None


@dataclass(frozen=True)
class TextBlock:
    """One lettering item; ``box = (x, y, w, h)`` in page pixels."""

    box: tuple[int, int, int, int]
    kind: str
    vertical: bool
    text: str


@dataclass(frozen=True)
class SynthSample:
    """raw, clean: ``(H, W)`` or ``(H, W, 3)`` uint8; mask: ``(H, W)`` uint8 class codes."""

    raw: np.ndarray
    clean: np.ndarray
    mask: np.ndarray
    blocks: list[TextBlock] = field(default_factory=list)


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of sample ``index`` of run ``seed`` (independent of worker layout)."""
    return np.random.default_rng([int(seed), int(index)])


def _options(config: SynthConfig, rng: np.random.Generator) -> Options:
    return Options(
        colour=bool(rng.random() >= config.grayscale_share),
        vertical_share=config.vertical_share,
        latin_share=config.latin_share,
        furigana_share=config.furigana_share,
        short_share=config.short_share,
        text_density=config.text_density,
        sfx_rate=config.sfx_rate,
        art_images=list_art(config.art_dir),
    )


def _box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    ys = np.flatnonzero(mask.any(1))
    xs = np.flatnonzero(mask.any(0))
    if ys.size == 0:
        return None
    return int(xs[0]), int(ys[0]), int(xs[-1] - xs[0] + 1), int(ys[-1] - ys[0] + 1)


def _blocks(stamps: list[Stamp], shape: tuple[int, int]) -> list[TextBlock]:
    """Blocks of the stamped items (boxes of their ink, clipped to the page)."""
    h, w = shape
    out: list[TextBlock] = []
    for s in stamps:
        pad = s.outline
        for cov, kind in ((s.item.text, s.item.kind), (s.item.ruby, "furigana")):
            box = _box(cov > 0)
            if box is None:
                continue
            x0 = max(0, s.x + box[0] - pad)
            y0 = max(0, s.y + box[1] - pad)
            x1 = min(w, s.x + box[0] + box[2] + pad)
            y1 = min(h, s.y + box[1] + box[3] + pad)
            if x1 > x0 and y1 > y0:
                text = s.item.string if kind != "furigana" else ""
                out.append(TextBlock((x0, y0, x1 - x0, y1 - y0), kind, s.item.vertical, text))
    return out


def glyph_pixels(alpha: np.ndarray) -> np.ndarray:
    """Pixels inside the half-maximum contour of the strokes in ``alpha`` ``(H, W)``; bool."""
    local_max = cv2.dilate(alpha, np.ones((3, 3), np.uint8))
    return (alpha >= MASK_COVERAGE * local_max) & (alpha >= MIN_COVERAGE)


def _finish(comp: Composition, config: SynthConfig, rng: np.random.Generator) -> SynthSample:
    raw, clean = comp.raw, comp.clean
    alphas = [comp.text_alpha, comp.sfx_alpha]
    if raw.ndim == 2 and rng.random() < config.scanned_colour_share:
        raw, clean = np.repeat(raw[..., None], 3, 2), np.repeat(clean[..., None], 3, 2)
    if config.degrade:
        deg = sample_degradation(rng, raw.ndim == 3)
        raw, clean, alphas = degrade(raw, clean, alphas, deg, rng)
    mask = np.zeros(raw.shape[:2], np.uint8)
    text, sfx = alphas
    ink = glyph_pixels(text + sfx - text * sfx)  # coverage of both layers together
    mask[ink & (sfx > text)] = SFX_CODE
    mask[ink & (text >= sfx)] = TEXT_CODE
    return SynthSample(raw, clean, mask, _blocks(comp.stamps, raw.shape[:2]))


def _page_size(config: SynthConfig, rng: np.random.Generator) -> tuple[int, int]:
    if config.page_size is not None:
        return int(config.page_size[0]), int(config.page_size[1])
    h = int(rng.integers(config.page_height_range[0], config.page_height_range[1] + 1))
    return int(round(h * rng.uniform(*config.aspect_range))), h


def render_page(config: SynthConfig, rng: np.random.Generator) -> SynthSample:
    """A whole synthetic page (size from ``config``)."""
    library = font_library(config.font_dirs, config.system_fonts)
    w, h = _page_size(config, rng)
    win = Window(0, 0, w, h, w, h, h / REFERENCE_HEIGHT)
    comp = compose(win, rng, library, _options(config, rng))
    return _finish(comp, config, rng)


def render_crop(
    size: int | tuple[int, int], rng: np.random.Generator, config: SynthConfig | None = None
) -> SynthSample:
    """A ``size`` window (int, or ``(width, height)``) of a page drawn at a random scale.

    Only the window is drawn, at the density and sizes of a whole page, so this is the fast
    path for training samples.
    """
    config = config or SynthConfig()
    w, h = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    library = font_library(config.font_dirs, config.system_fonts)
    scale = float(np.exp(rng.uniform(*np.log(config.crop_scale_range))))
    page_w = max(w, int(REFERENCE_SIZE[0] * scale))
    page_h = max(h, int(REFERENCE_SIZE[1] * scale))
    ox = int(rng.integers(0, page_w - w + 1))
    oy = int(rng.integers(0, page_h - h + 1))
    comp = compose(Window(ox, oy, w, h, page_w, page_h, scale), rng, library, _options(config, rng))
    return _finish(comp, config, rng)
