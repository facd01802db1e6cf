"""The two pluggable stages of the pipeline: a text segmenter and an inpainter.

A backend is any object with the method below; the built-in ones are created by name in
``registry.py`` (``load_segmenter`` / ``load_inpainter`` / ``load_models``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Segmenter(Protocol):
    """Finds text. ``name`` identifies it in logs and reports."""

    name: str

    def probability(self, page: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray:
        """Text probability per pixel.

        page: ``(H, W)`` grayscale or ``(H, W, 3)`` RGB, uint8.
        gray: ``contrast.text_gray(page)`` when the caller has it, so that a segmenter reading the
        text grey does not derive it again (ignored by those that read the page).
        returns: ``(H, W)`` uint8, the probability times 255 (255 = text): a quarter of float32's
        memory, which matters on large scans.
        """
        ...


class Inpainter(Protocol):
    """Fills holes so that no seam is left."""

    name: str

    def inpaint(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """Fill the hole pixels of ``image``.

        image: ``(H, W)`` or ``(H, W, 3)`` uint8; hole: ``(H, W)`` bool, True = to fill.
        returns: an array like ``image``. Only hole pixels may differ (the caller composites anyway).
        """
        ...


@dataclass(frozen=True)
class Models:
    """The two pluggable stages of a pipeline run (see ``registry.load_models``)."""

    segmenter: Segmenter
    inpainter: Inpainter
