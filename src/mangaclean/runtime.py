"""Backends by name, and the ONNX Runtime wrappers that run the shipped networks without torch.

Names: segmenters ``auto`` (the shipped network, else ``classical``), ``net-int8`` / ``net-fp32``
(the shipped network at a given precision), ``classical``, ``ppocr`` (the PP-OCR peer, eval extra),
``torch:VARIANT`` / ``torch:WEIGHTS.safetensors`` (eager PyTorch, train extra: for ``bench``),
or a path to an ``.onnx`` file with its ``.json`` manifest; inpainters ``auto`` (shipped network,
else ``telea``), ``spectral`` (frequency-selective extrapolation: keeps screentone, slower),
``telea``, ``ns``, ``white``, ``net-int8`` / ``net-fp32``, or an ``.onnx`` path.

``weights/defaults.json`` says what ships: ``{"segmenter": {"fp32": FILE, "int8": FILE,
"default": "int8"}, "inpainter": ...}``; a kind that is absent has no shipped network.
"""

from __future__ import annotations

import json
import logging
import os
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from mangaclean.backends import Inpainter, Segmenter
from mangaclean.errors import BackendUnavailableError, ModelError
from mangaclean.export.manifest import read_manifest
from mangaclean.inpainters import OpenCVInpainter, WhiteInpainter
from mangaclean.io import as_gray, as_rgb
from mangaclean.pipeline import Models
from mangaclean.segmenters import ClassicalSegmenter
from mangaclean.spectral import SpectralInpainter
from mangaclean.tiling import tiles

log = logging.getLogger(__name__)

SEGMENTER_NAMES = ("auto", "net-int8", "net-fp32", "classical", "ppocr")
INPAINTER_NAMES = ("auto", "net-int8", "net-fp32", "spectral", "telea", "ns", "white")


def weights_dir() -> Path:
    return Path(str(resources.files("mangaclean") / "weights"))


def shipped_model(kind: str, precision: str | None = None) -> Path | None:
    """Path of the shipped ``.onnx`` for ``kind`` (``segmenter``/``inpainter``) at ``precision``
    (``fp32``/``int8``; None = the shipped default), or None when that kind ships no network."""
    defaults = weights_dir() / "defaults.json"
    entry = json.loads(defaults.read_text()).get(kind) if defaults.is_file() else None
    if not entry:
        return None
    precision = precision or entry["default"]
    if precision not in entry:
        raise ModelError(f"no {precision} {kind} is shipped (available: {sorted(set(entry) - {'default'})})")
    return weights_dir() / entry[precision]


def _shipped(kind: str, name: str) -> Path:
    path = shipped_model(kind, name.removeprefix("net-"))
    if path is None:
        raise ModelError(f"{name}: this build ships no {kind} network")
    return path


def load_segmenter(name: str = "auto", threads: int | None = None) -> Segmenter:
    if name == "auto":
        shipped = shipped_model("segmenter")
        return OnnxSegmenter(shipped, threads) if shipped else ClassicalSegmenter()
    if name in ("net-int8", "net-fp32"):
        return OnnxSegmenter(_shipped("segmenter", name), threads)
    if name == "classical":
        return ClassicalSegmenter()
    if name.startswith("torch:"):
        try:
            from mangaclean.eval.eager import EagerSegmenter
        except ImportError as exc:
            raise BackendUnavailableError("torch: segmenters need the train extra (PyTorch)") from exc
        return EagerSegmenter(name.removeprefix("torch:"), threads)
    if name == "ppocr":
        try:
            from mangaclean.eval.ppocr import PPOCRSegmenter
        except ImportError as exc:
            raise BackendUnavailableError(
                "the ppocr segmenter needs the eval extra: pip install 'mangaclean[eval]'"
            ) from exc
        return PPOCRSegmenter()
    if name.endswith(".onnx"):
        return OnnxSegmenter(Path(name), threads)
    raise ModelError(f"unknown segmenter {name!r}; choose one of {SEGMENTER_NAMES} or an .onnx file")


