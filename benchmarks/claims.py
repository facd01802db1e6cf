"""The original design's cost claims, each measured side by side by ``measure.py``.

(a) width 2 vs width 1 MobileNetV2 encoder; (b) ``masked_fill_`` vs ``torch.where`` partial
convolution; (c) depthwise-separable vs standard partial convolutions; (d) the three decoder
upsampling methods; (e) not a claim: whether the ONNX exporter changes runtime speed. The
configurations of one comparison are timed interleaved in one process (``Runner.measure``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from runner import INPAINT_SIZE, SEG_SIZE, Runner, gflops, params

from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Config
from mangaclean.models.registry import model_config

TRAIN_SIZE, TRAIN_BATCH = (256, 256), 4


def claim_width(runner: Runner, quick: bool) -> dict[str, Any]:
    """(a) Encoder cost at width 1 vs 2 (original design's settings: output stride 8, scSE), page size."""
    original = model_config("seg_mnv2_x2_original")
    encoders = {w: MobileNetV2Config(width=w, output_stride=8, scse_reduction=11) for w in (1.0, 2.0)}
    segmenters = {w: dataclasses.replace(original, encoder_config=e) for w, e in encoders.items()}
    eager = runner.measure([runner.eager("encoder", e, SEG_SIZE) for e in encoders.values()])
    onnx = [runner.export(c, f"claim_a_w{w:g}") for w, c in segmenters.items()]
    ort = runner.measure([runner.ort(p, "segmenter", SEG_SIZE) for p in onnx])
    rows = []
    for i, width in enumerate(encoders):
        rows.append(
            {
                "width": width,
                "encoder_params": params("encoder", encoders[width]),
                "encoder_gflops": round(gflops("encoder", encoders[width], SEG_SIZE), 2),
                "encoder_eager": eager[i],
                "segmenter_gflops": round(gflops("segmenter", segmenters[width], SEG_SIZE), 2),
                "segmenter_ort_fp32": ort[i],
            }
        )
    return {"size": list(SEG_SIZE), "rows": rows}


def _pconv_pair(runner: Runner, variant: str, field: str) -> list[dict[str, Any]]:
    """Inference (512x512) and training-step timings of ``variant`` with ``field`` False/True."""
    configs = [dataclasses.replace(model_config(variant), **{field: v}) for v in (False, True)]
    infer = runner.measure([runner.eager("inpainter", c, INPAINT_SIZE) for c in configs])
    train = runner.measure(
        [runner.eager("inpainter", c, TRAIN_SIZE, mode="train", batch=TRAIN_BATCH) for c in configs]
    )
    ort: list[dict[str, Any]] = [{}, {}]
    if field == "separable":
        onnx = [runner.export(c, f"claim_c_{variant}_{i}") for i, c in enumerate(configs)]
        ort = runner.measure([runner.ort(p, "inpainter", INPAINT_SIZE) for p in onnx])
    rows = []
    for i, config in enumerate(configs):
        row = {
            "variant": variant,
            field: bool(i),
            "params": params("inpainter", config),
            "gflops": round(gflops("inpainter", config, INPAINT_SIZE), 2),
            "eager_infer": infer[i],
            "eager_train": train[i],
        }
        if ort[i]:
            row["ort_fp32"] = ort[i]
        rows.append(row)
    return rows


def claim_masked_fill(runner: Runner, quick: bool) -> dict[str, Any]:
    """(b) ``masked_fill_`` (use_where False) vs ``torch.where`` (True) renormalisation."""
    variants = ["inpaint_pconv_small"] + ([] if quick else ["inpaint_pconv_deep"])
    rows = [r for v in variants for r in _pconv_pair(runner, v, "use_where")]
    return {"infer_size": list(INPAINT_SIZE), "train": [TRAIN_BATCH, *TRAIN_SIZE], "rows": rows}


def claim_separable(runner: Runner, quick: bool) -> dict[str, Any]:
    """(c) Depthwise-separable (separable True) vs standard partial convolutions."""
    variants = ["inpaint_pconv_small"] + ([] if quick else ["inpaint_pconv_deep"])
    rows = [r for v in variants for r in _pconv_pair(runner, v, "separable")]
    return {"infer_size": list(INPAINT_SIZE), "train": [TRAIN_BATCH, *TRAIN_SIZE], "rows": rows}


def claim_upsampling(runner: Runner, quick: bool) -> dict[str, Any]:
    """(d) bilinear vs transposed conv vs pixel shuffle in the decoder, page size.

    The light variant is timed in eager PyTorch and ONNX Runtime, the original design's in ONNX Runtime
    only (its eager run takes ~10 s a page per method).
    """
    rows = []
    methods = ("bilinear", "transposed", "pixel_shuffle")
    for variant in ["seg_mnv2_light"] + ([] if quick else ["seg_mnv2_x2_original"]):
        configs = [dataclasses.replace(model_config(variant), upsample=m) for m in methods]
        eager: list[dict[str, Any]] = [{} for _ in methods]
        if variant == "seg_mnv2_light":
            eager = runner.measure([runner.eager("segmenter", c, SEG_SIZE) for c in configs])
        onnx = [runner.export(c, f"claim_d_{variant}_{m}") for m, c in zip(methods, configs, strict=True)]
        ort = runner.measure([runner.ort(p, "segmenter", SEG_SIZE) for p in onnx])
        for i, (method, config) in enumerate(zip(methods, configs, strict=True)):
            row = {
                "variant": variant,
                "upsample": method,
                "params": params("segmenter", config),
                "gflops": round(gflops("segmenter", config, SEG_SIZE), 2),
                "ort_fp32": ort[i],
            }
            if eager[i]:
                row["eager"] = eager[i]
            rows.append(row)
    return {"size": list(SEG_SIZE), "rows": rows}


def claim_exporter(runner: Runner, quick: bool) -> dict[str, Any]:
    """Not a claim of the original design: does the exporter (dynamo vs TorchScript) change speed?"""
    config = model_config("seg_mnv2_light")
    names = ("dynamo", "torchscript")
    onnx = [runner.export(config, f"exporter_{n}", n == "dynamo") for n in names]
    ort = runner.measure([runner.ort(p, "segmenter", SEG_SIZE) for p in onnx])
    rows = [{"exporter": n, "ort_fp32": t} for n, t in zip(names, ort, strict=True)]
    return {"variant": "seg_mnv2_light", "size": list(SEG_SIZE), "rows": rows}


SMALL_CANDIDATES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "32-64-128-128-128-128": ((32, 64, 128, 128, 128, 128), (5, 3, 3, 3, 3, 3)),
    "32-64-128-256-256-256": ((32, 64, 128, 256, 256, 256), (5, 3, 3, 3, 3, 3)),
    "24-48-96-192-192-192": ((24, 48, 96, 192, 192, 192), (5, 3, 3, 3, 3, 3)),
    "16-32-64-128-128-128": ((16, 32, 64, 128, 128, 128), (5, 3, 3, 3, 3, 3)),
    "16-32-64-128-256-256 (chosen)": ((16, 32, 64, 128, 256, 256), (5, 3, 3, 3, 3, 3)),
    "16-32-64-128-192-192-192": ((16, 32, 64, 128, 192, 192, 192), (5, 3, 3, 3, 3, 3, 3)),
}


