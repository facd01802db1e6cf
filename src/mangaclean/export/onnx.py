"""Export a segmenter or inpainter to ONNX with dynamic batch, height and width; check parity.

Contract of the exported graphs (the runtime relies on it):
- segmenter: input ``image`` float32 ``(B, C, H, W)``, normalised ``(pixel / 255 - mean) / std``;
  output ``logits`` ``(B, 1, H, W)``;
- inpainter: inputs ``image`` float32 ``(B, C, H, W)`` in [0, 1] and ``hole`` ``(B, 1, H, W)``,
  1 = hole; output ``inpainted`` ``(B, C, H, W)`` in [0, 1] (ONNX value names are unique, so
  the output cannot also be called ``image``; the runtime reads output 0).
H and W are dynamic and must be multiples of the manifest's ``pad_multiple``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from mangaclean.backends.manifest import write_manifest
from mangaclean.errors import ModelError
from mangaclean.models.registry import describe

log = logging.getLogger(__name__)

DEFAULT_OPSET = 18
PARITY_TOLERANCE = 1e-4


def io_names(kind: str) -> tuple[list[str], list[str]]:
    """ONNX input and output names of a model ``kind``."""
    if kind == "segmenter":
        return ["image"], ["logits"]
    return ["image", "hole"], ["inpainted"]


def example_inputs(
    model: nn.Module, height: int, width: int, generator: torch.Generator, batch: int = 1
) -> tuple[torch.Tensor, ...]:
    """Random inputs of the model's kind: ``(image,)`` or ``(image, hole)``, ``(batch, C, H, W)``."""
    c = model.in_channels
    image = torch.rand(batch, c, height, width, generator=generator)
    if model.kind == "segmenter":
        return (image * 2.0 - 1.0,)
    hole = (torch.rand(batch, 1, height, width, generator=generator) < 0.3).float()
    return image, hole


def export_onnx(
    model: nn.Module,
    path: str | Path,
    opset: int = DEFAULT_OPSET,
    dynamo: bool = True,
    sample_size: tuple[int, int] | None = None,
) -> Path:
    """Write ``model`` (put in eval mode) to ``path`` as one self-contained ONNX file.

    dynamo: torch's default exporter (``torch.export``); False uses the TorchScript exporter,
    much faster to run and giving the same graph results on these models.
    sample_size: the (H, W) traced with (default 4 and 6 ``pad_multiple``); the graph accepts
    any multiple of ``pad_multiple``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    m = model.pad_multiple
    h, w = sample_size or (4 * m, 6 * m)
    args = example_inputs(model, h, w, torch.Generator().manual_seed(0))
    inputs, outputs = io_names(model.kind)
    axes = {0: "batch", 2: "height", 3: "width"}
    tmp = path.with_name(path.name + ".tmp")
    try:
        with warnings.catch_warnings(), torch.no_grad(), _quiet():
            warnings.simplefilter("ignore")
            kwargs: dict = {"input_names": inputs, "output_names": outputs, "opset_version": opset}
            if dynamo:
                kwargs["dynamic_shapes"] = tuple(dict(axes) for _ in args)
                kwargs["external_data"] = False
            else:
                kwargs["dynamic_axes"] = {name: dict(axes) for name in inputs + outputs}
            torch.onnx.export(model, args, str(tmp), dynamo=dynamo, **kwargs)
    except Exception as exc:  # the exporters raise many unrelated types
        tmp.unlink(missing_ok=True)
        raise ModelError(f"ONNX export of {model.variant} failed: {exc}") from exc
    tmp.replace(path)
    return path


@contextlib.contextmanager
def _quiet():
    """Silence the exporter's progress lines on stdout (library code prints nothing)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def export_with_manifest(
    model: nn.Module,
    path: str | Path,
    opset: int = DEFAULT_OPSET,
    dynamo: bool = True,
    extra: dict | None = None,
) -> Path:
    """``export_onnx`` plus the manifest next to it (``X.onnx`` -> ``X.json``); returns the
    manifest path."""
    path = export_onnx(model, path, opset=opset, dynamo=dynamo)
    spec = describe(model)
    return write_manifest(
        path,
        variant=spec["variant"],
        kind=spec["kind"],
        config=spec["config"],
        input_spec=spec["input"],
        format="onnx",
        precision="fp32",
        extra={"opset": opset, "exporter": "dynamo" if dynamo else "torchscript", **(extra or {})},
    )


def onnx_session(path: str | Path, threads: int = 1):
    """A CPU ONNX Runtime session with all graph optimisations and ``threads`` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def check_parity(
    model: nn.Module,
    onnx_path: str | Path,
    sizes: tuple[tuple[int, int], ...] = ((3, 5),),
    tolerance: float = PARITY_TOLERANCE,
    generator: torch.Generator | None = None,
) -> float:
    """Largest |ONNX Runtime - eager| over random inputs at each ``(h, w)`` in ``sizes``
    (in units of ``pad_multiple``); raises ``ModelError`` above ``tolerance``."""
    generator = generator or torch.Generator().manual_seed(1)
    session = onnx_session(onnx_path)
    names = [i.name for i in session.get_inputs()]
    model = model.eval()
    worst = 0.0
    for h, w in sizes:
        m = model.pad_multiple
        args = example_inputs(model, h * m, w * m, generator)
        with torch.no_grad():
            expected = model(*args).numpy()
        got = session.run(None, {n: a.numpy() for n, a in zip(names, args, strict=True)})[0]
        if got.shape != expected.shape:
            raise ModelError(f"{onnx_path}: output {got.shape}, eager {expected.shape}")
        worst = max(worst, float(abs(got - expected).max()))
    if worst > tolerance:
        raise ModelError(f"{onnx_path}: ONNX differs from eager by {worst:.2e} > {tolerance:.0e}")
    log.info("%s: ONNX Runtime matches eager within %.1e", onnx_path, worst)
    return worst
