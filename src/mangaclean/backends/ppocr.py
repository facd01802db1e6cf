"""The PP-OCR peer: the PP-OCRv4 text detector bundled in ``rapidocr-onnxruntime==1.4.4`` (the eval
extra; its ONNX files ship inside the wheel, so it runs offline), with Otsu binarisation inside each
detected box, as text-removal tools built on an OCR detector do.

Only the detector runs (``rapidocr_onnxruntime.ch_ppocr_det.TextDetector``), never the angle
classifier or the recogniser. Each detected quadrilateral is filled, its pixels are split by Otsu,
and the minority side is taken as the glyphs (dark-on-light or light-on-dark by the box's
majority). The segmenter's output is that glyph mask as a 0/255 probability map.
"""

from __future__ import annotations

import cv2
import numpy as np

from mangaclean.errors import BackendUnavailableError
from mangaclean.io import as_gray, as_rgb
from mangaclean.maskops import glyphs_in_box

# Pages are shrunk so their longest side is at most this before detection (RapidOCR's default).
MAX_SIDE = 2000


def _load_detector(threads: int | None):
    try:
        from rapidocr_onnxruntime.ch_ppocr_det import TextDetector
        from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
        from rapidocr_onnxruntime.utils import read_yaml, update_model_path
    except ImportError as exc:
        raise BackendUnavailableError(
            "the ppocr segmenter needs rapidocr-onnxruntime==1.4.4: pip install 'mangaclean[eval]'"
        ) from exc
    config = update_model_path(read_yaml(DEFAULT_CFG_PATH))["Det"]
    if threads:
        config["intra_op_num_threads"] = threads
    return TextDetector(config)


def boxes_to_glyphs(gray: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint8 page and ``(N, 4, 2)`` polygon corners (x, y) -> ``(H, W)`` bool glyph mask."""
    height, width = gray.shape
    out = np.zeros((height, width), dtype=bool)
    for box in boxes:
        corners = np.round(np.asarray(box, dtype=np.float64)).astype(np.int32)
        x0, y0 = np.clip(corners.min(axis=0), 0, [width - 1, height - 1])
        x1, y1 = np.clip(corners.max(axis=0) + 1, 1, [width, height])
        if x1 <= x0 or y1 <= y0:
            continue
        inside = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        cv2.fillPoly(inside, [corners - [x0, y0]], 1)
        out[y0:y1, x0:x1] |= glyphs_in_box(gray[y0:y1, x0:x1], inside.astype(bool))
    return out


class PPOCRSegmenter:
    """probability: page ``(H, W)`` or ``(H, W, 3)`` uint8 -> ``(H, W)`` uint8 in {0, 255}."""

    name = "ppocr"

    def __init__(self, threads: int | None = None):
        self.detector = _load_detector(threads)

    def detect(self, page: np.ndarray) -> np.ndarray:
        """Text boxes of a page: ``(N, 4, 2)`` float corners (x, y) in page pixels."""
        bgr = cv2.cvtColor(as_rgb(page), cv2.COLOR_RGB2BGR)
        height, width = bgr.shape[:2]
        scale = min(1.0, MAX_SIDE / max(height, width))
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        boxes, _elapsed = self.detector(bgr)
        if boxes is None or len(boxes) == 0:
            return np.zeros((0, 4, 2), dtype=np.float64)
        return np.asarray(boxes, dtype=np.float64) / scale

    def probability(self, page: np.ndarray, gray: np.ndarray | None = None) -> np.ndarray:
        glyphs = boxes_to_glyphs(as_gray(page), self.detect(page))  # plain luma, as measured
        return glyphs.astype(np.uint8) * 255
