"""One page in, one clean page out: the whole job in one readable function.

read -> segment -> refine -> regions -> remove -> composite -> write; reading and writing are the
caller's (``io.py``), so ``clean_page`` works on arrays.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import cv2
import numpy as np

from mangaclean import masks, regions, remove
from mangaclean.backends.base import Models
from mangaclean.contrast import is_grey, text_gray

FILL_CHOICES = ("auto", "white", "inpaint")
SCOPE_CHOICES = ("all", "balloons")


@dataclass(frozen=True)
class CleanOptions:
    """threshold: text probability cut; dilate: px added to (or, negative, removed from) the
    removal margin; fill: ``auto`` | ``white`` | ``inpaint`` (see ``remove.fill_flat_blocks``);
    scope: ``all`` text, or only ``balloons`` (blocks lettered on flat paper, each whole: sound
    effects and text drawn over the art stay, see ``regions.balloon_text``)."""

    threshold: float = 0.5
    dilate: int = 0
    fill: str = "auto"
    scope: str = "all"

    def __post_init__(self):
        if self.fill not in FILL_CHOICES:
            raise ValueError(f"fill must be one of {FILL_CHOICES}, not {self.fill!r}")
        if self.scope not in SCOPE_CHOICES:
            raise ValueError(f"scope must be one of {SCOPE_CHOICES}, not {self.scope!r}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), not {self.threshold}")


@dataclass(frozen=True)
class CleanResult:
    """page: cleaned ``(H, W)`` / ``(H, W, 3)`` uint8; mask: ``(H, W)`` bool, the pixels that were
    erased; text_mask: ``(H, W)`` bool glyph pixels; regions: the text blocks; timings: seconds
    per stage."""

    page: np.ndarray
    mask: np.ndarray
    text_mask: np.ndarray
    regions: list[regions.TextRegion]
    timings: dict[str, float] = field(default_factory=dict)


def text_mask(
    page: np.ndarray, models: Models, options: CleanOptions = CleanOptions(), gray: np.ndarray | None = None
) -> np.ndarray:
    """The tight text mask (glyph pixels) of a page: ``(H, W)`` bool. What ``mangaclean mask`` writes.
    gray: the page's ``contrast.text_gray`` when the caller has it (derived here otherwise)."""
    gray = text_gray(page) if gray is None else gray
    return masks.refine_text_mask(gray, models.segmenter.probability(page, gray), options.threshold)


def clean_page(
    page: np.ndarray,
    models: Models,
    options: CleanOptions = CleanOptions(),
    *,
    tight: np.ndarray | None = None,
    removal: np.ndarray | None = None,
) -> CleanResult:
    """Remove the lettering from one page ``(H, W)`` or ``(H, W, 3)`` uint8.

    tight: ``(H, W)`` bool glyph mask to use instead of segmenting (grown as usual); removal:
    ``(H, W)`` bool removal mask to use as it is (e.g. one a user edited). At most one of them.
    """
    if tight is not None and removal is not None:
        raise ValueError("give clean_page a tight mask or a removal mask, not both")
    timings: dict[str, float] = {}
    grey_in_rgb = page.ndim == 3 and is_grey(page)
    if grey_in_rgb:  # a grey scan stored as RGB: cleaned as the grey page it is, a third of the work
        page = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    gray = text_gray(page)  # colour lettering: contrast from paper in hue too, not only in luma
    if tight is None and removal is None:
        with _timed(timings, "segment"):
            probability = models.segmenter.probability(page, gray)
        with _timed(timings, "refine"):
            tight = masks.refine_text_mask(gray, probability, options.threshold)
            del probability  # 48 MB on a 6000x8000 scan
    with _timed(timings, "refine"):
        if removal is None:
            blocks, removal = regions.find_regions(page, gray, tight, options.dilate)
        else:
            blocks, removal = regions.regions_of_removal(page, removal)
            tight = removal
        if options.scope == "balloons":
            blocks, removal = regions.balloon_text(blocks, removal.shape)
    del gray  # a colour page's: 48 MB on a 6000x8000 scan
    edited = page.copy()
    with _timed(timings, "fill"):
        textured = remove.fill_flat_blocks(edited, blocks, options.fill)
    with _timed(timings, "inpaint"):
        remove.inpaint_blocks(edited, textured, models.inpainter)
    cleaned = remove.composite(page, edited, removal)
    if grey_in_rgb:
        cleaned = cv2.cvtColor(cleaned, cv2.COLOR_GRAY2RGB)
    return CleanResult(cleaned, removal, tight, blocks, timings)


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