def load_inpainter(name: str = "auto", threads: int | None = None) -> Inpainter:
    if name == "auto":
        shipped = shipped_model("inpainter")
        return OnnxInpainter(shipped, threads) if shipped else OpenCVInpainter("telea")
    if name in ("net-int8", "net-fp32"):
        return OnnxInpainter(_shipped("inpainter", name), threads)
    if name == "spectral":
        return SpectralInpainter()
    if name in ("telea", "ns"):
        return OpenCVInpainter(name)
    if name == "white":
        return WhiteInpainter()
    if name.endswith(".onnx"):
        return OnnxInpainter(Path(name), threads)
    raise ModelError(f"unknown inpainter {name!r}; choose one of {INPAINTER_NAMES} or an .onnx file")


def load_models(segmenter: str = "auto", inpainter: str = "auto", threads: int | None = None) -> Models:
    return Models(load_segmenter(segmenter, threads), load_inpainter(inpainter, threads))


def _session(path: Path, threads: int | None, arena: bool = True):
    """An ONNX Runtime session for ``path`` and its verified manifest (``path`` with ``.json``);
    ``arena``: ONNX Runtime's CPU memory arena (on by default, see ``OnnxSegmenter``)."""
    import onnxruntime as ort

    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    manifest = read_manifest(path)  # checks the file against its sha256
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = arena
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"{path}: cannot load model ({exc})") from exc
    return session, manifest


def _pad_to(array: np.ndarray, multiple: int, value: float) -> np.ndarray:
    """Pad the last two axes of ``(..., H, W)`` up to multiples of ``multiple`` (bottom/right)."""
    h, w = array.shape[-2:]
    pad_h, pad_w = (-h) % multiple, (-w) % multiple
    if not pad_h and not pad_w:
        return array
    widths = [(0, 0)] * (array.ndim - 2) + [(0, pad_h), (0, pad_w)]
    return np.pad(array, widths, mode="constant", constant_values=value)


class TiledSegmenter:
    """A segmentation network run at a working resolution, in tiles; subclasses supply ``_logits``.

    probability: ``(H, W)`` / ``(H, W, 3)`` uint8 -> ``(H, W)`` uint8 (probability x 255). The
    network learned glyph sizes from synthetic pages 827-1190 x 1170-1700 px seen at 0.6-1.5x, so
    a page whose short side is over ``max_short_side`` is shrunk to it (big scans; the short side,
    so that a webtoon strip or a two-page spread keeps its lettering's size), one whose long side
    is under ``min_long_side`` is enlarged to it (small web pages), and the probabilities are
    resized back; the caller's binarisation runs at full resolution. Synthetic 1807x2570 scans
    scored F1 0.456 / 0.521 / 0.530 / 0.526 at 1x / 0.8x / 0.66x / 0.55x, synthetic 540x720 pages
    0.544 / 0.577 / 0.554 at 1x / 1.25x / 1.53x (docs/RESULTS.md, F1 vs scale).
    Larger inputs run in overlapping tiles; each tile keeps only its centre (``overlap`` px of
    context each side are discarded), so memory is bounded whatever the page size and no seam
    appears.
    """

    name: str
    channels: int = 1
    tile: int = 1024
    overlap: int = 64
    min_long_side: int = 900
    max_short_side: int = 1200
    fixed_scale: float | None = None  # set: work at this scale instead (``eval --scales``)

    def working_scale(self, height: int, width: int) -> float:
        """The factor a ``height`` x ``width`` page is resized by before segmentation."""
        if self.fixed_scale is not None:
            return self.fixed_scale
        short, long = min(height, width), max(height, width)
        if short > self.max_short_side:
            return self.max_short_side / short
        return max(long, self.min_long_side) / long

    def probability(self, page: np.ndarray) -> np.ndarray:
        h, w = page.shape[:2]
        scale = self.working_scale(h, w)
        if scale == 1.0:
            return self._tiled(page)
        size = (round(w * scale), round(h * scale))
        shrink, grow = cv2.INTER_AREA, cv2.INTER_CUBIC
        resized = cv2.resize(page, size, interpolation=shrink if scale < 1 else grow)
        probability = self._tiled(resized)
        return cv2.resize(probability, (w, h), interpolation=grow if scale < 1 else shrink)

    def _tiled(self, page: np.ndarray) -> np.ndarray:
        image = as_gray(page)[None] if self.channels == 1 else np.moveaxis(as_rgb(page), 2, 0)
        h, w = image.shape[1:]
        out = np.empty((h, w), np.float32)
        windows = list(tiles(h, w, self.tile, self.overlap))
        for index, (read, keep) in enumerate(windows):
            last_of_many = len(windows) > 1 and index == len(windows) - 1
            logits = self._logits(image[(slice(None), *read)], release=last_of_many)
            out[read][keep] = logits[keep]
        return (255.0 / (1.0 + np.exp(-out)) + 0.5).astype(np.uint8)

    def _logits(self, image: np.ndarray, release: bool = False) -> np.ndarray:
        """``(C, h, w)`` uint8 -> ``(h, w)`` float32 logits; ``release``: free the engine's
        working memory afterwards (a big page is done)."""
        raise NotImplementedError


