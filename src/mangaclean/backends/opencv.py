"""Classical inpainters (OpenCV): the baselines, and the fallback when no network is shipped."""

from __future__ import annotations

import cv2
import numpy as np


class OpenCVInpainter:
    """OpenCV's Telea (``telea``) or Navier-Stokes (``ns``) inpainting.

    inpaint: image ``(H, W)`` or ``(H, W, 3)`` uint8, hole ``(H, W)`` bool -> same shape uint8.
    """

    def __init__(self, method: str = "telea", radius: int = 3):
        self.name = method
        self.radius = radius
        self._flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}[method]

    def inpaint(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        if not hole.any():
            return image.copy()
        return cv2.inpaint(image, hole.astype(np.uint8), self.radius, self._flag)


class WhiteInpainter:
    """Paints holes white: what naive text removal does (a baseline for the benchmarks)."""

    name = "white"

    def inpaint(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        out = image.copy()
        out[hole] = 255
        return out
