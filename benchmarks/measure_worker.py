"""One job of ``measure.py``, run in a fresh process.

``python benchmarks/measure_worker.py '<job json>'`` prints one JSON line.

A job is a list of ``arms`` (configurations) timed *interleaved* in this one process: after a
warm-up call of each, every round calls each arm once, alternating the order (A B, B A, ...),
so that a busy phase of the shared machine hits all arms alike. Result:
``{"arms": [{"median_s", "min_s", "runs"}], "rss_before_mb", "peak_rss_mb", "peak_delta_mb"}``;
the memory fields are only meaningful for single-arm jobs (the measure runs one per arm).

Arm fields: ``backend`` ("eager" | "ort"), ``size`` [H, W], ``batch`` (1), and
- eager: ``kind`` + ``config`` (a model; or ``kind: "encoder"`` with a MobileNetV2 config),
  ``mode`` ("infer" | "train": forward + backward + zeroing the gradients);
- ort: ``onnx`` (a file path) and ``kind``.
Job fields: ``arms``, ``threads``, ``rounds`` (tripled when a round takes under 0.3 s; 0 =
only the warm-up call, for a memory measurement).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

import numpy as np

from mangaclean.eval.memory import peak_rss_mb, rss_mb

FAST_RUN_S = 0.3  # below this, take more repeats


def inputs(kind: str, batch: int, channels: int, h: int, w: int) -> list[np.ndarray]:
    """Fixed pseudo-random inputs: a page-like image (and a hole mask for inpainters)."""
    rng = np.random.default_rng(0)
    image = rng.random((batch, channels, h, w), dtype=np.float32)
    if kind != "inpainter":
        return [image * 2.0 - 1.0]
    hole = (rng.random((batch, 1, h, w)) < 0.15).astype(np.float32)
    return [image * (1.0 - hole), hole]


def time_interleaved(calls: list, rounds: int) -> list[list[float]]:
    """Warm each call up once, then time ``rounds`` rounds of all calls, alternating order."""
    start = time.perf_counter()
    for call in calls:
        call()
    if rounds and time.perf_counter() - start < FAST_RUN_S:
        rounds *= 3
    times: list[list[float]] = [[] for _ in calls]
    for r in range(rounds):
        order = range(len(calls)) if r % 2 == 0 else reversed(range(len(calls)))
        for i in order:
            start = time.perf_counter()
            calls[i]()
            times[i].append(time.perf_counter() - start)
    return times


def eager_call(job: dict[str, Any]):
    import torch

    from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Config, MobileNetV2Encoder
    from mangaclean.models.registry import build_from_config

    if job["kind"] == "encoder":
        model = MobileNetV2Encoder(MobileNetV2Config(**job["config"]))
        channels, kind = model.config.in_channels, "segmenter"
    else:
        model = build_from_config(job["kind"], job["config"])
        channels, kind = model.in_channels, job["kind"]
    h, w = job["size"]
    args = [torch.from_numpy(a) for a in inputs(kind, int(job.get("batch", 1)), channels, h, w)]
    if job.get("mode", "infer") == "train":
        model.train()

        def call():
            out = model(*args)
            loss = sum(o.float().mean() for o in (out if isinstance(out, tuple) else (out,)))
            loss.backward()
            model.zero_grad(set_to_none=True)

        return call
    model.eval()

    def call():
        with torch.inference_mode():
            model(*args)

    return call


def ort_call(job: dict[str, Any], threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(job["onnx"], options, providers=["CPUExecutionProvider"])
    first = session.get_inputs()[0]
    channels = int(first.shape[1])
    h, w = job["size"]
    arrays = inputs(job["kind"], int(job.get("batch", 1)), channels, h, w)
    feed = {i.name: a for i, a in zip(session.get_inputs(), arrays, strict=True)}
    return lambda: session.run(None, feed)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    threads = int(job["threads"])
    if any(arm["backend"] == "eager" for arm in job["arms"]):
        import torch

        torch.set_num_threads(threads)
    calls = [eager_call(arm) if arm["backend"] == "eager" else ort_call(arm, threads) for arm in job["arms"]]
    before = rss_mb()
    times = time_interleaved(calls, int(job.get("rounds", 3)))
    peak = peak_rss_mb()
    arms = [{"median_s": statistics.median(t), "min_s": min(t), "runs": len(t)} if t else {} for t in times]
    return {
        "arms": arms,
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak, 1),
        "peak_delta_mb": round(peak - before, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run_job(json.loads(sys.argv[1]))))
