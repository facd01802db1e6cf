"""``auto``'s segmenter: the shipped network and the text-line detector, decided per block
(``fusion.py``)."""

from __future__ import annotations

import numpy as np

from mangaclean import fusion
from mangaclean.backends.base import Segmenter
from mangaclean.backends.text_lines import TextLineDetector
from mangaclean.contrast import text_gray
from mangaclean.maskops import probability_level


class FusedSegmenter:
    """probability: page ``(H, W)`` / ``(H, W, 3)`` uint8 -> ``(H, W)`` uint8 (``fusion.fuse``)."""

    def __init__(self, network: Segmenter, detector: TextLineDetector, threshold: float = 0.5):
        self.network, self.detector = network, detector
        self.level = probability_level(threshold)
        self.name = f"{network.name} + {detector.name}"

    def probability(self, page: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray:
        gray = text_gray(page) if gray is None else gray
        net = self.network.probability(page, gray)
        return fusion.fuse(gray, net, self.detector.lines(page), self.level)
