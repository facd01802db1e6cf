"""Backends by name: ``SEGMENTERS`` and ``INPAINTERS`` map a name to a factory ``(threads) -> backend``.

Segmenters: ``auto`` (the shipped network and the shipped text-line detector decided per block,
``backends/fused.py``; the network alone without a detector; ``classical`` without either), ``net-int8`` /
``net-fp32`` (the shipped network alone at a given precision), ``lines`` (the line detector
alone), ``classical``, ``ppocr`` (the PP-OCR peer, eval extra);
besides the table, ``torch:VARIANT`` / ``torch:WEIGHTS.safetensors`` (eager PyTorch, train extra:
for ``bench``), a path to an ``.onnx`` file with its ``.json`` manifest, and a model folder (what
``mangaclean learn`` writes: a ``defaults.json`` like the shipped one, with its files; its network
takes the shipped one's place in ``auto``). Inpainters: ``auto``
(shipped network, else ``telea``), ``net-int8`` / ``net-fp32``, ``spectral`` (frequency-selective
extrapolation: keeps screentone, slower), ``spectral-fast`` (the same at a ninth of the work:
``spectral.FAST``), ``telea``, ``ns``, ``white``, or an ``.onnx`` path.

``weights/defaults.json`` says what ships: ``{"segmenter": {"fp32": FILE, "int8": FILE,
"default": "int8"}, "detector": ..., "inpainter": ...}``; a kind that is absent has no shipped
network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from mangaclean.backends.base import Inpainter, Models, Segmenter
from mangaclean.backends.classical import ClassicalSegmenter
from mangaclean.backends.onnx_runtime import OnnxInpainter, OnnxSegmenter
from mangaclean.backends.opencv import OpenCVInpainter, WhiteInpainter
from mangaclean.backends.spectral import FAST, SpectralInpainter
from mangaclean.errors import BackendUnavailableError, ModelError

Threads = int | None


def weights_dir() -> Path:
    """The folder of the shipped weights (``mangaclean/weights``)."""
    return Path(str(resources.files("mangaclean") / "weights"))


def folder_model(folder: Path, kind: str, precision: str | None = None) -> Path | None:
    """Path of the ``.onnx`` for ``kind`` (``segmenter``/``inpainter``) at ``precision``
    (``fp32``/``int8``; None = the folder's default) that ``folder/defaults.json`` names, or None
    when it names no network of that kind."""
    defaults = folder / "defaults.json"
    try:
        entry = json.loads(defaults.read_text()).get(kind) if defaults.is_file() else None
    except (OSError, ValueError, AttributeError) as exc:
        raise ModelError(f"{defaults}: not a readable model list ({exc})") from exc
    if not entry:
        return None
    precision = precision or entry["default"]
    if precision not in entry:
        raise ModelError(f"{folder}: no {precision} {kind} (available: {sorted(set(entry) - {'default'})})")
    return folder / entry[precision]


def shipped_model(kind: str, precision: str | None = None) -> Path | None:
    """The shipped network of ``kind`` at ``precision`` (see ``folder_model``), or None."""
    return folder_model(weights_dir(), kind, precision)


def _shipped(kind: str, precision: str) -> Path:
    path = shipped_model(kind, precision)
    if path is None:
        raise ModelError(f"net-{precision}: this build ships no {kind} network")
    return path


def _auto_segmenter(threads: Threads) -> Segmenter:
    shipped = shipped_model("segmenter")
    if shipped is None:
        return ClassicalSegmenter()
    return _with_detector(OnnxSegmenter(shipped, threads), threads)


def _auto_inpainter(threads: Threads) -> Inpainter:
    shipped = shipped_model("inpainter")
    return OnnxInpainter(shipped, threads) if shipped else OpenCVInpainter("telea")


def _ppocr(threads: Threads) -> Segmenter:
    try:
        from mangaclean.backends.ppocr import PPOCRSegmenter
    except ImportError as exc:
        raise BackendUnavailableError(
            "the ppocr segmenter needs the eval extra: pip install 'mangaclean[eval]'"
        ) from exc
    return PPOCRSegmenter()


def _with_detector(network: Segmenter, threads: Threads) -> Segmenter:
    """``network`` and the shipped line detector decided per block, or ``network`` alone when no
    detector ships."""
    if shipped_model("detector") is None:
        return network
    from mangaclean.backends.fused import FusedSegmenter

    return FusedSegmenter(network, _line_detector(threads))


def _lines(threads: Threads) -> Segmenter:
    from mangaclean.backends.text_lines import LinesSegmenter

    return LinesSegmenter(_line_detector(threads))


def _line_detector(threads: Threads):
    from mangaclean.backends.text_lines import TextLineDetector

    path = shipped_model("detector")
    if path is None:
        raise ModelError("this build ships no text-line detector")
    return TextLineDetector(path, threads)


def _eager(spec: str, threads: Threads) -> Segmenter:
    try:
        from mangaclean.backends.eager import EagerSegmenter
    except ImportError as exc:
        raise BackendUnavailableError("torch: segmenters need the train extra (PyTorch)") from exc
    return EagerSegmenter(spec, threads)


SEGMENTERS: dict[str, Callable[[Threads], Segmenter]] = {
    "auto": _auto_segmenter,
    "net-int8": lambda threads: OnnxSegmenter(_shipped("segmenter", "int8"), threads),
    "net-fp32": lambda threads: OnnxSegmenter(_shipped("segmenter", "fp32"), threads),
    "classical": lambda threads: ClassicalSegmenter(),
    "ppocr": _ppocr,
    "lines": _lines,
}

INPAINTERS: dict[str, Callable[[Threads], Inpainter]] = {
    "auto": _auto_inpainter,
    "net-int8": lambda threads: OnnxInpainter(_shipped("inpainter", "int8"), threads),
    "net-fp32": lambda threads: OnnxInpainter(_shipped("inpainter", "fp32"), threads),
    "spectral": lambda threads: SpectralInpainter(threads),
    "spectral-fast": lambda threads: SpectralInpainter(threads, FAST, "spectral-fast"),
    "telea": lambda threads: OpenCVInpainter("telea"),
    "ns": lambda threads: OpenCVInpainter("ns"),
    "white": lambda threads: WhiteInpainter(),
}


def load_segmenter(name: str = "auto", threads: Threads = None) -> Segmenter:
    """The segmenter called ``name`` (see the module docstring); ``threads``: engine threads."""
    if name in SEGMENTERS:
        return SEGMENTERS[name](threads)
    if name.startswith("torch:"):
        return _eager(name.removeprefix("torch:"), threads)
    if name.endswith(".onnx"):
        return OnnxSegmenter(Path(name), threads)
    if Path(name).is_dir():
        path = folder_model(Path(name), "segmenter")
        if path is None:
            raise ModelError(f"{name}: no segmenter listed in its defaults.json (see mangaclean learn)")
        return _with_detector(OnnxSegmenter(path, threads), threads)  # in auto's place
    raise ModelError(
        f"unknown segmenter {name!r}; choose one of {tuple(SEGMENTERS)}, an .onnx file or a model folder"
    )


def load_inpainter(name: str = "auto", threads: Threads = None) -> Inpainter:
    """The inpainter called ``name`` (see the module docstring); ``threads``: engine threads."""
    if name in INPAINTERS:
        return INPAINTERS[name](threads)
    if name.endswith(".onnx"):
        return OnnxInpainter(Path(name), threads)
    raise ModelError(f"unknown inpainter {name!r}; choose one of {tuple(INPAINTERS)} or an .onnx file")


def load_models(segmenter: str = "auto", inpainter: str = "auto", threads: Threads = None) -> Models:
    """Both backends of a pipeline run, by name."""
    return Models(load_segmenter(segmenter, threads), load_inpainter(inpainter, threads))