class OnnxSegmenter(TiledSegmenter):
    """A shipped segmentation network in ONNX Runtime (see ``TiledSegmenter``)."""

    def __init__(
        self,
        path: Path,
        threads: int | None = None,
        tile: int = TiledSegmenter.tile,
        overlap: int = TiledSegmenter.overlap,
        min_long_side: int = TiledSegmenter.min_long_side,
        max_short_side: int = TiledSegmenter.max_short_side,
        arena: bool = True,
    ):
        import onnxruntime as ort

        self.session, self.manifest = _session(path, threads, arena)
        # The memory arena stays on, and is shrunk back after the last tile of a multi-tile page:
        # as fast as no arena within the noise, and less memory kept (14-44 vs 60-139 MB;
        # scripts/measure_arena.py, docs/RESULTS.md). Without an arena there is nothing to shrink.
        self._release = ort.RunOptions() if arena else None
        if arena:
            self._release.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.name = f"{self.manifest['variant']} {self.manifest['precision']}"
        spec = self.manifest.get("input", {})
        self.channels = int(spec.get("channels", 1))
        self.mean, self.std = float(spec.get("mean", 0.5)), float(spec.get("std", 0.5))
        self.multiple = int(spec.get("pad_multiple", 32))
        self.tile, self.overlap = tile, overlap
        self.min_long_side, self.max_short_side = min_long_side, max_short_side

    def _logits(self, image: np.ndarray, release: bool = False) -> np.ndarray:
        h, w = image.shape[1:]
        x = (image.astype(np.float32) / 255.0 - self.mean) / self.std
        x = _pad_to(x, self.multiple, (1.0 - self.mean) / self.std)[None]  # pad with white paper
        options = self._release if release else None
        return self.session.run(None, {"image": x}, options)[0][0, 0, :h, :w]


class OnnxInpainter:
    """A shipped inpainting network: image ``(H, W)``/``(H, W, 3)`` uint8 + hole ``(H, W)`` bool."""

    def __init__(self, path: Path, threads: int | None = None):
        self.session, self.manifest = _session(path, threads)
        self.name = f"{self.manifest['variant']} {self.manifest['precision']}"
        spec = self.manifest.get("input", {})
        self.channels = int(spec.get("channels", 1))
        self.multiple = int(spec.get("pad_multiple", 16))

    def inpaint(self, image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """image ``(H, W)`` / ``(H, W, 3)`` uint8, hole ``(H, W)`` bool -> same shape and dtype.

        A grey network fills a colour image one channel at a time (a batch of three: three times
        the work of a grey page)."""
        h, w = image.shape[:2]
        if self.channels == 1:
            x = image[None, None] if image.ndim == 2 else np.moveaxis(image, 2, 0)[:, None]
        else:
            x = np.moveaxis(as_rgb(image), 2, 0)[None]
        # The padding is unknown, not white paper: a hole (zeroed like the others), so no fill
        # borrows from it.
        x = _pad_to(x.astype(np.float32) / 255.0, self.multiple, 0.0)
        holes = np.repeat(_pad_to(hole.astype(np.float32), self.multiple, 1.0)[None, None], len(x), axis=0)
        out = self.session.run(None, {"image": x * (1.0 - holes), "hole": holes})[0]
        out = np.clip(out[..., :h, :w] * 255.0 + 0.5, 0, 255).astype(np.uint8)
        if self.channels == 1:
            return out[0, 0] if image.ndim == 2 else np.ascontiguousarray(np.moveaxis(out[:, 0], 0, 2))
        rgb = np.ascontiguousarray(np.moveaxis(out[0], 0, 2))
        return as_gray(rgb) if image.ndim == 2 else rgb
