"""The measuring machinery of ``measure.py`` and ``claims.py``: model cost on the meta device, and
``Runner``, which exports ONNX files to a scratch folder and times configurations ("arms")
interleaved in fresh processes (``measure_worker.py``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
WORKER = Path(__file__).with_name("measure_worker.py")
CLI = [sys.executable, "-m", "mangaclean.cli"]

SEG_SIZE = (1216, 1728)
CALIBRATION_PAGES = 6
INPAINT_SIZE = (512, 512)


def eval_json(
    kind: str,
    segmenters: list[str],
    images: Path | None = None,
    masks: Path | None = None,
    show: bool = False,
) -> list[dict]:
    """``mangaclean eval KIND`` of ``segmenters`` (on real-dev, or on ``images`` with their true
    ``masks``), one row per segmenter as its ``--json`` gives them; ``show``: its table on stdout."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        command = [*CLI, "eval", kind, "--segmenter", ",".join(segmenters), "--json", f"{tmp}/r.json", "-q"]
        if images is not None:
            command += ["--images", str(images), "--masks", str(masks)]
        subprocess.run(command, check=True, stdout=None if show else subprocess.DEVNULL)
        return json.loads(Path(f"{tmp}/r.json").read_text())[kind]


def cpu_name() -> str:
    """The ``model name`` line of /proc/cpuinfo (as lscpu shows it)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def synthetic_pages(rng: np.random.Generator, count: int, shape=(768, 768)) -> list[np.ndarray]:
    """Page-like uint8 ``(H, W)`` arrays: white paper, dark strokes and boxes, dot screentone."""
    pages = []
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(count):
        page = np.full(shape, 250, np.float32)
        period = int(rng.integers(4, 9))
        tone = ((yy % period < period // 2) & (xx % period < period // 2)) * 120.0
        top, left = rng.integers(0, h // 2), rng.integers(0, w // 2)
        page[top : top + h // 2, left : left + w // 2] -= tone[: h // 2, : w // 2]
        for _ in range(int(rng.integers(20, 60))):
            y, x = int(rng.integers(0, h - 20)), int(rng.integers(0, w - 20))
            bh, bw = int(rng.integers(2, 20)), int(rng.integers(2, 20))
            page[y : y + bh, x : x + bw] = rng.integers(0, 60)
        page += rng.normal(0, 4, shape)
        pages.append(np.clip(page, 0, 255).astype(np.uint8))
    return pages


def gflops(kind: str, config, size: tuple[int, int]) -> float:
    """GFLOPs of one forward pass at ``size`` (batch 1), counted on the meta device."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Encoder
    from mangaclean.models.registry import build

    with torch.device("meta"):
        model = MobileNetV2Encoder(config) if kind == "encoder" else build(config)
        c = config.in_channels if kind == "encoder" else model.in_channels
        args = [torch.zeros(1, c, *size)]
        if kind == "inpainter":
            args.append(torch.zeros(1, 1, *size))
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model.eval()(*args)
    return counter.get_total_flops() / 1e9


def params(kind: str, config) -> int:
    import torch

    from mangaclean.models.encoders.mobilenet_v2 import MobileNetV2Encoder
    from mangaclean.models.registry import build

    with torch.device("meta"):
        model = MobileNetV2Encoder(config) if kind == "encoder" else build(config)
    return sum(p.numel() for p in model.parameters())


class Runner:
    """Spawns measurement jobs, exports ONNX files into a scratch folder."""

    def __init__(self, threads: int, rounds: int, scratch: Path):
        self.threads, self.rounds, self.scratch = threads, rounds, scratch

    def _spawn(self, arms: list[dict[str, Any]], rounds: int) -> list[dict[str, Any]]:
        job = {"threads": self.threads, "rounds": rounds, "arms": arms}
        cmd = [sys.executable, str(WORKER), json.dumps(job)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log.warning("job failed: %s\n%s", json.dumps(arms)[:300], done.stderr[-2000:])
            error = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
            return [{"error": error} for _ in arms]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        memory = {k: result[k] for k in ("rss_before_mb", "peak_rss_mb", "peak_delta_mb")}
        return [{**arm, **memory} for arm in result["arms"]]

    def measure(self, arms: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Time ``arms`` interleaved in one process, then take each one's peak memory alone
        in a fresh process. Returns per arm ``median_s``, ``min_s``, ``runs``, ``peak_rss_mb``
        (whole process), ``peak_delta_mb`` (above the RSS once the model was loaded)."""
        timed = self._spawn(arms, self.rounds)
        results = []
        for arm, timing in zip(arms, timed, strict=True):
            if "error" in timing:
                results.append(timing)
                continue
            alone = self._spawn([arm], 0)[0]  # one call: its peak memory
            memory = {k: alone.get(k) for k in ("rss_before_mb", "peak_rss_mb", "peak_delta_mb")}
            results.append({**{k: timing[k] for k in ("median_s", "min_s", "runs")}, **memory})
        return results

    @staticmethod
    def eager(kind: str, config, size, **extra: Any) -> dict[str, Any]:
        """An eager-PyTorch arm (``extra``: ``mode="train"``, ``batch``)."""
        cfg = dataclasses.asdict(config)
        return {"backend": "eager", "kind": kind, "config": cfg, "size": list(size), **extra}

    @staticmethod
    def ort(path: Path, kind: str, size, **extra: Any) -> dict[str, Any]:
        """An ONNX Runtime arm."""
        return {"backend": "ort", "onnx": str(path), "kind": kind, "size": list(size), **extra}

    def export(self, config, name: str, dynamo: bool = False) -> Path:
        from mangaclean.export.onnx import export_with_manifest
        from mangaclean.models.registry import build

        path = self.scratch / f"{name}.onnx"
        if not path.exists():
            export_with_manifest(build(config, name), path, dynamo=dynamo)
        return path

    def quantize(self, fp32: Path, kind: str) -> Path:
        from mangaclean.backends.manifest import read_manifest
        from mangaclean.export.quantize import (
            inpainter_feeds,
            quantize_with_manifest,
            segmenter_feeds,
        )

        out = fp32.with_name(fp32.stem + ".int8.onnx")
        if not out.exists():
            spec = read_manifest(fp32)["input"]
            rng = np.random.default_rng(0)
            pages = synthetic_pages(rng, CALIBRATION_PAGES)
            make = segmenter_feeds if kind == "segmenter" else inpainter_feeds
            quantize_with_manifest(fp32, out, make(pages, spec, rng, size=512))
        return out
