"""Every inference backend, created by name.

``registry.py`` maps names to factories (``SEGMENTERS`` / ``INPAINTERS``, plain dicts);
``base.py`` says what a segmenter and an inpainter are. The implementations: ``onnx_runtime``
(the shipped networks, tiled by ``tiling``), ``classical``, ``opencv``, ``spectral``, ``ppocr``
(the eval extra) and ``eager`` (PyTorch, the train extra; imported only when asked for).
``manifest`` reads and checks the JSON manifest beside every weight file, ``checkpoint`` the
PyTorch weights (train extra).
"""

from mangaclean.backends.base import Inpainter, Models, Segmenter
from mangaclean.backends.registry import (
    INPAINTERS,
    SEGMENTERS,
    load_inpainter,
    load_models,
    load_segmenter,
    shipped_model,
)

__all__ = [
    "INPAINTERS",
    "SEGMENTERS",
    "Inpainter",
    "Models",
    "Segmenter",
    "load_inpainter",
    "load_models",
    "load_segmenter",
    "shipped_model",
]
