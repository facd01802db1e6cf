"""Cost of every network variant and the original design's cost claims, side by side in one run.

``python benchmarks/measure.py [--json F] [--markdown F] [--quick] [--threads 2] [--only ...]``
(needs the train extra). A one-off study, kept runnable; not part of the package.

Per variant: parameters, GFLOPs (``torch.utils.flop_counter``, 2 FLOPs per multiply-add) at
1216x1728 (segmenters) or 512x512 (inpainters), median latency and peak RSS in eager PyTorch
and ONNX Runtime fp32 and static int8. The configurations compared in one row or one claim
are timed interleaved in one subprocess (``measure_worker.py``), then each one's peak memory is
taken alone in a fresh subprocess. The int8 models are calibrated on
synthetic page-like arrays made here (never on evaluation data). Weights are random: cost does
not depend on them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runner import INPAINT_SIZE, SEG_SIZE, Runner, cpu_name, gflops, params

log = logging.getLogger(__name__)


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
        "command": "python benchmarks/measure.py " + " ".join(sys.argv[1:]),
    }


def run(threads: int, rounds: int, quick: bool, only: list[str] | None) -> dict[str, Any]:
    from claims import CLAIMS

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
    from report import render

    parser = argparse.ArgumentParser(prog="python benchmarks/measure.py", description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--markdown", type=Path, help="write the tables as Markdown here")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds after one warm-up")
    parser.add_argument("--quick", action="store_true", help="skip int8 and the slow claims")
    parser.add_argument("--only", nargs="*", help="variant names or claim letters (a, b, c, d)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
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
