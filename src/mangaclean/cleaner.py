"""``Cleaner``: the Python API in one object (models loaded once, pages cleaned many times)."""

from __future__ import annotations

import os

import numpy as np

from mangaclean.backends import load_models
from mangaclean.io import read_image
from mangaclean.pipeline import CleanOptions, CleanResult, clean_page


class Cleaner:
    """Load the models once, then ``clean`` arrays or files.

    >>> from mangaclean import Cleaner
    >>> result = Cleaner().clean("page.png")          # or an (H, W[, 3]) uint8 array
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

    def clean(self, page: np.ndarray | str | os.PathLike) -> CleanResult:
        pixels = page if isinstance(page, np.ndarray) else read_image(page).pixels
        if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or pixels.ndim == 3 and pixels.shape[2] != 3:
            raise ValueError(
                f"expected an (H, W) or (H, W, 3) uint8 array, got {pixels.dtype} {pixels.shape}"
            )
        return clean_page(pixels, self.models, self.options)
