"""ONNX Runtime wrappers that run the shipped networks (and any exported ``.onnx``) without torch.

Every model file comes with its JSON manifest (``manifest.py``), checked against the file's
sha256 before the session is created.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mangaclean.backends.manifest import read_manifest
from mangaclean.backends.tiling import TiledSegmenter
from mangaclean.errors import ModelError
from mangaclean.io import as_gray, as_rgb


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
        # no slower than running without an arena, and a big page's working memory is not kept
        # (benchmarks/measure_arena.py). Without an arena there is nothing to shrink.
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
