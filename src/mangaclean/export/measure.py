"""Cost of every network variant and the seed's claims, measured side by side in one run.

``python -m mangaclean.export.measure [--json F] [--quick] [--threads 2]``

Per variant: parameters, GFLOPs (``torch.utils.flop_counter``, 2 FLOPs per multiply-add) at
1216x1728 (segmenters) or 512x512 (inpainters), median latency and peak RSS in eager PyTorch
and ONNX Runtime fp32 and static int8. The configurations compared in one row or one claim
are timed interleaved in one subprocess (``measure_worker``), then each one's peak memory is
taken alone in a fresh subprocess. The int8 models are calibrated on
synthetic page-like arrays made here (never on evaluation data). Weights are random: cost does
not depend on them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("mangaclean.export.measure")  # also when run as __main__

SEG_SIZE = (1216, 1728)
CALIBRATION_PAGES = 6
INPAINT_SIZE = (512, 512)


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
        cmd = [sys.executable, "-m", "mangaclean.export.measure_worker", json.dumps(job)]
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


def variant_row(runner: Runner, name: str, quick: bool) -> dict[str, Any]:
    from mangaclean.models.registry import kind_of, model_config

    config = model_config(name)
    kind = kind_of(config)
    size = SEG_SIZE if kind == "segmenter" else INPAINT_SIZE
    row: dict[str, Any] = {"variant": name, "kind": kind, "size": list(size)}
    row["params"] = params(kind, config)
    row["gflops"] = round(gflops(kind, config, size), 2)
    fp32 = runner.export(config, name)
    arms = {"eager": runner.eager(kind, config, size), "ort_fp32": runner.ort(fp32, kind, size)}
    if not quick or name.endswith("_tiny"):
        arms["ort_int8"] = runner.ort(runner.quantize(fp32, kind), kind, size)
    row.update(zip(arms, runner.measure(list(arms.values())), strict=True))
    log.info("%s: %s", name, json.dumps(row))
    return row


def environment(threads: int) -> dict[str, Any]:
    import onnxruntime
    import torch

    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "threads": threads,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "allocator": os.environ.get("LD_PRELOAD", "") or "glibc malloc",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "command": "python -m mangaclean.export.measure " + " ".join(sys.argv[1:]),
    }


def run(threads: int, rounds: int, quick: bool, only: list[str] | None) -> dict[str, Any]:
    from mangaclean.export.claims import CLAIMS
    from mangaclean.models.registry import list_variants

    result: dict[str, Any] = {"environment": environment(threads), "variants": [], "claims": {}}
    with tempfile.TemporaryDirectory(prefix="mangaclean-measure-") as tmp:
        runner = Runner(threads, rounds, Path(tmp))
        for name in list_variants():
            if only is None or name in only:
                result["variants"].append(variant_row(runner, name, quick))
        for key, claim in CLAIMS.items():
            if only is None or key in only:
                result["claims"][key] = claim(runner, quick)
                log.info("claim %s: %s", key, json.dumps(result["claims"][key]))
    result["environment"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main(argv: list[str] | None = None) -> int:
    from mangaclean.export.report import render

    parser = argparse.ArgumentParser(prog="python -m mangaclean.export.measure", description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--markdown", type=Path, help="write the tables as Markdown here")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds after one warm-up")
    parser.add_argument("--quick", action="store_true", help="skip int8 and the slow claims")
    parser.add_argument("--only", nargs="*", help="variant names or claim letters (a, b, c, d)")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    package_log = logging.getLogger("mangaclean")
    package_log.addHandler(handler)
    package_log.setLevel(logging.INFO)
    result = run(args.threads, args.rounds, args.quick, args.only)
    text = render(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
