"""The seed's cost claims, each measured side by side by ``mangaclean.export.measure``.

(a) width 2 vs width 1 MobileNetV2 encoder; (b) ``masked_fill_`` vs ``torch.where`` partial
convolution; (c) depthwise-separable vs standard partial convolutions; (d) the three decoder
upsampling methods. Paired eager timings run in A-B-B-A order and are averaged, so that a
slow phase of the shared machine hits both sides alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from mangaclean.export.measure import INPAINT_SIZE, SEG_SIZE, Runner, gflops, params
from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Config
from mangaclean.models.registry import model_config

TRAIN_SIZE, TRAIN_BATCH = (256, 256), 4


def _mean_of(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two runs of one job: mean of the medians, worst peak memory."""
    if "error" in a or "error" in b:
        return a if "error" in a else b
    return {
        "median_s": (a["median_s"] + b["median_s"]) / 2,
        "runs": a["runs"] + b["runs"],
        "peak_rss_mb": max(a["peak_rss_mb"], b["peak_rss_mb"]),
        "peak_delta_mb": max(a["peak_delta_mb"], b["peak_delta_mb"]),
    }


def abba(run_a: Callable[[], dict], run_b: Callable[[], dict]) -> tuple[dict, dict]:
    """Run A, B, B, A; return the averaged results of A and of B."""
    a1, b1 = run_a(), run_b()
    b2, a2 = run_b(), run_a()
    return _mean_of(a1, a2), _mean_of(b1, b2)


def claim_width(runner: Runner, quick: bool) -> dict[str, Any]:
    """(a) Encoder cost at width 1 vs 2 (seed settings: output stride 8, scSE), page size."""
    seed = model_config("seg_mnv2_seed")
    encoders = {w: MobileNetV2Config(width=w, output_stride=8, scse_reduction=11) for w in (1.0, 2.0)}
    eager = abba(
        lambda: runner.eager("encoder", encoders[1.0], SEG_SIZE),
        lambda: runner.eager("encoder", encoders[2.0], SEG_SIZE),
    )
    rows = []
    for (width, enc), timing in zip(encoders.items(), eager, strict=True):
        segmenter = dataclasses.replace(seed, encoder_config=enc)
        row = {
            "width": width,
            "encoder_params": params("encoder", enc),
            "encoder_gflops": round(gflops("encoder", enc, SEG_SIZE), 2),
            "encoder_eager": timing,
            "segmenter_gflops": round(gflops("segmenter", segmenter, SEG_SIZE), 2),
        }
        onnx = runner.export(segmenter, f"claim_a_w{width:g}")
        row["segmenter_ort_fp32"] = runner.ort(onnx, "segmenter", SEG_SIZE)
        rows.append(row)
    return {"size": list(SEG_SIZE), "rows": rows}


def _pconv_pair(runner: Runner, variant: str, field: str, quick: bool) -> list[dict[str, Any]]:
    """Inference (512x512) and training-step timings of ``variant`` with ``field`` False/True."""
    configs = [dataclasses.replace(model_config(variant), **{field: v}) for v in (False, True)]
    infer = abba(*(lambda c=c: runner.eager("inpainter", c, INPAINT_SIZE) for c in configs))
    train = abba(
        *(
            lambda c=c: runner.eager("inpainter", c, TRAIN_SIZE, mode="train", batch=TRAIN_BATCH)
            for c in configs
        )
    )
    rows = []
    for value, config, inf, tr in zip((False, True), configs, infer, train, strict=True):
        row = {
            "variant": variant,
            field: value,
            "params": params("inpainter", config),
            "gflops": round(gflops("inpainter", config, INPAINT_SIZE), 2),
            "eager_infer": inf,
            "eager_train": tr,
        }
        if field == "separable":
            onnx = runner.export(config, f"claim_c_{variant}_{value}")
            row["ort_fp32"] = runner.ort(onnx, "inpainter", INPAINT_SIZE)
        rows.append(row)
    return rows


def claim_masked_fill(runner: Runner, quick: bool) -> dict[str, Any]:
    """(b) ``masked_fill_`` (use_where False) vs ``torch.where`` (True) renormalisation."""
    variants = ["inpaint_pconv_small"] + ([] if quick else ["inpaint_pconv_deep"])
    rows = [r for v in variants for r in _pconv_pair(runner, v, "use_where", quick)]
    return {"infer_size": list(INPAINT_SIZE), "train": [TRAIN_BATCH, *TRAIN_SIZE], "rows": rows}


def claim_separable(runner: Runner, quick: bool) -> dict[str, Any]:
    """(c) Depthwise-separable (separable True) vs standard partial convolutions."""
    variants = ["inpaint_pconv_small"] + ([] if quick else ["inpaint_pconv_deep"])
    rows = [r for v in variants for r in _pconv_pair(runner, v, "separable", quick)]
    return {"infer_size": list(INPAINT_SIZE), "train": [TRAIN_BATCH, *TRAIN_SIZE], "rows": rows}


def claim_upsampling(runner: Runner, quick: bool) -> dict[str, Any]:
    """(d) bilinear vs transposed conv vs pixel shuffle in the decoder, page size.

    The light variant is timed in eager PyTorch and ONNX Runtime, the seed's in ONNX Runtime
    only (its eager run takes ~10 s a page per method).
    """
    rows = []
    for variant in ["seg_mnv2_light"] + ([] if quick else ["seg_mnv2_seed"]):
        for method in ("bilinear", "transposed", "pixel_shuffle"):
            config = dataclasses.replace(model_config(variant), upsample=method)
            row = {
                "variant": variant,
                "upsample": method,
                "params": params("segmenter", config),
                "gflops": round(gflops("segmenter", config, SEG_SIZE), 2),
            }
            if variant == "seg_mnv2_light":
                row["eager"] = runner.eager("segmenter", config, SEG_SIZE)
            onnx = runner.export(config, f"claim_d_{variant}_{method}")
            row["ort_fp32"] = runner.ort(onnx, "segmenter", SEG_SIZE)
            rows.append(row)
    return {"size": list(SEG_SIZE), "rows": rows}


def claim_exporter(runner: Runner, quick: bool) -> dict[str, Any]:
    """Not a seed claim: does the exporter (dynamo, the default, vs TorchScript) change speed?"""
    config = model_config("seg_mnv2_light")
    rows = []
    for dynamo in (True, False):
        onnx = runner.export(config, f"exporter_{'dynamo' if dynamo else 'torchscript'}", dynamo)
        rows.append({"exporter": "dynamo" if dynamo else "torchscript"})
        rows[-1]["ort_fp32"] = runner.ort(onnx, "segmenter", SEG_SIZE)
    return {"variant": "seg_mnv2_light", "size": list(SEG_SIZE), "rows": rows}


CLAIMS: dict[str, Callable[[Runner, bool], dict[str, Any]]] = {
    "a": claim_width,
    "b": claim_masked_fill,
    "c": claim_separable,
    "d": claim_upsampling,
    "e": claim_exporter,
}