def claim_small_scan(runner: Runner, quick: bool) -> dict[str, Any]:
    """Not a claim of the original design: candidate sizes for ``inpaint_pconv_small`` (ORT fp32)."""
    base = model_config("inpaint_pconv_small")
    configs = {
        name: dataclasses.replace(base, channels=channels, kernels=kernels)
        for name, (channels, kernels) in SMALL_CANDIDATES.items()
    }
    onnx = [runner.export(c, f"scan_{i}") for i, c in enumerate(configs.values())]
    ort = runner.measure([runner.ort(p, "inpainter", INPAINT_SIZE) for p in onnx])
    rows = [
        {
            "channels": name,
            "params": params("inpainter", config),
            "gflops": round(gflops("inpainter", config, INPAINT_SIZE), 2),
            "pad_multiple": 2 ** len(config.channels),
            "ort_fp32": timing,
        }
        for (name, config), timing in zip(configs.items(), ort, strict=True)
    ]
    return {"size": list(INPAINT_SIZE), "rows": rows}


CLAIMS: dict[str, Callable[[Runner, bool], dict[str, Any]]] = {
    "a": claim_width,
    "b": claim_masked_fill,
    "c": claim_separable,
    "d": claim_upsampling,
    "e": claim_exporter,
    "s": claim_small_scan,
}
