"""``Cleaner``: the Python API in one object (models loaded once, pages cleaned many times)."""

from __future__ import annotations

import os

import numpy as np

from mangaclean.backends import load_models
from mangaclean.io import Page, check_pixels, read_image
from mangaclean.pipeline import CleanOptions, CleanResult, clean_page


class Cleaner:
    """Load the models once, then ``clean`` arrays or files.

    >>> from mangaclean import Cleaner
    >>> result = Cleaner().clean("page.png")          # or a Page, or an (H, W[, 3]) uint8 array
    >>> result.page, result.mask                      # cleaned pixels, erased pixels
    """

    def __init__(
        self,
        segmenter: str = "auto",
        inpainter: str = "auto",
        options: CleanOptions | None = None,
        threads: int | None = None,
    ):
        self.models = load_models(segmenter, inpainter, threads)
        self.options = options or CleanOptions()

    def clean(
        self, page: np.ndarray | Page | str | os.PathLike, removal: np.ndarray | None = None
    ) -> CleanResult:
        """Clean an ``(H, W)`` / ``(H, W, 3)`` uint8 array, a ``Page`` from ``io.read_image``, or
        a file. removal: an ``(H, W)`` bool mask to erase as it is instead of finding the text
        (e.g. an edited ``result.mask``). Raises ``ValueError`` for any other array,
        ``ImageReadError`` for a bad file."""
        if isinstance(page, Page):
            pixels = page.pixels
        elif isinstance(page, np.ndarray):
            pixels = check_pixels(page)
        else:
            pixels = read_image(page).pixels
        return clean_page(pixels, self.models, self.options, removal=removal)
