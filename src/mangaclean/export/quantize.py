"""Static int8 quantisation (ONNX Runtime, QDQ format) calibrated on page arrays from the caller.

Activations uint8 (asymmetric), weights int8 per channel: the U8S8 scheme ONNX Runtime runs
fastest on x86 with VNNI. Activation ranges are the ``CALIBRATION_PERCENTILE`` percentiles of the
calibration activations, not their min and max: a few extreme activations would otherwise stretch
the ranges and cost the common values their resolution, so the int8 masks agree better with the
fp32 ones (the percentile was chosen by that agreement on synthetic pages; see the notes).
Dynamic int8 was slower than fp32 on these CPUs, so only static quantisation is offered. The
1x1-channel "valid count" convolutions of partial convolutions stay in float so that hole
detection (count == 0) and the renormalisation stay exact. Imports no torch.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mangaclean.backends.manifest import read_manifest, write_manifest
from mangaclean.errors import ModelError

log = logging.getLogger(__name__)

Feed = dict[str, np.ndarray]
CALIBRATION_PERCENTILE = 99.99


def _gray(page: np.ndarray) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 3)`` uint8 -> ``(H, W)`` float32 in [0, 255] (BT.601 luma)."""
    if page.ndim == 2:
        return page.astype(np.float32)
    return page[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _to_chw(page: np.ndarray, channels: int) -> np.ndarray:
    """A page as ``(channels, H, W)`` float32 in [0, 1]."""
    if channels == 1:
        return _gray(page)[None] / 255.0
    rgb = np.repeat(page[..., None], 3, axis=2) if page.ndim == 2 else page[..., :3]
    return np.moveaxis(rgb.astype(np.float32), 2, 0) / 255.0


def _crop(chw: np.ndarray, size: int, multiple: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``size`` x ``size`` crop (smaller pages are padded white) with sides rounded
    down to ``multiple``: ``(C, H, W) -> (C, h, w)``."""
    _, h, w = chw.shape
    ch, cw = min(size, h), min(size, w)
    top = int(rng.integers(0, h - ch + 1))
    left = int(rng.integers(0, w - cw + 1))
    crop = chw[:, top : top + ch, left : left + cw]
    ph, pw = max(multiple, -(-ch // multiple) * multiple), max(multiple, -(-cw // multiple) * multiple)
    return np.pad(crop, ((0, 0), (0, ph - ch), (0, pw - cw)), constant_values=1.0)


def segmenter_feeds(
    pages: Sequence[np.ndarray],
    input_spec: dict[str, Any],
    rng: np.random.Generator,
    size: int = 512,
) -> list[Feed]:
    """Calibration inputs for a segmenter: one normalised random crop per page.

    pages: ``(H, W)`` or ``(H, W, 3)`` uint8. Returns ``[{"image": (1, C, h, w)}]``.
    """
    mean, std = float(input_spec["mean"]), float(input_spec["std"])
    feeds = []
    for page in pages:
        crop = _crop(_to_chw(page, int(input_spec["channels"])), size, int(input_spec["pad_multiple"]), rng)
        feeds.append({"image": ((crop - mean) / std)[None].astype(np.float32)})
    return feeds


def random_holes(shape: tuple[int, int], rng: np.random.Generator, strokes: int = 12) -> np.ndarray:
    """A text-like hole mask of random horizontal and vertical bars: ``(H, W)`` float32, 1 = hole."""
    h, w = shape
    hole = np.zeros((h, w), np.float32)
    for _ in range(strokes):
        thick = int(rng.integers(2, max(3, min(h, w) // 12)))
        if rng.random() < 0.5:
            bh, bw = thick, int(rng.integers(1, max(2, w // 2)))
        else:
            bh, bw = int(rng.integers(1, max(2, h // 2))), thick
        top, left = int(rng.integers(0, max(1, h - bh))), int(rng.integers(0, max(1, w - bw)))
        hole[top : top + bh, left : left + bw] = 1.0
    return hole


def inpainter_feeds(
    images: Sequence[np.ndarray],
    input_spec: dict[str, Any],
    rng: np.random.Generator,
    size: int = 512,
) -> list[Feed]:
    """Calibration inputs for an inpainter: random crops with random text-like holes.

    Returns ``[{"image": (1, C, h, w) in [0, 1] with holes zeroed, "hole": (1, 1, h, w)}]``.
    """
    feeds = []
    for page in images:
        crop = _crop(_to_chw(page, int(input_spec["channels"])), size, int(input_spec["pad_multiple"]), rng)
        hole = random_holes(crop.shape[1:], rng)[None]
        feeds.append({"image": (crop * (1.0 - hole))[None], "hole": hole[None]})
    return feeds


def _reader(feeds: Sequence[Feed]):
    """The feeds as ONNX Runtime's calibration reader; ``set_range`` lets it calibrate one feed at
    a time (histograms merged as it goes), so memory holds one feed's activations, not all."""
    from onnxruntime.quantization import CalibrationDataReader

    class _Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.set_range(0, len(feeds))

        def __len__(self) -> int:
            return len(feeds)

        def set_range(self, start_index: int, end_index: int) -> None:
            self._it: Iterator[Feed] = iter(feeds[start_index:end_index])

        def get_next(self) -> Feed | None:
            return next(self._it, None)

        def rewind(self) -> None:
            self.set_range(0, len(feeds))

    return _Reader()


def _quantisable(model_path: Path) -> tuple[list[str], list[str]]:
    """Op types to quantise (all but BatchNormalization, which stays only where it cannot be
    fused: after partial convs) and the names of Conv nodes whose weight is ``(1, 1, k, k)``:
    the partial-conv valid counters, kept in float."""
    import onnx

    model = onnx.load(str(model_path))
    op_types = sorted({n.op_type for n in model.graph.node} - {"BatchNormalization"})
    shapes = {t.name: tuple(t.dims) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    shapes[node.output[0]] = tuple(attr.t.dims)
    counters = [
        n.name for n in model.graph.node if n.op_type == "Conv" and shapes.get(n.input[1], ())[:2] == (1, 1)
    ]
    return op_types, counters


def quantize_int8(fp32_path: str | Path, out_path: str | Path, feeds: Sequence[Feed]) -> Path:
    """Static int8 QDQ model of ``fp32_path`` calibrated (percentiles) on ``feeds``; returns its path."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    if not feeds:
        raise ModelError("int8 quantisation needs at least one calibration page")
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        try:
            quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        except Exception as exc:  # the optimiser is optional; quantise the raw graph instead
            log.warning("quantisation pre-processing skipped: %s", exc)
            prepared = Path(fp32_path)
        op_types, counters = _quantisable(prepared)
        try:
            quantize_static(
                str(prepared),
                str(out_path),
                _reader(feeds),
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=op_types,
                nodes_to_exclude=counters,
                calibrate_method=CalibrationMethod.Percentile,
                extra_options={"CalibPercentile": CALIBRATION_PERCENTILE, "CalibStridedMinMax": 1},
            )
        except Exception as exc:  # onnxruntime raises untyped errors
            raise ModelError(f"int8 quantisation of {fp32_path} failed: {exc}") from exc
    return out_path


def quantize_with_manifest(fp32_path: str | Path, out_path: str | Path, feeds: Sequence[Feed]) -> Path:
    """``quantize_int8`` plus a manifest copied from the fp32 one with ``precision: int8``."""
    source = read_manifest(fp32_path)
    out = quantize_int8(fp32_path, out_path, feeds)
    extra = {k: v for k, v in source.items() if k not in ("file", "sha256", "format", "precision")}
    for key in ("variant", "kind", "config", "input"):
        extra.pop(key)
    extra["calibration"] = {
        "pages": len(feeds),
        "method": f"percentile {CALIBRATION_PERCENTILE}",
        "format": "QDQ U8S8",
    }
    return write_manifest(
        out,
        variant=source["variant"],
        kind=source["kind"],
        config=source["config"],
        input_spec=source["input"],
        format="onnx",
        precision="int8",
        extra=extra,
    )


def int8_twin(
    fp32_path: str | Path, pages: Sequence[np.ndarray], rng: np.random.Generator, size: int = 512
) -> Path:
    """``X.int8.onnx`` (+ manifest) beside ``X.onnx``, calibrated on one random ``size`` crop of each
    page (``(H, W)`` or ``(H, W, 3)`` uint8); the feeds follow the manifest's kind. Returns its path."""
    fp32_path = Path(fp32_path)
    manifest = read_manifest(fp32_path)
    make = segmenter_feeds if manifest["kind"] == "segmenter" else inpainter_feeds
    int8_path = fp32_path.with_name(fp32_path.stem + ".int8.onnx")
    quantize_with_manifest(fp32_path, int8_path, make(pages, manifest["input"], rng, size=size))
    return int8_path
